"""What every endpoint needs from HTTP: JSON bodies read strictly, files sent with Chinese names."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any
from urllib.parse import quote

from flask import Response, request

from ..errors import MalformedRequest, UnsupportedMediaType
from ..render import Rendered

#: the charsets a JSON body may name (RFC 8259: JSON between systems is UTF-8); any other codec
#: Python knows (utf-7, …) would change what the checks see
CHARSETS = ("utf-8", "utf8")


def json_body() -> Any:
    """The request's JSON, or a 415/400 that says what is wrong with it."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"请求内容类型应为 application/json，收到的是 {request.mimetype or '空'}"
        )
    charset = request.mimetype_params.get("charset", "utf-8")
    if charset.strip().lower() not in CHARSETS:
        raise UnsupportedMediaType(f"不支持的字符集 charset={charset[:40]}：请以 UTF-8 编码发送 JSON")
    raw = request.get_data(cache=True)  # enforces MAX_CONTENT_LENGTH (413)
    return parse_json(raw)


def parse_json(raw: bytes | str, charset: str = "utf-8", *, part: str | None = None) -> Any:
    """JSON from bytes or text, or a 400 saying where it breaks; part names a multipart part."""
    where, loc = (f"{part} 部分：", (part,)) if part else ("", ())
    try:
        text = raw.decode(charset) if isinstance(raw, bytes) else raw
    except (UnicodeDecodeError, LookupError):
        raise MalformedRequest(f"{where}请求内容不是有效的 UTF-8 文本", loc=loc) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedRequest(
            f"{where}JSON 格式错误：第 {error.lineno} 行第 {error.colno} 列（{_json_reason(error)}）",
            loc=loc,
        ) from None
    except RecursionError:
        raise MalformedRequest(f"{where}JSON 嵌套层数过多", loc=loc) from None
    except ValueError:
        # int() refuses more than 4,300 digits (CVE-2020-10735): no field holds such a number
        raise MalformedRequest(f"{where}JSON 中的数字位数过多（超过 4300 位）", loc=loc) from None


def multipart_body(file_fields: Collection[str]) -> Any:
    """multipart/form-data: the JSON in the part named data, plus the bytes of each file part
    named in file_fields as that field's value. Any other part is refused: a misspelt file field
    would otherwise be dropped without a word."""
    part = request.files.get("data")  # parsing the body enforces MAX_CONTENT_LENGTH (413)
    if part is not None:
        raw: bytes | str = part.read()
    elif "data" in request.form:
        raw = request.form["data"]
    else:
        raise MalformedRequest("multipart 请求缺少 data 部分（表单数据的 JSON）", loc=("data",))
    data = parse_json(raw, part="data")
    others = [name for name in request.form if name != "data"]
    if others:
        raise MalformedRequest(f"不认识的表单字段：{others[0]}（只接受 data 和上传文件）",
                               loc=(others[0],))
    for name, upload in request.files.items(multi=True):
        if name == "data":
            continue
        if name not in file_fields:
            allowed = "、".join(file_fields) or "无"
            raise MalformedRequest(f"不认识的上传文件字段：{name}（可上传：{allowed}）", loc=(name,))
        content = upload.read()
        if not content and not upload.filename:
            continue  # a browser sends an empty part for a file input left empty
        if not isinstance(data, dict):
            raise MalformedRequest("data 部分应为 JSON 对象", loc=("data",))
        if data.get(name) is not None:
            raise MalformedRequest(f"{name} 既在 data 中又作为文件上传，只能二选一", loc=(name,))
        data[name] = content
    return data


def uploaded_file(field: str, what: str, *, optional: Collection[str] = ()) -> bytes:
    """The bytes of the one file part named field of a multipart/form-data request.

    what names the file in messages (Excel 工作簿（.xlsx）). What the file is, is for the caller
    to find out from its bytes: a declared content type or file name proves nothing. optional
    names other file parts the request may carry (read them with optional_file).
    """
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            f"请以 multipart/form-data 上传{what}（字段名 {field}），"
            f"收到的内容类型是 {request.mimetype or '空'}"
        )
    upload = request.files.get(field)  # parsing the body enforces MAX_CONTENT_LENGTH (413)
    if upload is None:
        raise MalformedRequest(f"缺少上传的{what}（字段名 {field}）", loc=(field,))
    others = [name for name in request.files if name != field and name not in optional]
    if others:
        accepted = "、".join((field, *optional))
        raise MalformedRequest(f"不认识的上传文件字段：{others[0]}（只接受 {accepted}）", loc=(others[0],))
    return upload.read()


def optional_file(field: str) -> bytes | None:
    """The bytes of the file part named field, or None when there is none (or it is empty: a
    browser sends an empty part for a file input left empty)."""
    upload = request.files.get(field)
    content = upload.read() if upload is not None else b""
    return content or None


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
