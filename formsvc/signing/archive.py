"""PDF/A-3b for certificate PDFs: XMP identification, the sRGB output intent, and the certificate's
public data embedded as the associated file certificate.json (AFRelationship /Data).

Written into the incremental update that the signature then covers, so that one parse and one
write per certificate make it archival and signed. It is done here rather than by WeasyPrint's
pdf_variant because the singles of a bulk job are cut from their chunk's composed PDF, where a
catalogue WeasyPrint wrote would not survive; one step makes every certificate PDF alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import weasyprint
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import (
    NS,
    ExpandedName,
    XmpStructure,
    XmpValue,
)
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream

from ..identity import mask_identity_number
from ..registry.records import CertificateRecord, RegistrySettings
from ..registry.verifying import PublicCertificate
from .inspect import EMBEDDED_FILE

#: names this layout of certificate.json, so that a reader knows which fields to expect
EMBEDDED_FORMAT = "formsvc-certificate/1"
#: its fields: the public ones (PublicCertificate), then where to verify it; what
#: verification by upload compares with the registry
EMBEDDED_FIELDS: tuple[str, ...] = (*(f.name for f in dataclasses.fields(PublicCertificate)), "verify_url")
SRGB_PROFILE = Path(weasyprint.__file__).parent / "pdf" / "sRGB2014.icc"
_PDFAID = NS["pdfaid"]


def public_certificate(certificate: CertificateRecord) -> PublicCertificate:
    """What the public may see of a certificate: the identity number masked, no birth
    date, no photo."""
    record = certificate.record
    return PublicCertificate(
        number=certificate.number, name=record.name,
        id_number_masked=mask_identity_number(record.id_number, record.document_type),
        series=record.series, speciality=record.speciality, title=record.title, level=certificate.level,
        committee=record.committee, approver=record.approver, approval_number=record.approval_number,
        approval_date=record.approval_date, issuing_body=certificate.issuing_body,
        issued_on=certificate.issued_on,
    )


def embedded_data(certificate: CertificateRecord, settings: RegistrySettings) -> dict[str, Any]:
    """What certificate.json holds: the public fields, and the verification URL of the QR code."""
    return {"format": EMBEDDED_FORMAT, **public_certificate(certificate).as_json(),
            "verify_url": certificate.verify_url(settings)}


def embedded_bytes(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _pdf_date(moment: dt.datetime) -> generic.TextStringObject:
    return pdf_string(moment.strftime("D:%Y%m%d%H%M%S+00'00'"))


def _output_intent(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    profile = generic.StreamObject({pdf_name("/N"): generic.NumberObject(3)},
                                   stream_data=SRGB_PROFILE.read_bytes())
    profile.compress()
    return writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/OutputIntent"),
        pdf_name("/S"): pdf_name("/GTS_PDFA1"),
        pdf_name("/OutputConditionIdentifier"): pdf_string("sRGB IEC61966-2.1"),
        pdf_name("/Info"): pdf_string("sRGB IEC61966-2.1"),
        pdf_name("/DestOutputProfile"): writer.add_object(profile),
    }))


def _associated_file(writer: IncrementalPdfFileWriter, content: bytes,
                     moment: dt.datetime) -> generic.IndirectObject:
    stream = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/EmbeddedFile"),
        pdf_name("/Subtype"): pdf_name("/application#2Fjson"),
        pdf_name("/Params"): generic.DictionaryObject({
            pdf_name("/Size"): generic.NumberObject(len(content)),
            pdf_name("/ModDate"): _pdf_date(moment),
            pdf_name("/CheckSum"): generic.ByteStringObject(hashlib.md5(content).digest()),
        }),
    }, stream_data=content)
    stream.compress()
    data = writer.add_object(stream)
    return writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Filespec"),
        pdf_name("/F"): pdf_string(EMBEDDED_FILE),
        pdf_name("/UF"): pdf_string(EMBEDDED_FILE),
        pdf_name("/Desc"): pdf_string("职称电子证书的公开信息（机器可读）"),
        pdf_name("/AFRelationship"): pdf_name("/Data"),
        pdf_name("/EF"): generic.DictionaryObject({pdf_name("/F"): data, pdf_name("/UF"): data}),
    }))


def make_archival(writer: IncrementalPdfFileWriter, data: Mapping[str, Any],
                  moment: dt.datetime | None = None) -> None:
    """Make the document being written PDF/A-3b, with data embedded as certificate.json."""
    moment = moment or dt.datetime.now(dt.UTC)
    root = writer.root
    spec = _associated_file(writer, embedded_bytes(data), moment)
    root[pdf_name("/AF")] = generic.ArrayObject([spec])
    root[pdf_name("/Names")] = generic.DictionaryObject({
        pdf_name("/EmbeddedFiles"): generic.DictionaryObject({
            pdf_name("/Names"): generic.ArrayObject([pdf_string(EMBEDDED_FILE), spec]),
        }),
    })
    root[pdf_name("/OutputIntents")] = generic.ArrayObject([_output_intent(writer)])
    title = f"职称证书 {data['number']} {data['name']}"
    writer.document_meta.title = title
    writer.document_meta.author = str(data["issuing_body"])
    writer.document_meta.subject = f"{data['name']} {data['title']}（{data['level']}）职称电子证书"
    writer.document_meta.creator = "formsvc"
    writer.document_meta.created = moment
    # pyHanko merges its own entries (title, dates, producer) into an existing XMP stream when it
    # writes: the PDF/A identification goes in first, so that all end up in one description
    root[pdf_name("/Metadata")] = writer.add_object(MetadataStream.from_xmp([XmpStructure.of(
        (ExpandedName(_PDFAID, "part"), XmpValue("3")),
        (ExpandedName(_PDFAID, "conformance"), XmpValue("B")),
    )]))
    writer.update_root()
