"""The JSON API under /api/v1: the form catalogue, schemas, samples, validation and rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from ..budget import IMPORT_SHEET
from ..documents import RenderSettings
from ..errors import NotFound, UnsupportedMediaType
from ..forms import FORMS, FormSpec, get_form
from ..produce import blank_formats, produce, produce_blank
from ..sheets import read_rows
from .http import json_body, multipart_body, send_rendered, uploaded_file
from .slots import heavy

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"


def requested_format(spec: FormSpec) -> str:
    return request.args.get("format", spec.formats[0]).lower()


def catalogue_json(spec: FormSpec) -> dict[str, Any]:
    """A form as the API's catalogue lists it: its catalogue entry with the links to use it."""
    return {
        "id": spec.id,
        "title": spec.title,
        "source": spec.source,
        "purpose": spec.purpose,
        "formats": list(spec.formats),
        "tabular": spec.row_model is not None,
        "links": {
            "schema": url_for("api.schema", form_id=spec.id),
            "sample": url_for("api.sample", form_id=spec.id),
            "validate": url_for("api.validate", form_id=spec.id),
            "render": {f: url_for("api.render", form_id=spec.id, format=f) for f in spec.formats},
            "blank": {f: url_for("api.blank", form_id=spec.id, format=f) for f in blank_formats(spec)},
            **({"import": url_for("api.import_sheet", form_id=spec.id)} if spec.row_model else {}),
        },
    }


@bp.get("/forms")
def forms() -> Response:
    return jsonify({"forms": [catalogue_json(spec) for spec in FORMS.values()]})


def schema_of(spec: FormSpec) -> dict[str, Any]:
    schema = spec.model.model_json_schema()
    schema["title"] = spec.title
    schema["description"] = f"{spec.title}（{spec.source}）"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


@bp.get("/forms/<form_id>/schema")
def schema(form_id: str) -> Response:
    response = jsonify(schema_of(get_form(form_id)))
    response.mimetype = "application/schema+json"
    return response


def sample_data(form_id: str) -> Any:
    path = SAMPLES / f"{get_form(form_id).id}.json"
    if not path.is_file():
        raise NotFound(f"{form_id} 没有样例数据")
    return json.loads(path.read_text(encoding="utf-8"))


@bp.get("/forms/<form_id>/sample")
def sample(form_id: str) -> Response:
    return jsonify(sample_data(form_id))


def form_data(spec: FormSpec) -> Any:
    """The data of a validate or render request: JSON, or for a form with file fields (a photo)
    also multipart/form-data with the JSON in part data and the files beside it."""
    if not spec.uploads:
        return json_body()
    if request.mimetype == "multipart/form-data":
        return multipart_body(spec.uploads)
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            "请求内容类型应为 application/json 或 multipart/form-data，"
            f"收到的是 {request.mimetype or '空'}"
        )
    return json_body()


@bp.post("/forms/<form_id>/validate")
def validate(form_id: str) -> Response:
    spec = get_form(form_id)
    return jsonify(spec.validate(form_data(spec)).as_json())


#: the warnings header lists the first few warnings, within this many bytes: proxies refuse
#: large headers (nginx's default buffers hold about 55 warnings). /validate lists them all.
WARNINGS_HEADER_BYTES = 2048
WARNINGS_HEADER_COUNT = 5
#: a longer message is cut in the header (it may quote what a clerk typed)
WARNING_HEADER_CHARS = 100


def warnings_header(warnings: Any) -> dict[str, str]:
    """X-Formsvc-Warnings: the first few warnings (JSON); X-Formsvc-Warnings-Count: how many."""
    if not warnings:
        return {}
    listed: list[dict[str, Any]] = []
    text = "[]"
    for warning in list(warnings)[:WARNINGS_HEADER_COUNT]:
        entry = warning.as_json()
        if len(entry["msg"]) > WARNING_HEADER_CHARS:
            entry["msg"] = entry["msg"][: WARNING_HEADER_CHARS - 1] + "…"
        # ASCII-only JSON: header values must be Latin-1; clients decode the \\u escapes
        longer = json.dumps([*listed, entry])
        if len(longer) > WARNINGS_HEADER_BYTES:
            break
        listed.append(entry)
        text = longer
    return {"X-Formsvc-Warnings": text, "X-Formsvc-Warnings-Count": str(len(warnings))}


@bp.post("/forms/<form_id>/render")
@heavy
def render(form_id: str) -> Response:
    spec = get_form(form_id)
    extension = requested_format(spec)
    data = form_data(spec)
    produced = produce(spec, data, extension, RenderSettings.of(current_app))
    return send_rendered(produced.rendered, produced.name,
                         headers=warnings_header(produced.warnings))


@bp.get("/forms/<form_id>/blank")
def blank(form_id: str) -> Response:
    spec = get_form(form_id)
    produced = produce_blank(spec, requested_format(spec), RenderSettings.of(current_app))
    return send_rendered(produced.rendered, produced.name)


@bp.post("/forms/<form_id>/import")
@heavy
def import_sheet(form_id: str) -> Response:
    """A filled .xlsx of a tabular form (multipart field file): its rows, or every error by cell."""
    spec = get_form(form_id)
    if spec.row_model is None:
        raise NotFound(f"{spec.title}不是表格，不能导入 Excel", loc=("form",))
    content = uploaded_file("file", "Excel 工作簿（.xlsx）")
    result = read_rows(spec, content, IMPORT_SHEET).require_ok()
    return jsonify(result.as_json())
