"""Reading an uploaded PDF under limits: what its signatures, revisions and certificate.json say.

An upload is hostile until proven otherwise, so it is parsed in a child process of its own
(python -m formsvc.signing.inspect) that first caps its own memory and CPU time; the parent also
gives it a wall-clock deadline. The child writes one JSON object of facts to standard output and
judges nothing about the registry: verify_document.py does that in the service.

Standard input: one line of JSON ({"anchors": [base64 DER, …]}), then the PDF's bytes.

Revocation is checked offline, from the validation data the document embeds in its DSS (B-LT)
and nothing else: no CRL is fetched. Without such data it is not checked here (soft-fail), and the
service looks the signer up in its own CRLs (revocation.py).
"""

from __future__ import annotations

import base64
import io
import json
import resource
import sys
from collections.abc import Sequence
from typing import Any

#: the child's own limits: address space, CPU seconds, objects in the file
MEMORY_BYTES = 768 * 1024 * 1024
CPU_SECONDS = 8
MAX_OBJECTS = 20_000
#: the file a certificate PDF embeds its public data in (archive.py writes it), which HR systems
#: look for
EMBEDDED_FILE = "certificate.json"
#: the largest certificate.json read: ours are about 1 KB
MAX_EMBEDDED_BYTES = 64 * 1024

#: what kind of PDF object a change touched, as the report names it (by /Type, then by shape)
OBJECT_KINDS: dict[str, str] = {
    "/Catalog": "文档目录",
    "/Pages": "页面树",
    "/Page": "页面",
    "/Annot": "批注或表单控件",
    "/Sig": "签名",
    "/DocTimeStamp": "文档时间戳",
    "/Filespec": "附件说明",
    "/EmbeddedFile": "嵌入文件",
    "/Metadata": "元数据",
    "/XObject": "图像或表单",
    "/Font": "字体",
    "/FontDescriptor": "字体",
    "/XRef": "交叉引用",
    "/ObjStm": "对象流",
    "/OutputIntent": "色彩配置",
    "/DSS": "验证数据",
}


#: pyHanko's modification level for an update after the signature that only adds validation data
#: (a DSS) or a document timestamp: permitted, the signed content stays as it was signed
PERMITTED_UPDATES = "LTA_UPDATES"


def covers_file(coverage: str | None, modification_level: str | None) -> bool:
    """Whether a signature speaks for the whole file: it covers every byte, or what follows its
    revision is validation data only (names of pyHanko's SignatureCoverageLevel, ModificationLevel)."""
    return coverage == "ENTIRE_FILE" or (coverage == "ENTIRE_REVISION"
                                         and modification_level == PERMITTED_UPDATES)


def limit_self() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _kind(obj: Any) -> str:
    from pyhanko.pdf_utils import generic

    if isinstance(obj, generic.DictionaryObject):
        kind = obj.get("/Type")
        if kind is not None and str(kind) in OBJECT_KINDS:
            return OBJECT_KINDS[str(kind)]
        if "/FT" in obj or "/Fields" in obj:
            return "表单"
        if isinstance(obj, generic.StreamObject):
            return "内容流"
        return "字典"
    return "数值"


def _embedded_file(root: Any) -> bytes | None:
    """The bytes of certificate.json in the document's embedded files, or None."""
    names = root.get("/Names")
    if names is None:
        return None
    tree = names.get("/EmbeddedFiles")
    entries = tree.get("/Names") if tree is not None else None
    if entries is None:
        return None
    for index in range(0, len(entries) - 1, 2):
        if str(entries[index]) == EMBEDDED_FILE:
            stream = entries[index + 1]["/EF"]["/F"]
            data = stream.data
            return data[:MAX_EMBEDDED_BYTES + 1]
    return None


def _common_name(name: Any) -> str:
    """A certificate name as people read it: its common name, else the whole name."""
    return name.native.get("common_name") or name.human_friendly


