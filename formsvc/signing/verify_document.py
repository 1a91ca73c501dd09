"""Verification by upload: is this certificate PDF ours, unchanged, and still valid?

Three independent points, each reported in Chinese: the signature (valid, invalid or missing; by
whom, when; trusted chain or not), the file's integrity (unmodified since signing, or what later
incremental updates added), and the registry (the number in certificate.json, its status now, and
the file's data against the registry's record field by field). The upload is parsed in a child
process under limits (inspect.py); the registry is asked with the number and the name together, as
the look-up form does, so that a made-up file reveals nothing a look-up would not.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ..dates import official_date
from ..errors import InvalidData, NotFound, PayloadTooLarge
from ..forms.base import title_of
from ..forms.title_history import TitleRecord
from ..registry import verifying
from ..registry.models import STATUS_VALID
from ..registry.verifying import NOT_FOUND, Verification
from . import inspect
from .archive import EMBEDDED_FIELDS, EMBEDDED_FORMAT

#: the largest upload looked at; a certificate PDF is about 100–200 KB
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: wall-clock seconds the child may take (its CPU is capped by inspect.CPU_SECONDS)
DEADLINE_SECONDS = 15
#: inspections at once in one process: each is a child process with its own interpreter
_running = threading.BoundedSemaphore(2)

VALID, INVALID, MISSING = "valid", "invalid", "missing"
SIGNATURE_TEXT = {VALID: "签名有效", INVALID: "签名无效", MISSING: "没有数字签名"}
UNMODIFIED, MODIFIED, BROKEN, UNKNOWN = "unmodified", "modified", "broken", "unknown"
INTEGRITY_TEXT = {
    UNMODIFIED: "签名后未被修改",
    MODIFIED: "签名后被追加修改",
    BROKEN: "签名所覆盖的内容已被改动",
    UNKNOWN: "无法判断（文件没有有效签名）",
}

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

#: labels of certificate.json's fields, as the certificate prints them
FIELD_LABELS: dict[str, str] = {
    **{name: title_of(TitleRecord, name) for name in TitleRecord.model_fields},
    "number": "证书编号",
    "id_number_masked": "证件号码（部分隐藏）",
    "level": "级别",
    "issuing_body": "发证机构",
    "issued_on": "发证日期",
    "verify_url": "查验地址（二维码）",
}


class UnreadableUpload(InvalidData):
    """An upload the check cannot read: not a PDF, encrypted, a bomb, too complex."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(UPLOAD_ERRORS[code], loc=("file",))


@dataclass(frozen=True)
class Change:
    """One incremental update after the signature: the objects it added or replaced."""

    revision: int
    objects: tuple[tuple[int, str, bool], ...]  # (object number, kind, new)

    def summary(self) -> str:
        parts = [f"{'新增' if new else '替换'}{kind}（对象 {number}）" for number, kind, new in self.objects]
        return f"第 {self.revision} 次修订：" + "、".join(parts)


@dataclass(frozen=True)
class FieldCheck:
    """One field of certificate.json against the registry; registry is None where it stays hidden."""

    name: str
    in_file: str | None
    in_registry: str | None
    same: bool

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.name, self.name)

    def summary(self) -> str:
        if self.same:
            return f"{self.label}：一致"
        shown = f"，登记为「{self.in_registry}」" if self.in_registry is not None else ""
        return f"{self.label}：不一致（文件中为「{self.in_file or '（缺失）'}」{shown}）"


