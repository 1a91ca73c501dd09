"""Verification by upload: is this certificate PDF ours, unchanged, and still valid?

Three independent points: the signature (valid, invalid or missing; by whom, when; trusted chain
or not), the file's integrity (unmodified since signing, or what later incremental updates added),
and the registry (the number in certificate.json, its status now, and the file's data against the
registry's record field by field); document_report.py says them in Chinese. The upload is parsed
in a child process under limits (inspect.py); the registry is asked with the number and the name
together, as the look-up form does, so that a made-up file reveals nothing a look-up would not.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from asn1crypto.crl import CertificateList
from asn1crypto.x509 import Name
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ..errors import InvalidData, NotFound, PayloadTooLarge
from ..registry import verifying
from ..registry.verifying import NOT_FOUND, Verification
from . import inspect
from .archive import EMBEDDED_FIELDS, EMBEDDED_FORMAT
from .document_report import (
    BROKEN,
    INVALID,
    MISSING,
    MODIFIED,
    UNMODIFIED,
    VALID,
    Change,
    DocumentCheck,
    FieldCheck,
)
from .revocation import revocation_of

#: the largest upload looked at; a certificate PDF is about 100–200 KB
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: wall-clock seconds the child may take by default (its CPU is capped by inspect.CPU_SECONDS);
#: FORMSVC_DOCUMENT_CHECK_SECONDS sets it for a slow or heavily loaded host
DEADLINE_SECONDS = 15
#: inspections at once in one process: each is a child process with its own interpreter
_running = threading.BoundedSemaphore(2)

#: why an upload cannot be checked, by the inspector's error code
UPLOAD_ERRORS: dict[str, str] = {
    "not_pdf": "上传的文件不是 PDF：请上传职称电子证书的 PDF 文件",
    "encrypted": "PDF 已加密，无法查验：请上传签发机构提供的证书原件",
    "bomb": "PDF 中的压缩数据解压后过大，已拒绝查验",
    "nested": "PDF 对象嵌套层数过多，已拒绝查验",
    "too_complex": "PDF 过于复杂，无法在限定的时间和内存内查验",
    "unreadable": "PDF 文件已损坏或格式不规范，无法查验",
    "empty": "上传的文件是空的",
}


class UnreadableUpload(InvalidData):
    """An upload the check cannot read: not a PDF, encrypted, a bomb, too complex."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(UPLOAD_ERRORS[code], loc=("file",))


def precheck(data: bytes) -> None:
    """What is refused before any parsing: empty, too large, not a PDF."""
    if not data:
        raise UnreadableUpload("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise PayloadTooLarge(f"上传的 PDF 过大（上限 {limit} MB）", loc=("file",))
    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-2048:]:
        raise UnreadableUpload("not_pdf")


def read_facts(data: bytes, anchors: Sequence[bytes], deadline: float = DEADLINE_SECONDS) -> dict[str, Any]:
    """The inspector's facts about data, from a child process under limits; UnreadableUpload if
    it cannot read the file, or runs out of time or memory."""
    header = json.dumps({"anchors": [base64.b64encode(a).decode() for a in anchors]}).encode()
    # the script by path with -I: the child imports pyHanko and the standard library, nothing of
    # the service, and no environment variable steers it
    command = [sys.executable, "-I", str(Path(inspect.__file__))]
    with _running:
        try:
            result = subprocess.run(command, input=header + b"\n" + data, capture_output=True,
                                    timeout=deadline, check=False)
        except subprocess.TimeoutExpired:
            raise UnreadableUpload("too_complex") from None
    if result.returncode != 0:
        # killed by its CPU limit, or out of memory before it could say so
        raise UnreadableUpload("too_complex")
    try:
        facts = json.loads(result.stdout)
    except ValueError:
        raise UnreadableUpload("unreadable") from None
    if "error" in facts:
        raise UnreadableUpload(facts["error"] if facts["error"] in UPLOAD_ERRORS else "unreadable")
    return facts


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _revocation(signature: Mapping[str, Any], crls: Sequence[CertificateList]) -> dict[str, Any]:
    """What is known of the signing certificate's revocation: from the file's own validation data
    (checked offline by the inspector, as of signing), and from the issuer's CRLs the service holds
    now (a key revoked after it signed)."""
    embedded = signature["revocation"]
    issuer = base64.b64decode(signature["issuer_name"])
    current = [c for c in crls if c.issuer.dump() == issuer]
    listed = revocation_of(current, Name.load(issuer), int(signature["serial"], 16)) if current else None
    dates = [d for d in (_moment(embedded.get("revoked_on")), listed[0] if listed else None) if d]
    return {"revocation_offline": bool(embedded["checked"]), "revocation_issuer_list": bool(current),
            "revoked_on": min(dates) if dates else None}


