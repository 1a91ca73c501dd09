"""What every endpoint needs from HTTP: JSON bodies read strictly, files sent with Chinese names."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Response, request

from ..errors import MalformedRequest, UnsupportedMediaType
from ..render import Rendered


def json_body() -> Any:
    """The request's JSON, or a 415/400 that says what is wrong with it."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"请求内容类型应为 application/json，收到的是 {request.mimetype or '空'}"
        )
    raw = request.get_data(cache=True)  # enforces MAX_CONTENT_LENGTH (413)
    try:
        text = raw.decode(request.mimetype_params.get("charset", "utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise MalformedRequest("请求内容不是有效的 UTF-8 文本") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedRequest(
            f"JSON 格式错误：第 {error.lineno} 行第 {error.colno} 列（{_json_reason(error)}）"
        ) from None
    except RecursionError:
        raise MalformedRequest("JSON 嵌套层数过多") from None


def _json_reason(error: json.JSONDecodeError) -> str:
    reasons = {
        "Expecting value": "缺少值",
        "Expecting property name enclosed in double quotes": "字段名应使用双引号",
        "Expecting ',' delimiter": "缺少逗号",
        "Expecting ':' delimiter": "缺少冒号",
        "Extra data": "多余的内容",
        "Unterminated string starting at": "字符串未结束",
        "Invalid control character at": "含有控制字符",
    }
    return reasons.get(error.msg, error.msg)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """attachment; filename="fallback"; filename*=UTF-8''… (RFC 6266 / RFC 5987)."""
    stem, dot, extension = filename.rpartition(".")
    ascii_stem = stem.encode("ascii", "ignore").decode().strip() or "formsvc"
    fallback = "".join(c if c.isalnum() or c in "-_." else "_" for c in ascii_stem)
    kind = "inline" if inline else "attachment"
    return (
        f'{kind}; filename="{fallback}{dot}{extension}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def send_rendered(rendered: Rendered, name: str, *, inline: bool = False,
                  headers: dict[str, str] | None = None) -> Response:
    response = Response(rendered.content, mimetype=rendered.mimetype)
    response.headers["Content-Disposition"] = content_disposition(
        f"{name}.{rendered.extension}", inline=inline
    )
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
