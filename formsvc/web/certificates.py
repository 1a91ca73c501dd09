"""The issuing API under /api/v1/certificates: issue, read, print and revoke, for token holders."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, url_for
from pydantic import Field, ValidationError

from .. import db
from ..documents import RenderSettings
from ..errors import InvalidData
from ..forms.base import problems_from
from ..forms.title_history import TitleRecord
from ..images import PhotoField
from ..registry import issuing, printing, records, revoking, tokens
from ..registry.issuing import CertificateRequest
from ..registry.levels import TitleLevel
from ..registry.records import CertificateRecord, RegistrySettings
from ..registry.scope import Scope
from ..signing import signed_pdf
from .api import SAMPLES
from .http import json_body, send_rendered
from .openapi import operation
from .security import no_store

bp = Blueprint("certificates", __name__, url_prefix="/api/v1/certificates")
# certificate records and PDFs hold full identity numbers and photos: never cached
bp.after_request(no_store)

View = TypeVar("View", bound=Callable[..., Any])


class CertificateOrder(TitleRecord):
    """One title-history row to issue a certificate from: the 12 fields, optionally level and photo."""

    level: TitleLevel | None = Field(None, title="级别", description="不填时由职称名称判断")
    photo: PhotoField | None = Field(None, title="照片")


def settings() -> RegistrySettings:
    return RegistrySettings.from_config(current_app.config)


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def token_required(scope: str) -> Callable[[View], View]:
    """401 without a known token, 403 for a revoked one or one without scope; g.issuer is the
    token's issuer. The OpenAPI document lists scope as the operation's security requirement."""
    if scope not in tokens.SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.issuer = tokens.authenticate(db.session(), bearer_token())
            tokens.authorize(g.issuer, scope)
            return view(*args, **kwargs)

        wrapped.token_scope = scope  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def issuer_scope() -> Scope:
    """The certificates the token's issuer owns: all its requests see only these."""
    return Scope(g.issuer.id)


def actor() -> str:
    """How the audit log names the caller: its token's name."""
    return f"token:{g.issuer.name}"


def certificate_json(certificate: CertificateRecord) -> dict[str, Any]:
    body = certificate.as_json(settings())
    body["links"] = {
        "self": url_for("certificates.read", number=certificate.number),
        "pdf": url_for("certificates.pdf", number=certificate.number),
        "revoke": url_for("certificates.revoke", number=certificate.number),
    }
    return body


def order_from(data: Any) -> tuple[CertificateRequest, list[Any]]:
    """The request in the body, or InvalidData with every problem (field errors, then the rules)."""
    try:
        order = CertificateOrder.model_validate(data)
    except ValidationError as error:
        raise InvalidData(problems_from(error, CertificateOrder)) from None
    record = TitleRecord.model_construct(**{name: getattr(order, name) for name in TitleRecord.model_fields})
    wanted = CertificateRequest(record, photo=order.photo, level=order.level)
    errors, warnings = issuing.problems_of(wanted)
    if errors:
        raise InvalidData(errors, warnings=warnings)
    return wanted, warnings


@bp.post("")
@operation(
    summary="签发一张职称电子证书（同一证件号码、职称名称、批准文号再次提交时返回已有证书）",
    requestBody={"required": True, "content": {"application/json": {
        "schema": CertificateOrder.model_json_schema(),
        "example": json.loads((SAMPLES / "certificate.json").read_text(encoding="utf-8"))}}},
    responses={"201": {"description": "已签发：证书记录，含 number 与 verify_url"},
               "200": {"description": "该记录已有证书：返回已有证书"}},
    errors=("400", "401", "403", "409", "413", "415", "422"),
)
@token_required("issue")
def issue() -> tuple[Response, int]:
    wanted, warnings = order_from(json_body())
    issued = issuing.issue(db.session(), wanted, actor=actor(), settings=settings(),
                           scope=issuer_scope())
    body = certificate_json(issued.certificate)
    body["warnings"] = [w.as_json() for w in warnings]
    response = jsonify(body)
    if issued.created:
        response.headers["Location"] = body["links"]["self"]
    return response, 201 if issued.created else 200


@bp.get("/<number>")
@operation(summary="证书记录（含完整证件号码，仅限签发该证书的令牌持有者）",
           errors=("401", "403", "404", "422"))
@token_required("read")
def read(number: str) -> Response:
    return jsonify(certificate_json(records.read(db.session(), number, scope=issuer_scope(), actor=actor())))


@bp.get("/<number>/pdf")
@operation(summary="证书 PDF（A4，含二维码）",
           responses={"200": {"description": "证书 PDF", "content": {"application/pdf": {}}}},
           errors=("401", "403", "404", "422"))
@token_required("read")
def pdf(number: str) -> Response:
    return send_certificate_pdf(number, actor(), issuer_scope())


def send_certificate_pdf(number: str, who: str, scope: Scope) -> Response:
    """A certificate of scope as PDF, signed, recorded in the audit log as printed by who (the API
    and the office)."""
    certificate, rendered = printing.certificate_pdf(
        db.session(), number, scope=scope, actor=who, settings=settings(),
        rendering=RenderSettings.of(current_app),
        seal=printing.seal_from_config(current_app.config),
        finish=lambda certificate, pdf: signed_pdf(certificate, settings(), pdf))
    return send_rendered(rendered, f"职称证书-{certificate.number}-{certificate.record.name}")


@bp.post("/<number>/revoke")
@operation(
    summary="撤销证书（须说明原因，公开查验页将显示撤销日期和原因）",
    requestBody={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"reason": {"type": "string", "title": "撤销原因", "maxLength": 200}},
        "required": ["reason"], "additionalProperties": False}}}},
    errors=("400", "401", "403", "404", "409", "415", "422"),
)
@token_required("revoke")
def revoke(number: str) -> Response:
    reason = revoking.reason_of(json_body())
    certificate = revoking.revoke(db.session(), number, reason=reason, actor=actor(), scope=issuer_scope())
    return jsonify(certificate_json(certificate))


def init_app(app: Flask) -> None:
    RegistrySettings.from_config(app.config)  # a prefix that cannot stand in a number: refuse to start
    app.register_blueprint(bp)
