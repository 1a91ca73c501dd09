"""The OpenAPI 3.1 document of /api/v1, generated from the routes and the form registry."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from pydantic.json_schema import models_json_schema

from ..forms import FORMS, FormSpec
from ..produce import blank_formats
from ..registry.tokens import SCOPES
from ..render import MIMETYPES
from .api import SAMPLES

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]},
                            "description": "出错位置：JSON 路径或表格的行与列"},
                    "msg": {"type": "string", "description": "中文说明，含字段名称"},
                    "cell": {"type": "string", "description": "上传表格中的单元格（如 D7），仅表格的问题有"},
                },
                "required": ["loc", "msg"],
            },
        },
        "warnings": {"$ref": "#/components/schemas/Problems"},
    },
    "required": ["errors"],
}

#: what each status means for every operation that can answer it
STATUS_TEXT = {
    "400": "请求格式错误（如 JSON 无法解析）",
    "401": "缺少或无效的访问令牌",
    "403": "令牌已吊销或无权限",
    "404": "表格、证书或地址不存在",
    "409": "与已有记录冲突（如证书已撤销，或同一证书记录的内容不一致）",
    "413": "上传内容过大",
    "415": "内容类型不对",
    "422": "数据未通过校验：每处错误都列出",
    "429": "请求过于频繁，或同时进行的生成、导入过多（见 Retry-After）",
}


def operation(**details: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach OpenAPI details (requestBody, responses, security, tags…) to a view function."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.openapi = details  # type: ignore[attr-defined]
        return view

    return decorate


def _error_responses(*statuses: str) -> dict[str, Any]:
    return {
        s: {"description": STATUS_TEXT[s],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
        for s in statuses
    }


def _file_response(formats: tuple[str, ...]) -> dict[str, Any]:
    content = {MIMETYPES[f]: {"schema": {"type": "string", "format": "binary"}} for f in formats}
    content.setdefault(MIMETYPES["zip"], {"schema": {"type": "string", "format": "binary"}})
    return {"description": "生成的文件（文件名见 Content-Disposition 的 filename*）", "content": content}


def _form_schemas() -> dict[str, Any]:
    models = [(spec.model, "validation") for spec in FORMS.values()]
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    return top.get("$defs", {})


def _form_paths(spec: FormSpec) -> dict[str, Any]:
    sample = SAMPLES / f"{spec.id}.json"
    body = {
        "required": True,
        "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{spec.model.__name__}"},
            **({"example": json.loads(sample.read_text(encoding="utf-8"))} if sample.is_file() else {}),
        }},
    }
    if spec.uploads:
        # files (a photo) may also come as multipart parts beside the JSON (web/http.py)
        body["content"]["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {"type": "string", "description": "表单数据的 JSON（同 JSON 请求体）"},
                    **{name: {"type": "string", "format": "binary"} for name in spec.uploads},
                },
            },
            "encoding": {"data": {"contentType": "application/json"}},
        }
    fmt = {"name": "format", "in": "query", "required": False,
           "schema": {"type": "string", "enum": list(spec.formats), "default": spec.formats[0]}}
    base = f"/api/v1/forms/{spec.id}"
    tag = [spec.title]
    paths: dict[str, Any] = {
        f"{base}/schema": {"get": {"tags": tag, "summary": f"{spec.title}：数据的 JSON Schema",
                                   "responses": {"200": {"description": "JSON Schema"}}}},
        f"{base}/sample": {"get": {"tags": tag, "summary": f"{spec.title}：完整的样例数据",
                                   "responses": {"200": {"description": "样例数据"}}}},
        f"{base}/validate": {"post": {
            "tags": tag, "summary": f"{spec.title}：校验数据，返回错误与提示", "requestBody": body,
            "responses": {"200": {"description": "校验结果（数据有错也是 200）",
                                  "content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/Validation"}}}},
                          **_error_responses("400", "413", "415")}}},
        f"{base}/render": {"post": {
            "tags": tag, "summary": f"{spec.title}：生成文件（{'、'.join(spec.formats).upper()}）",
            "parameters": [fmt], "requestBody": body,
            "responses": {"200": _file_response(spec.formats),
                          **_error_responses("400", "404", "413", "415", "422", "429")}}},
        f"{base}/blank": {"get": {
            "tags": tag, "summary": f"{spec.title}：空白表格 / 导入模板",
            "parameters": [{**fmt, "schema": {**fmt["schema"], "enum": list(blank_formats(spec))}}],
            "responses": {"200": _file_response(blank_formats(spec)), **_error_responses("404")}}},
    }
    if spec.row_model is not None:
        problems = {"$ref": "#/components/schemas/Problems"}
        paths[f"{base}/import"] = {"post": {
            "tags": tag, "summary": f"{spec.title}：导入填好的 Excel（.xlsx），返回各行数据或逐格错误",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "填好的导入模板（.xlsx）"}},
            }}}},
            "responses": {
                "200": {"description": "各行数据（rows）及其在表中的行号（row_numbers）", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "rows": {"type": "array", "items": {
                            "$ref": f"#/components/schemas/{spec.row_model.__name__}"}},
                        "row_numbers": {"type": "array", "items": {"type": "integer"}},
                        "errors": problems, "warnings": problems,
                    }}}}},
                **_error_responses("400", "404", "413", "415", "422", "429"),
            }}}
    return paths


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _route_paths(app: Flask) -> dict[str, Any]:
    """Every other /api/v1 route, described by its docstring and @operation details."""
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or "<form_id>" in rule.rule:
            continue
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("openapi."):
            continue
        details = dict(getattr(view, "openapi", {}))
        doc = inspect.getdoc(view) or ""
        entry: dict[str, Any] = {
            "summary": details.pop("summary", doc.split("\n")[0]),
            "operationId": rule.endpoint.replace(".", "_"),
        }
        params = [{"name": a, "in": "path", "required": True, "schema": {"type": "string"}}
                  for a in sorted(rule.arguments)]
        if params:
            entry["parameters"] = params
        statuses = details.pop("errors", ())
        entry["responses"] = details.pop("responses", {"200": {"description": "成功"}})
        entry["responses"].update(_error_responses(*statuses))
        entry.update(details)
        if hasattr(view, "token_scope"):
            # OpenAPI 3.1 lets a bearer requirement name the roles it needs: here the token scope
            entry["security"] = [{"bearer": [view.token_scope]}]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(_rule_path(rule.rule), {})[method.lower()] = entry
    return paths


@functools.cache
def _document(app_name: str, routes: tuple[str, ...]) -> dict[str, Any]:
    app = current_app
    paths: dict[str, Any] = {}
    for spec in FORMS.values():
        paths.update(_form_paths(spec))
    paths.update(_route_paths(app))
    schemas = _form_schemas()
    schemas["Problems"] = {"type": "array", "items": ERROR_SCHEMA["properties"]["errors"]["items"]}
    schemas["Errors"] = ERROR_SCHEMA
    schemas["Validation"] = {
        "type": "object",
        "properties": {"errors": {"$ref": "#/components/schemas/Problems"},
                       "warnings": {"$ref": "#/components/schemas/Problems"}},
        "required": ["errors", "warnings"],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "formsvc API",
            "version": "1",
            "description": "职称评审工作的官方表格（DOCX、PDF、XLSX）与职称电子证书。"
                           "错误一律为 JSON：{\"errors\": [{\"loc\": [...], \"msg\": \"中文说明\"}]}。",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "flask --app formsvc token create NAME [--scope issue --scope read "
                               "--scope revoke]。每个操作的 security 写明所需权限（" + "、".join(
                                   f"{name}：{text}" for name, text in SCOPES.items()) + "），缺少时为 403。"
                               "令牌只能查阅、打印、撤销本单位签发的证书，其他单位的证书一律 404。"}},
        },
    }


def document(app: Flask) -> dict[str, Any]:
    routes = tuple(sorted(r.rule for r in app.url_map.iter_rules()))
    return _document(app.name, routes)


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI document of this API."""
    return jsonify(document(current_app._get_current_object()))  # type: ignore[attr-defined]