def _embedded_validation_data(reader: Any) -> tuple[list[Any], list[Any]]:
    """The certificates and CRLs of the document's DSS (none if it has no DSS)."""
    from asn1crypto import crl, x509
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return [], []
    certificates = [x509.Certificate.load(ref.get_object().data) for ref in dss.certs.values()]
    return certificates, [crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]


def _validated(embedded: Any, anchors: Sequence[Any], dss: tuple[list[Any], list[Any]]
               ) -> tuple[Any, dict[str, Any]]:
    """pyHanko's status of the signature and what was found of its revocation, offline: with the
    DSS's CRLs every certificate of the chain must be covered by one ("require"); without, or when
    they do not suffice, revocation is not checked (soft-fail)."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    certificates, crls = dss
    if crls:
        context = ValidationContext(trust_roots=anchors, other_certs=certificates, crls=crls,
                                    allow_fetching=False, revocation_mode="require")
        status = validate_pdf_signature(embedded, context)
        if status.trusted or status.revoked:
            details = status.revocation_details
            return status, {
                "checked": True, "revoked": status.revoked,
                "revoked_on": details.revocation_date.isoformat() if details else None,
                "ca_revoked": bool(details and details.ca_revoked),
            }
        problem = status.trust_problem_indic.name if status.trust_problem_indic else "unknown"
    else:
        problem = None
    context = ValidationContext(trust_roots=anchors, other_certs=certificates, allow_fetching=False,
                                revocation_mode="soft-fail")
    return validate_pdf_signature(embedded, context), {"checked": False, "problem": problem}


def _level(status: Any, embeds_crls: bool, covered: bool) -> str:
    """The PAdES baseline level the signature reaches: B-LT when validation data (CRLs) were
    added after it and nothing else, whether or not they still suffice today."""
    timestamp = status.timestamp_validity
    if embeds_crls and covered:
        return "B-LT"
    return "B-T" if timestamp is not None and timestamp.valid and timestamp.intact else "B-B"


def _signature_facts(embedded: Any, anchors: Sequence[Any], dss: tuple[list[Any], list[Any]]
                     ) -> dict[str, Any]:
    status, revocation = _validated(embedded, anchors, dss)
    timestamp = status.timestamp_validity
    cert = status.signing_cert
    coverage = status.coverage.name if status.coverage is not None else None
    modification = status.modification_level.name if status.modification_level else None
    return {
        "field": embedded.field_name,
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "signer": _common_name(cert.subject),
        "issuer": _common_name(cert.issuer),
        "serial": format(cert.serial_number, "x"),
        "signing_time": status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
        "timestamp": timestamp.timestamp.isoformat() if timestamp is not None else None,
        "timestamp_valid": bool(timestamp.valid and timestamp.intact) if timestamp is not None else None,
        "coverage": coverage,
        "modification_level": modification,
        "covers_file": covers_file(coverage, modification),
        "revocation": revocation,
        "level": _level(status, bool(dss[1]), covers_file(coverage, modification)),
        "issuer_name": base64.b64encode(cert.issuer.dump()).decode(),
        "docmdp_ok": status.docmdp_ok,
        "signed_revision": embedded.signed_revision,
        "subfilter": str(embedded.sig_object.get("/SubFilter", "")),
        "summary": status.summary(),
    }


def _dss_objects(root: Any) -> set[int]:
    """The numbers of the objects the document's DSS is made of (itself, its arrays, VRI, streams)."""
    from pyhanko.pdf_utils import generic

    found: set[int] = set()
    pending = [root.raw_get("/DSS")] if "/DSS" in root else []
    while pending and len(found) < MAX_OBJECTS:
        value = pending.pop()
        if isinstance(value, generic.IndirectObject):
            if value.idnum in found:
                continue
            found.add(value.idnum)
            value = value.get_object()
        if isinstance(value, generic.StreamObject):
            continue  # a certificate, CRL or OCSP response: nothing it refers to
        if isinstance(value, generic.DictionaryObject):
            pending.extend(value.raw_get(key) for key in value)
        elif isinstance(value, generic.ArrayObject):
            pending.extend(value.raw_get(index) for index in range(len(value)))
    return found