@dataclass(frozen=True)
class DocumentCheck:
    """What an uploaded certificate PDF proves: signature, integrity, registry, point by point."""

    signature: str
    trusted: bool = False
    signer: str | None = None
    signer_issuer: str | None = None
    signing_time: dt.datetime | None = None
    timestamp: dt.datetime | None = None
    integrity: str = UNKNOWN
    changes: tuple[Change, ...] = ()
    record_found: bool = False
    record_problem: str | None = None
    record_changed: bool = False
    number: str | None = None
    registry: Verification | None = None
    fields: tuple[FieldCheck, ...] = field(default=())

    @property
    def registry_status(self) -> str:
        return self.registry.status if self.registry is not None else NOT_FOUND

    @property
    def data_match(self) -> bool:
        return bool(self.fields) and all(f.same for f in self.fields)

    @property
    def genuine(self) -> bool:
        """Signed by a trusted key, unchanged since, and the registry holds the same data."""
        return (self.signature == VALID and self.trusted and self.integrity == UNMODIFIED
                and not self.record_changed and self.registry is not None and self.data_match)

    @property
    def valid_now(self) -> bool:
        return self.genuine and self.registry_status == STATUS_VALID

    @property
    def verdict(self) -> str:
        if self.valid_now:
            return "真实有效"
        if self.genuine and self.registry is not None and self.registry.status != STATUS_VALID:
            return f"证书真实，但{self.registry.status_text}"
        return "无法确认真实性"

    def signature_summary(self) -> str:
        if self.signature == MISSING:
            return "签名：没有数字签名（任何人都能制作这样的文件）"
        text = f"签名：{SIGNATURE_TEXT[self.signature]}，签名者 {self.signer}"
        if self.signing_time:
            text += f"，签名时间 {self.signing_time:%Y-%m-%d %H:%M:%S} UTC"
        if self.timestamp:
            text += f"，可信时间戳 {self.timestamp:%Y-%m-%d %H:%M:%S} UTC"
        text += "；证书链可信" if self.trusted else "；签名者的证书不受信任（不是本服务的签发机构签发的）"
        return text

    def integrity_summary(self) -> str:
        text = f"完整性：{INTEGRITY_TEXT[self.integrity]}"
        if self.changes:
            text += "：" + "；".join(c.summary() for c in self.changes)
        if self.record_changed:
            text += "；嵌入的 certificate.json 与签名时不同"
        return text

    def registry_summary(self) -> str:
        if self.record_problem:
            return f"登记信息：{self.record_problem}"
        if self.registry is None:
            return f"登记信息：未找到证书 {self.number}（编号与姓名不符，或证书不存在）"
        text = f"登记信息：证书 {self.number} {self.registry.status_text}"
        if self.registry.revoked_on:
            text += f"（{official_date(self.registry.revoked_on)}撤销，原因：{self.registry.revoke_reason}）"
        differing = [f for f in self.fields if not f.same]
        text += "；文件中的数据与登记一致" if not differing else \
            "；" + "；".join(f.summary() for f in differing)
        return text

    def summary(self) -> str:
        return "\n".join((f"结论：{self.verdict}", self.signature_summary(), self.integrity_summary(),
                          self.registry_summary()))

    def as_json(self) -> dict[str, Any]:
        registry = self.registry
        return {
            "verdict": self.verdict,
            "genuine": self.genuine,
            "valid_now": self.valid_now,
            "summary": self.summary(),
            "signature": {
                "state": self.signature,
                "state_text": SIGNATURE_TEXT[self.signature],
                "trusted": self.trusted,
                "signer": self.signer,
                "issuer": self.signer_issuer,
                "signing_time": self.signing_time.isoformat() if self.signing_time else None,
                "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            },
            "integrity": {
                "state": self.integrity,
                "state_text": INTEGRITY_TEXT[self.integrity],
                "record_changed": self.record_changed,
                "changes": [{"revision": c.revision, "summary": c.summary(),
                             "objects": [{"id": n, "kind": k, "new": new} for n, k, new in c.objects]}
                            for c in self.changes],
            },
            "registry": {
                "number": self.number,
                "found": registry is not None,
                "status": self.registry_status,
                "status_text": registry.status_text if registry is not None else "未找到",
                "revoked_on": registry.revoked_on.isoformat() if registry and registry.revoked_on else None,
                "revoke_reason": registry.revoke_reason if registry is not None else None,
                "problem": self.record_problem,
                "data_match": self.data_match,
                "fields": [{"name": f.name, "label": f.label, "in_file": f.in_file,
                            "in_registry": f.in_registry, "same": f.same} for f in self.fields],
            },
        }


# --- reading the file ------------------------------------------------------------------------


def precheck(data: bytes) -> None:
    """What is refused before any parsing: empty, too large, not a PDF."""
    if not data:
        raise UnreadableUpload("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise PayloadTooLarge(f"上传的 PDF 过大（上限 {limit} MB）", loc=("file",))
    if b"%PDF-" not in data[:1024] or b"%%EOF" not in data[-2048:]:
        raise UnreadableUpload("not_pdf")


def read_facts(data: bytes, anchors: Sequence[bytes]) -> dict[str, Any]:
    """The inspector's facts about data, from a child process under limits; UnreadableUpload if
    it cannot read the file, or runs out of time or memory."""
    header = json.dumps({"anchors": [base64.b64encode(a).decode() for a in anchors]}).encode()
    # the script by path with -I: the child imports pyHanko and the standard library, nothing of
    # the service, and no environment variable steers it
    command = [sys.executable, "-I", str(Path(inspect.__file__))]
    with _running:
        try:
            result = subprocess.run(command, input=header + b"\n" + data, capture_output=True,
                                    timeout=DEADLINE_SECONDS, check=False)
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


def _signature_part(facts: Mapping[str, Any]) -> dict[str, Any]:
    signatures = facts["signatures"]
    if not signatures:
        return {"signature": MISSING}
    # the last signature speaks for the file: it covers everything before it
    last = signatures[-1]
    intact = last["intact"] and last["valid"]
    if not intact:
        integrity = BROKEN
    elif last["coverage"] == "ENTIRE_FILE":
        integrity = UNMODIFIED
    else:
        integrity = MODIFIED
    changes = tuple(
        Change(c["revision"], tuple((o["id"], o["kind"], o["new"]) for o in c["objects"]))
        for c in facts["changes"]
    ) if integrity == MODIFIED else ()
    return {
        "signature": VALID if intact else INVALID,
        "trusted": bool(last["trusted"]) and intact,
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


def check_document(data: bytes, anchors: Sequence[bytes], connection: Session | Connection) -> DocumentCheck:
    """The DocumentCheck of an uploaded PDF; UnreadableUpload (or PayloadTooLarge) if it cannot
    be checked at all."""
    precheck(data)
    facts = read_facts(data, anchors)
    found = _signature_part(facts)
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
