"""The B-LT update of a signed certificate PDF, written from bytes prepared once per worker.

The validation data (chain and CRLs) are the same for every certificate a worker signs until a
CRL is due; only their object numbers and the file offsets differ from one PDF to the next.
pyHanko's DocumentSecurityStore.add_dss parses the whole signed file again, looks for a DSS and
rewrites the XMP metadata for each one (about 1.7 ms, half again a signature's cost); here the
update is the streams of the data, the DSS dictionary, the catalog as the signing writer holds it
with /DSS added, and a cross-reference section: what pyHanko's update holds but the metadata.
A file whose last trailer is not the plain one pyHanko's incremental writer writes (an xref
stream, say) goes through add_dss instead.
"""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.sign.validation.dss import DocumentSecurityStore

from .revocation import ValidationData

#: the end of a file pyHanko's incremental writer wrote with a cross-reference table
_TAIL = re.compile(rb"\ntrailer\s*<<(?P<trailer>.*?)>>\s*startxref\s+(?P<xref>\d+)\s+%%EOF\s*$", re.S)
_SIZE = re.compile(rb"/Size\s+(\d+)")
_ID = re.compile(rb"/ID\s*(\[[^\]]*\])")
_INFO = re.compile(rb"/Info\s+(\d+\s+\d+\s+R)")


class PreparedValidation:
    """The PDF streams of one ValidationData, made once: certificates, then CRLs."""

    def __init__(self, data: ValidationData) -> None:
        self.data = data
        self.certificate_count = len(data.certificates)
        self.streams = [b"<< /Length %d >>\nstream\n" % len(der) + der + b"\nendstream"
                        for der in (*(c.dump() for c in data.certificates), *(c.dump() for c in data.crls))]


def _serialised(obj: generic.PdfObject) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out, None, None)
    return out.getvalue()


def append_validation(signed: io.BytesIO, root: generic.DictionaryObject, root_ref: generic.Reference,
                      prepared: PreparedValidation) -> None:
    """Append prepared as the DSS of the document in signed, whose catalog is root (as its last
    revision wrote it, at root_ref): one incremental update, B-LT."""
    view = signed.getbuffer()
    tail = bytes(view[max(0, len(view) - 2048):])
    del view
    found = _TAIL.search(tail)
    size = _SIZE.search(found["trailer"]) if found else None
    if found is None or size is None or b"/Encrypt" in found["trailer"]:
        DocumentSecurityStore.add_dss(signed, None, certs=prepared.data.certificates,
                                      crls=prepared.data.crls)
        return
    first = int(size[1])
    signed.seek(0, io.SEEK_END)
    offset = signed.tell()
    parts, offsets = [], []
    for number, stream in enumerate(prepared.streams, start=first):
        offsets.append(offset + sum(map(len, parts)))
        parts.append(b"%d 0 obj\n" % number + stream + b"\nendobj\n")
    refs = [b"%d 0 R" % n for n in range(first, first + len(prepared.streams))]
    count = prepared.certificate_count
    dss = first + len(prepared.streams)
    offsets.append(offset + sum(map(len, parts)))
    parts.append(b"%d 0 obj\n<< /Certs [ %s ] /CRLs [ %s ] >>\nendobj\n"
                 % (dss, b" ".join(refs[:count]), b" ".join(refs[count:])))
    catalog = generic.DictionaryObject(root)
    catalog[pdf_name("/DSS")] = generic.IndirectObject(dss, 0, None)
    root_at = offset + sum(map(len, parts))
    parts.append(b"%d %d obj\n" % (root_ref.idnum, root_ref.generation) + _serialised(catalog)
                 + b"\nendobj\n")
    xref_at = offset + sum(map(len, parts))
    entries = b"".join(b"%010d 00000 n \n" % at for at in offsets)
    trailer = b"/Size %d /Root %d %d R" % (dss + 1, root_ref.idnum, root_ref.generation)
    for extra in (_INFO.search(found["trailer"]), _ID.search(found["trailer"])):
        if extra is not None:
            trailer += b" " + extra[0]
    parts.append(b"xref\n%d 1\n%010d %05d n \n%d %d\n" % (root_ref.idnum, root_at, root_ref.generation,
                                                         first, len(offsets))
                 + entries + b"trailer\n<< " + trailer + b" /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                 % (int(found["xref"]), xref_at))
    signed.write(b"".join(parts))
