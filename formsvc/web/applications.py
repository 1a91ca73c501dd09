"""Every applicant's 个人申报表 from a filled 汇总表: POST /api/v1/forms/crossover-summary/applications.

The sheet is read and checked as a whole first (sheets.read_rows), then every row is turned into
an application and checked as one (crossover_application.from_summary): any error anywhere and
nothing is rendered, the answer is a 422 listing every problem by sheet row and column. A valid
sheet gives one PDF with a page per applicant in sheet order, or a ZIP of Word files.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from ..budget import APPLICATIONS_SHEET, check_applications
from ..documents import RenderSettings
from ..errors import InvalidData, Problem
from ..forms import get_form
from ..forms.crossover_application import from_summary
from ..produce import check_format, render_documents, unprintable
from ..sheets import read_rows
from ..sheets.photos import read_photo_archive
from ..sheets.reader import locate
from .api import warnings_header
from .http import optional_file, send_rendered, uploaded_file
from .openapi import operation
from .slots import heavy

bp = Blueprint("applications", __name__, url_prefix="/api/v1/forms/crossover-summary")

SUMMARY, APPLICATION = "crossover-summary", "crossover-application"


def located(problems: tuple[Problem, ...]) -> list[Problem]:
    """Row problems as the sheet import states them (第7行（D7）：…); photo problems as they are."""
    summary = get_form(SUMMARY)
    in_rows = [p for p in problems if p.loc[:1] == ("rows",) and len(p.loc) > 1]
    others = [p for p in problems if p not in in_rows]
    return [*locate(summary, in_rows), *others]


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
    spec = get_form(APPLICATION)
    extension = request.args.get("format", "pdf").lower()
    check_format(spec, extension)
    sheet = uploaded_file("file", "汇总表（.xlsx）", optional=("photos",))
    archive = optional_file("photos")
    imported = read_rows(get_form(SUMMARY), sheet, APPLICATIONS_SHEET).require_ok()
    check_applications(len(imported.rows), extension)
    photos = read_photo_archive(archive) if archive is not None else None
    result = from_summary(imported.located(), photos,
                          check=unprintable if extension == "pdf" else None)
    warnings = [*imported.warnings, *located(result.warnings)]
    if result.errors:
        raise InvalidData(located(result.errors), warnings=warnings)
    documents = result.documents()
    rendered = render_documents(spec.id, documents, extension, RenderSettings.of(current_app))
    name = documents[0].name if len(documents) == 1 else f"贯通个人申报表（{len(documents)}人）"
    return send_rendered(rendered, name, headers=warnings_header(warnings))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
