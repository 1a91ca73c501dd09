"""Corrections (更正) through the API: POST /api/v1/certificates/<no>/correct re-issues a
certificate with corrected data and revokes the old one, which then points to the new one; and the
template global the office's certificate page shows both links with."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify

from .. import db
from ..errors import InvalidData
from ..registry import corrections, tokens
from .certificates import actor, certificate_json, issuer_scope, order_from, settings, token_required
from .http import json_body
from .openapi import operation

bp = Blueprint("corrections", __name__, url_prefix="/api/v1/certificates")


@bp.post("/<number>/correct")
@operation(
    summary="更正证书：按更正后的数据重新签发（新编号），原证书同时撤销并注明由新证书取代",
    requestBody={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["reason", "certificate"], "additionalProperties": False,
        "properties": {
            "reason": {"type": "string", "title": "更正原因", "maxLength": 120},
            "certificate": {"type": "object", "title": "更正后的证书数据（与签发证书相同的字段）"},
        }}}}},
    responses={"201": {"description": "更正后的新证书；corrects 为被取代的原证书记录"}},
    errors=("400", "401", "403", "404", "409", "415", "422"),
)
@token_required("revoke")
def correct(number: str) -> tuple[Response, int]:
    tokens.authorize(g.issuer, "issue")  # a correction issues as well as revokes
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"reason", "certificate"}:
        raise InvalidData("请求应为 {\"reason\": 更正原因, \"certificate\": 更正后的证书数据}", loc=())
    wanted, warnings = order_from(body.get("certificate"))
    done = corrections.correct(db.session(), number, wanted, reason=str(body.get("reason") or ""),
                               actor=actor(), settings=settings(), scope=issuer_scope())
    answer: dict[str, Any] = certificate_json(done.new)
    answer["corrects"] = certificate_json(done.old)
    answer["warnings"] = [w.as_json() for w in warnings]
    response = jsonify(answer)
    response.headers["Location"] = answer["links"]["self"]
    return response, 201


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.template_global()
    def correction_links(number: str) -> tuple[str | None, str | None]:
        """(superseded by, corrects) of a certificate, for its office page."""
        return corrections.links(db.session(), number)
