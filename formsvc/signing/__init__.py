"""Certificates that prove themselves: the signing key, PDF/A-3b with certificate.json, PAdES
signatures, and verification of an uploaded certificate PDF.

init_app loads the key once at start-up (a key that cannot be read stops the start, saying why);
signed_pdf is what every certificate PDF handed out goes through.
"""

from __future__ import annotations

from flask import Flask, current_app

from ..errors import ServiceUnavailable
from ..registry.records import CertificateRecord, RegistrySettings
from .archive import embedded_data
from .keys import SigningKey, from_config
from .revocation import RevokedSigningKey
from .sign import sign_certificate, timestamper_for

EXTENSION = "formsvc.signing"


def signing_key(app: Flask | None = None) -> SigningKey:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION]


def signed_pdf(certificate: CertificateRecord, settings: RegistrySettings, pdf: bytes,
               app: Flask | None = None) -> bytes:
    """pdf (the certificate alone, as rendered) made PDF/A-3b with its public data embedded and signed."""
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return sign_certificate(pdf, embedded_data(certificate, settings), signing_key(app),
                                timestamper=timestamper_for(app.config))
    except TimestampRequestError:
        # B-T was asked for: a certificate without its timestamp is not handed out instead
        app.logger.warning("timestamp authority %s did not answer", app.config.get("TSA_URL"))
        raise ServiceUnavailable("时间戳服务暂时无法访问，证书未能签名：请稍后再试") from None
    except RevokedSigningKey as error:
        # nothing is handed out signed with a key its CA has revoked
        app.logger.error("%s", error)
        raise ServiceUnavailable("签名证书已被吊销，证书未能签名：请联系管理员更换签名密钥") from None


def init_app(app: Flask) -> None:
    from . import cli

    app.extensions[EXTENSION] = from_config(app.config, app.instance_path)
    if not app.testing:
        app.logger.info("%s", app.extensions[EXTENSION].summary())
    cli.init_app(app)
