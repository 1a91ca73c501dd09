"""POST /api/v1/forms/crossover-summary/applications: the uploads handed to the service
(formsvc/applications.py), which reads the 汇总表 and makes every applicant's 个人申报表."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from ..applications import applications_from_summary
from ..documents import RenderSettings
from .api import warnings_header
from .http import optional_file, send_rendered, uploaded_file
from .openapi import operation
from .slots import heavy

bp = Blueprint("applications", __name__, url_prefix="/api/v1/forms/crossover-summary")


@bp.post("/applications")
@operation(
    summary="由填好的汇总表生成每位申报人的个人申报表（PDF 每人一页，或 DOCX 的 ZIP）",
    parameters=[{"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["pdf", "docx"], "default": "pdf"}}],
    requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": "填好的汇总表（.xlsx，即 /forms/crossover-summary/blank?format=xlsx）"},
            "photos": {"type": "string", "format": "binary",
                       "description": "可选：二寸照片的 ZIP，每张以证件号命名（如 420106198803150415.jpg）"},
        }}}}},
    responses={"200": {"description": "PDF（每人一页，按表中顺序）或 DOCX 的 ZIP",
                       "content": {"application/pdf": {}, "application/zip": {}}}},
    errors=("400", "404", "413", "415", "422", "429"),
)
@heavy
def applications() -> Response:
    """Every applicant's individual application from a filled summary sheet."""
    sheet = uploaded_file("file", "汇总表（.xlsx）", optional=("photos",))
    produced = applications_from_summary(sheet, optional_file("photos"),
                                         request.args.get("format", "pdf").lower(),
                                         RenderSettings.of(current_app))
    return send_rendered(produced.rendered, produced.name, headers=warnings_header(produced.warnings))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