def _signature_part(facts: Mapping[str, Any], crls: Sequence[CertificateList]) -> dict[str, Any]:
    signatures = facts["signatures"]
    if not signatures:
        return {"signature": MISSING}
    # the last signature speaks for the file: it covers everything before it, and what it allows
    # after it (validation data for B-LT) changes nothing it signed
    last = signatures[-1]
    intact = last["intact"] and last["valid"]
    if not intact:
        integrity = BROKEN
    elif last["covers_file"]:
        integrity = UNMODIFIED
    else:
        integrity = MODIFIED
    revocation = _revocation(last, crls) if intact else {}
    changes = tuple(
        Change(c["revision"], tuple((o["id"], o["kind"], o["new"]) for o in c["objects"]))
        for c in facts["changes"]
    ) if integrity == MODIFIED else ()
    return {
        "signature": VALID if intact else INVALID,
        "trusted": bool(last["trusted"]) and intact and revocation.get("revoked_on") is None,
        "level": last["level"] if intact else None,
        "validation_updates": tuple(facts.get("validation_updates", ())) if intact else (),
        **revocation,
        "signer": last["signer"],
        "signer_issuer": last["issuer"],
        "signing_time": _moment(last["signing_time"]),
        "timestamp": _moment(last["timestamp"]) if last["timestamp_valid"] else None,
        "integrity": integrity,
        "changes": changes,
    }


def _embedded_data(facts: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    raw = facts.get("record")
    if raw is None:
        return None, "文件中没有嵌入 certificate.json（不是本服务签发的职称电子证书）"
    content = base64.b64decode(raw)
    if len(content) > inspect.MAX_EMBEDDED_BYTES:
        return None, "嵌入的 certificate.json 过大"
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "嵌入的 certificate.json 不是有效的 JSON"
    if not isinstance(data, dict) or data.get("format") != EMBEDDED_FORMAT:
        return None, f"嵌入的 certificate.json 格式不对（应为 {EMBEDDED_FORMAT}）"
    if not isinstance(data.get("number"), str) or not isinstance(data.get("name"), str):
        return None, "嵌入的 certificate.json 缺少证书编号或姓名"
    return data, None


def _code_of(url: Any) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""


def _fields(embedded: Mapping[str, Any], registry: Verification,
            connection: Session | Connection) -> tuple[FieldCheck, ...]:
    assert registry.certificate is not None
    registered = registry.certificate.as_json()
    checks = []
    for name in EMBEDDED_FIELDS:
        given = embedded.get(name)
        if name == "verify_url":
            # the code stays secret: only whether the file's code opens this same certificate
            by_code = verifying.verify(connection, _code_of(given))
            opened = by_code.certificate
            same = opened is not None and opened.number == registry.certificate.number
            checks.append(FieldCheck(name, given if isinstance(given, str) else None, None, same))
            continue
        value = registered[name]
        checks.append(FieldCheck(name, None if given is None else str(given), value, given == value))
    return tuple(checks)


def check_document(data: bytes, anchors: Sequence[bytes], connection: Session | Connection,
                   deadline: float = DEADLINE_SECONDS, crls: Sequence[CertificateList] = ()
                   ) -> DocumentCheck:
    """The DocumentCheck of an uploaded PDF; UnreadableUpload (or PayloadTooLarge) if it cannot
    be checked at all. crls: the issuer's current CRLs, for a file that embeds none."""
    precheck(data)
    facts = read_facts(data, anchors, deadline)
    found = _signature_part(facts, crls)
    found["record_changed"] = bool(facts.get("record_changed")) and found["signature"] == VALID
    embedded, problem = _embedded_data(facts)
    if embedded is None:
        return DocumentCheck(**found, record_problem=problem)
    number = embedded["number"]
    try:
        registry = verifying.look_up(connection, number, embedded["name"])
    except (InvalidData, NotFound):
        registry = Verification(NOT_FOUND)
    if not registry.found:
        return DocumentCheck(**found, record_found=True, number=number)
    return DocumentCheck(**found, record_found=True, number=number, registry=registry,
                         fields=_fields(embedded, registry, connection))
