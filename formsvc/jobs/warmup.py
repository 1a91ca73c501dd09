"""A job pool made ready before the first job: its processes started, and in each the first
certificate rendered and signed once, so that the first job of a service is as fast as the
hundredth (a process's first render costs a second or more: WeasyPrint loads its fonts and
styles, the templates are parsed, pyHanko and the signing key are loaded)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from ..clock import china_today
from ..documents import RenderSettings
from ..forms.title_history import TitleRecord
from ..registry.models import STATUS_VALID, utcnow
from ..registry.printing import render_certificates, seal_from_config
from ..registry.records import CertificateRecord, RegistrySettings
from ..render.compose import single_pages
from ..signing import signing_key
from ..signing.archive import embedded_data
from ..signing.sign import sign_certificate

#: the sample record of the API's documentation (samples/, beside the package, as web/api.py serves it)
SPECIMEN = Path(__file__).resolve().parents[2] / "samples" / "certificate.json"


def specimen(settings: RegistrySettings) -> CertificateRecord:
    """A certificate that is never stored, numbered as none in the registry can be."""
    record = TitleRecord.model_validate(json.loads(SPECIMEN.read_text(encoding="utf-8")))
    return CertificateRecord(number=f"{settings.prefix}-SPECIMEN", code="specimen", record=record,
                             level="中级", status=STATUS_VALID, issuing_body=settings.issuing_body,
                             issued_on=china_today(), issued_by="warm-up", created_at=utcnow())


def rehearse(app: Flask) -> None:
    """Render two specimen certificates the way a chunk is rendered (one PDF, the shared layout
    drawn once), and sign the first page as a single certificate is signed; keep nothing."""
    settings = RegistrySettings.from_config(app.config)
    certificate = specimen(settings)
    with app.app_context():
        rendered = render_certificates([certificate, certificate], settings, seal_from_config(app.config),
                                       rendering=RenderSettings.of(app))
        # without the timestamp authority: a rehearsal asks nothing of anyone else's server
        sign_certificate(next(single_pages(rendered.content)), embedded_data(certificate, settings),
                         signing_key(app))
