"""Certificates on paper: the context of form_templates/certificate/form.html, and its PDF.

One document per certificate; several documents render as one PDF with one certificate per page,
which is how bulk printing renders its chunks.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..documents import Document, RenderSettings
from ..errors import SetupError
from ..render import Rendered, pdf
from ..render.compose import single_pages
from . import audit
from .records import CertificateRecord, RegistrySettings, find
from .scope import Scope

TEMPLATE = "certificate"
SEAL_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


@dataclass(frozen=True)
class Seal:
    """The issuer's seal image, printed over the issuing body and date."""

    data: bytes
    mimetype: str

    @classmethod
    def from_file(cls, path: str | Path) -> Seal:
        path = Path(path)
        mimetype = mimetypes.guess_type(path.name)[0] or ""
        if mimetype not in SEAL_TYPES:
            raise SetupError(f"印章图片应为 PNG、JPEG 或 SVG 文件：{path}")
        try:
            return cls(path.read_bytes(), mimetype)
        except OSError as error:
            raise SetupError(f"无法读取印章图片 {path}：{error.strerror}") from None


def seal_from_config(config: Any) -> Seal | None:
    """The seal named by SEAL_IMAGE (FORMSVC_SEAL_IMAGE), or None: certificates print without one."""
    path = config.get("SEAL_IMAGE")
    return Seal.from_file(path) if path else None


def certificate_document(
    certificate: CertificateRecord, settings: RegistrySettings, seal: Seal | None = None
) -> Document:
    """What form.html renders one certificate from.

    Keys: the twelve fields of the record (dates as datetime.date), level, number, issuing_body,
    issued_on, revoked (bool), verify_url (what the QR code holds: the template marks its box
    with data-qr), lookup_url,
    photo/photo_type (bytes and MIME type, or None), seal/seal_type (likewise).
    """
    context: dict[str, Any] = dict(certificate.record)
    context.update(
        number=certificate.number,
        level=certificate.level,
        issuing_body=certificate.issuing_body,
        issued_on=certificate.issued_on,
        revoked=not certificate.valid,
        verify_url=certificate.verify_url(settings),
        lookup_url=f"{certificate.base_url(settings)}/verify",
        photo=certificate.photo,
        photo_type=certificate.photo_type,
        seal=seal.data if seal else None,
        seal_type=seal.mimetype if seal else None,
    )
    return Document(f"职称证书-{certificate.number}-{certificate.record.name}", context)


def render_certificates(
    certificates: Sequence[CertificateRecord],
    settings: RegistrySettings,
    seal: Seal | None = None,
    *,
    rendering: RenderSettings,
) -> Rendered:
    """One PDF, one certificate per page, in the given order. Photos print only when loaded
    (find(..., with_photo=True) or the results of issue/issue_many). rendering: the fonts and the
    template roots (an instance's own certificate/form.html first).

    Several certificates share one layout of what is the same on all of them (frame, grid,
    labels, seal): see pdf.render_layered."""
    documents = [certificate_document(c, settings, seal) for c in certificates]
    if len(documents) > 1:
        return pdf.render_layered(TEMPLATE, documents, rendering)
    # a certificate on its own is handed out as a file: only its own glyphs (compose.single_pages)
    alone = pdf.render(TEMPLATE, documents, rendering).content
    return Rendered(next(single_pages(alone)), "pdf")


def certificate_pdf(
    session: Session, number: str, *, scope: Scope, actor: str, settings: RegistrySettings,
    rendering: RenderSettings, seal: Seal | None = None,
    finish: Callable[[CertificateRecord, bytes], bytes] | None = None,
) -> tuple[CertificateRecord, Rendered]:
    """One certificate of scope as PDF, photo included, for actor, who is recorded in the audit
    log as having printed it once the PDF is made. finish (signing) turns the rendered bytes into
    the ones handed out. NotFound like records.find."""
    certificate = find(session, number, scope=scope, with_photo=True)
    rendered = render_certificates([certificate], settings, seal, rendering=rendering)
    if finish is not None:
        rendered = Rendered(finish(certificate, rendered.content), rendered.extension)
    audit.record(session, actor, "print", certificate.number)
    session.commit()
    return certificate, rendered
