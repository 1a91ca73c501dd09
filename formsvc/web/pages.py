"""The public HTML pages: the form catalogue, a fillable page per form, its PDF preview, the API docs."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from ..documents import RenderSettings
from ..errors import Forbidden, FormsvcError, MalformedRequest, Problem, RateLimited
from ..forms import FORMS, get_form
from ..produce import produce
from .api import catalogue_json
from .http import parse_json, send_rendered
from .ratelimit import client_key
from .security import CONTENT_SECURITY_POLICY, from_this_site
from .slots import slot

bp = Blueprint("pages", __name__, template_folder="templates")

#: what each output format is called on a download button
FORMAT_LABELS: dict[str, str] = {
    "docx": "Word 文档（DOCX）",
    "pdf": "PDF 打印版",
    "xlsx": "Excel 表格（XLSX）",
}

#: the preview of an unprintable form is an HTML page inside the form page's frame
PREVIEW_ERROR_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


@bp.get("/")
def catalogue() -> str:
    return render_template("catalogue.html", forms=[catalogue_json(spec) for spec in FORMS.values()])


@bp.get("/forms/<form_id>")
def form(form_id: str) -> str:
    spec = get_form(form_id)
    tool = spec.sheet_tool
    if tool is not None and tool.endpoint not in current_app.view_functions:
        tool = None
    return render_template("form.html", form=catalogue_json(spec), format_labels=FORMAT_LABELS,
                           rows_field=spec.rows_field, tool=tool,
                           # a draft file larger than a request could be would not render anyway
                           draft_max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
                           tool_url=url_for(tool.endpoint) if tool else None)


@bp.post("/forms/<form_id>/preview")
def preview(form_id: str) -> Response:
    """The filled form as a PDF shown inline, posted by the form page into its preview frame.

    Only the form page may post here (its Origin, and the CSRF token when CSRF is on): another
    site could otherwise have its visitors' browsers render for it, each render costing seconds.
    A render runs in a heavy-request slot (slots.py) like the API's; when none is free the frame
    says so itself: the site's error page may not be framed (frame-ancestors 'none')."""
    if not from_this_site():
        refused = Forbidden("预览只接受本站表格页面提交的请求：请在本站的表格页面中预览")
        return _preview_error(refused.problems, status=403)
    try:
        with slot(current_app._get_current_object(), client_key()):  # type: ignore[attr-defined]
            return _render_preview(form_id)
    except RateLimited as busy:
        response = _preview_error(busy.problems, status=busy.status)
        response.headers["Retry-After"] = str(busy.retry_after)
        return response


def _render_preview(form_id: str) -> Response:
    spec = get_form(form_id)
    # a form with a photo sends more than Werkzeug's default 500 kB of form fields
    request.max_form_memory_size = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        data = parse_json(request.form.get("data", ""))
    except MalformedRequest as error:
        return _preview_error(MalformedRequest(f"预览数据不是有效的 JSON：{error.problems[0].msg}").problems)
    try:
        produced = produce(spec, data, "pdf", RenderSettings.of(current_app))
    except FormsvcError as error:
        return _preview_error(error.problems)
    return send_rendered(produced.rendered, produced.name, inline=True)


def _preview_error(problems: Sequence[Problem], status: int = 422) -> Response:
    response = Response(render_template("preview_error.html", problems=problems), status=status)
    response.headers["Content-Security-Policy"] = PREVIEW_ERROR_POLICY
    return response


@bp.get("/api/docs")
def api_docs() -> str:
    return render_template("api_docs.html", openapi_url=url_for("openapi.openapi_json"))


def error_page(status: int, problems: Sequence[Problem]) -> tuple[str, int]:
    """An error of a page as a page, with the same Chinese messages the API gives."""
    return render_template("error.html", status=status, problems=problems), status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["pages_error"] = error_page