def _same_but_dss(root: Any, before: Any) -> bool:
    """Whether a catalog differs from the one before only in its /DSS entry."""
    keys = set(root) - {"/DSS"}
    return keys == set(before) - {"/DSS"} and all(root.raw_get(k) == before.raw_get(k) for k in keys)


def _validation_only(reader: Any, revision: int, refs: Any) -> bool:
    """Whether a revision adds validation data and nothing else (B-LT): DSS objects, the catalog
    rewritten to point at them, and its XMP metadata stream (pyHanko's writer renews the
    modification time in every update; its difference analysis allows that too)."""
    root = reader.get_historical_root(revision)
    dss = _dss_objects(root)
    if not dss:
        return False
    before = reader.get_historical_root(revision - 1)
    root_id = reader.get_historical_resolver(revision).trailer_view.raw_get("/Root").idnum
    metadata = before.raw_get("/Metadata") if "/Metadata" in before else None
    metadata_id = metadata.idnum if hasattr(metadata, "idnum") else None
    for ref in refs:
        if ref.idnum == root_id:
            if not _same_but_dss(root, before):
                return False
        elif ref.idnum not in dss and ref.idnum != metadata_id:
            return False
    return True


def _changes(reader: Any, after: int) -> tuple[list[dict[str, Any]], list[int]]:
    """The objects each revision after `after` added or replaced, and apart from them the
    revisions that only added validation data."""
    xrefs = reader.xrefs
    found, validation = [], []
    for revision in range(after + 1, xrefs.total_revisions):
        refs = sorted(xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum)
        if _validation_only(reader, revision, refs):
            validation.append(revision)
            continue
        objects = []
        for ref in refs:
            obj = reader.get_historical_resolver(revision).get_object(ref)
            new = xrefs.get_introducing_revision(ref) == revision
            objects.append({"id": ref.idnum, "kind": _kind(obj), "new": new})
        found.append({"revision": revision, "objects": objects})
    return found, validation


def inspect(data: bytes, anchors: Sequence[bytes]) -> dict[str, Any]:
    """The facts of one PDF, or {"error": code} for one the service cannot read."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return {"error": "encrypted"}
        if int(reader.trailer["/Size"]) > MAX_OBJECTS:
            return {"error": "too_complex"}
        revisions = reader.xrefs.total_revisions
        roots = [x509.Certificate.load(a) for a in anchors]
        dss = _embedded_validation_data(reader)
        signatures = [_signature_facts(s, roots, dss) for s in reader.embedded_signatures]
        last_signed = max((s["signed_revision"] for s in signatures), default=None)
        embedded = _embedded_file(reader.root)
        signed_embedded = (_embedded_file(reader.get_historical_root(last_signed))
                         if last_signed is not None else None)
        changes, validation = _changes(reader, last_signed) if last_signed is not None else ([], [])
    except PdfDecodeLimitError:
        return {"error": "bomb"}
    except RecursionError:
        return {"error": "nested"}
    except MemoryError:
        return {"error": "too_complex"}
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return {"error": "unreadable"}
    return {
        "revisions": revisions,
        "signatures": signatures,
        "changes": changes,
        "validation_updates": validation,
        "record": base64.b64encode(embedded).decode() if embedded is not None else None,
        "record_changed": embedded != signed_embedded if last_signed is not None else None,
    }


def main() -> None:
    limit_self()
    header = sys.stdin.buffer.readline()
    anchors = [base64.b64decode(a) for a in json.loads(header)["anchors"]]
    data = sys.stdin.buffer.read()
    sys.setrecursionlimit(2000)
    facts = inspect(data, anchors)
    sys.stdout.write(json.dumps(facts, ensure_ascii=False))


if __name__ == "__main__":
    main()
