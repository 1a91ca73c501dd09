"""Verification by upload: POST a certificate PDF to /api/v1/verify/document (JSON) or through the
upload box of /verify (HTML), and see its signature, integrity and registry status point by point.

Public like the other look-ups, so rate-limited with them (scope verify) and size-limited before
the body is read; the file is parsed in a child process under limits (signing/inspect.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, render_template, request

from .. import db
from ..errors import FormsvcError, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from ..signing import signing_key
from ..signing.document_report import DocumentCheck
from ..signing.verify_document import MAX_UPLOAD_BYTES, check_document
from . import ratelimit
from .openapi import operation
from .verify import SCOPE, no_store

bp = Blueprint("verify_document", __name__, template_folder="templates")

FIELD = "file"
#: room for the multipart envelope around the largest accepted PDF
ENVELOPE_BYTES = 64 * 1024


def uploaded_pdf() -> bytes:
    """The PDF of the request: a multipart part named file, or an application/pdf body; 413 when
    it is larger than the check accepts, before the body is read."""
    limit = MAX_UPLOAD_BYTES + ENVELOPE_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"上传的 PDF 过大（上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB）", loc=(FIELD,))
    request.max_content_length = limit  # a body without Content-Length stops there too
    if request.mimetype == "application/pdf":
        return request.get_data(cache=False)
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("请以 multipart/form-data（字段名 file）或 application/pdf 上传证书 PDF",
                                   loc=(FIELD,))
    upload = request.files.get(FIELD)
    if upload is None:
        raise MalformedRequest("缺少上传的证书 PDF（字段名 file）", loc=(FIELD,))
    return upload.read()


def checked() -> DocumentCheck:
    data = uploaded_pdf()
    key = signing_key()
    anchors = [a.dump() for a in key.trust_anchors]
    crls = key.validation.crls_now() if key.validation is not None else []
    with db.engine_for(current_app).connect() as connection:
        return check_document(data, anchors, connection, current_app.config["DOCUMENT_CHECK_SECONDS"],
                              crls)


@bp.post("/api/v1/verify/document")
@operation(
    summary="上传证书 PDF 查验（公开）：签名、完整性、登记状态与数据逐项比对",
    requestBody={"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": [FIELD],
                                           "properties": {FIELD: {"type": "string", "format": "binary"}}}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    responses={"200": {"description": "查验结果：signature、integrity、registry 三部分及 summary"}},
    errors=("400", "413", "415", "422", "429"),
)
@ratelimit.limited(SCOPE)
def verify_document_json() -> Response:
    return no_store(jsonify(checked().as_json()))


@bp.post("/verify/document")
@ratelimit.limited(SCOPE)
def verify_document_page() -> Response:
    try:
        result, error, status = checked(), None, 200
    except FormsvcError as problem:
        result, error, status = None, problem.problems[0].msg, problem.status
    html = render_template("verify/look_up.html", number="", name="", errors={}, document=result,
                           document_error=error)
    return no_store(make_response(html, status))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
