"""PAdES signatures on certificate PDFs (pyHanko): B-B always, B-T with an RFC 3161 timestamp
when TSA_URL is set, and B-LT when the chain and its CRLs are at hand (revocation.py): they go
into the document's DSS in an update of their own after the signature, which verifiers accept as
a permitted change (pyHanko's difference analysis: ModificationLevel.LTA_UPDATES).

Each certificate is one incremental update over the rendered page: the PDF/A-3b parts and
certificate.json (archive.py), then the signature, whose widget lies over the seal, so that
clicking the seal in a PDF reader shows who signed and whether anything changed since.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp import StaticStampStyle

from .archive import make_archival
from .keys import SigningKey
from .ltv import PreparedValidation, append_validation
from .revocation import ValidationData

T = TypeVar("T")

FIELD_NAME = "formsvc-seal"
#: the seal of form_templates/certificate/form.html (.seal: 40 mm square at 114 mm, 221 mm in the
#: 10 mm page margins of an A4 page), in PDF points from the bottom-left corner
MM = 72 / 25.4
SEAL_BOX = (124 * MM, (297 - 231 - 40) * MM, 164 * MM, (297 - 231) * MM)
#: room for the CMS beyond the certificates it carries: the signature (512 bytes for RSA-4096) and
#: its signed attributes, with some to spare; a timestamp token brings its authority's own
#: certificates. Counted from the key's chain rather than fixed: a fixed 4 KB fitted an ECDSA
#: trial key but not a real RSA key with a chain of three
ROOM_FOR_SIGNATURE = 2048
ROOM_FOR_TIMESTAMP = 12288
#: the appearance draws nothing over the seal, which the page already shows
APPEARANCE = StaticStampStyle(border_width=0, background=None)
TSA_TIMEOUT = 10


def timestamper_for(config: Mapping[str, Any]) -> TimeStamper | None:
    url = config.get("TSA_URL")
    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT) if url else None


def sign_certificate(pdf: bytes, data: Mapping[str, Any], key: SigningKey, *,
                     timestamper: TimeStamper | None = None,
                     moment: dt.datetime | None = None) -> bytes:
    """pdf (one certificate, unsigned) as PDF/A-3b with data (certificate.json) embedded, signed by key."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    make_archival(writer, data, moment)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="职称电子证书",
        location=str(data.get("issuing_body", "")),
    )
    signer = signers.PdfSigner(
        meta, key.signer, timestamper=timestamper, stamp_style=APPEARANCE,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=SEAL_BOX),
    )
    reserved = reserved_bytes(key, timestamped=timestamper is not None)
    # asked before signing: a revoked signing key (RevokedSigningKey) signs nothing
    validation = key.validation.current() if key.validation is not None else None
    signed = outside_event_loop(lambda: signer.sign_pdf(writer, bytes_reserved=reserved))
    if validation is not None:
        # the catalog as the signed revision wrote it, which the DSS update rewrites
        append_validation(signed, writer.root, writer.root_ref, prepared_validation(validation))
    return signed.getvalue()


_prepared: list[PreparedValidation] = []


def prepared_validation(data: ValidationData) -> PreparedValidation:
    """data as PDF streams, made once for all the certificates signed with them.

    No VRI entry: it is optional (ETSI EN 319 142-1) and would tie the same data to each
    signature by hash; the DSS alone is what validators read."""
    current = _prepared[-1] if _prepared else None
    if current is None or current.data is not data:
        current = PreparedValidation(data)
        _prepared[:] = [current]
    return current


def reserved_bytes(key: SigningKey, *, timestamped: bool) -> int:
    """The room to reserve for the CMS signed with key, as pyHanko's bytes_reserved."""
    certificates = {c.dump() for c in (key.signer.signing_cert, *key.signer.cert_registry)}
    room = sum(map(len, certificates)) + ROOM_FOR_SIGNATURE
    room += ROOM_FOR_TIMESTAMP if timestamped else 0
    return 2 * room  # pyHanko counts the hex digits it writes, two per byte


def outside_event_loop(work: Callable[[], T]) -> T:
    """work() where pyHanko's synchronous API can run: it calls asyncio.run, which fails in a
    thread whose event loop is running (an async server, or a test driving a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
