"""Reading an uploaded PDF under limits: what its signatures, revisions and certificate.json say.

An upload is hostile until proven otherwise, so it is parsed in a child process of its own
(python -m formsvc.signing.inspect) that first caps its own memory and CPU time; the parent also
gives it a wall-clock deadline. The child writes one JSON object of facts to standard output and
judges nothing about the registry: verify_document.py does that in the service.

Standard input: one line of JSON ({"anchors": [base64 DER, …]}), then the PDF's bytes.
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


def _signature_facts(embedded: Any, context: Any) -> dict[str, Any]:
    from pyhanko.sign.validation import validate_pdf_signature

    status = validate_pdf_signature(embedded, context)
    timestamp = status.timestamp_validity
    cert = status.signing_cert
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
        "coverage": status.coverage.name if status.coverage is not None else None,
        "modification_level": status.modification_level.name if status.modification_level else None,
        "docmdp_ok": status.docmdp_ok,
        "signed_revision": embedded.signed_revision,
        "subfilter": str(embedded.sig_object.get("/SubFilter", "")),
        "summary": status.summary(),
    }


def _changes(reader: Any, after: int) -> list[dict[str, Any]]:
    """The objects each revision after `after` added or replaced."""
    xrefs = reader.xrefs
    found = []
    for revision in range(after + 1, xrefs.total_revisions):
        objects = []
        for ref in sorted(xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum):
            obj = reader.get_historical_resolver(revision).get_object(ref)
            new = xrefs.get_introducing_revision(ref) == revision
            objects.append({"id": ref.idnum, "kind": _kind(obj), "new": new})
        found.append({"revision": revision, "objects": objects})
    return found


def inspect(data: bytes, anchors: Sequence[bytes]) -> dict[str, Any]:
    """The facts of one PDF, or {"error": code} for one the service cannot read."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return {"error": "encrypted"}
        if int(reader.trailer["/Size"]) > MAX_OBJECTS:
            return {"error": "too_complex"}
        revisions = reader.xrefs.total_revisions
        context = ValidationContext(trust_roots=[x509.Certificate.load(a) for a in anchors],
                                    allow_fetching=False, revocation_mode="soft-fail")
        signatures = [_signature_facts(s, context) for s in reader.embedded_signatures]
        last_signed = max((s["signed_revision"] for s in signatures), default=None)
        embedded = _embedded_file(reader.root)
        signed_embedded = (_embedded_file(reader.get_historical_root(last_signed))
                         if last_signed is not None else None)
        changes = _changes(reader, last_signed) if last_signed is not None else []
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
