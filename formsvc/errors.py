"""The error hierarchy, and its rendering as the JSON errors of the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One error or warning about the data: where (a path into the JSON, or into a sheet) and what.

    A problem of an uploaded sheet also carries its cell (D7, or a header's C2) as data, so that
    whoever shows it marks the cell without reading the message (which names it for a person)."""

    loc: Loc
    msg: str
    cell: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg}
        if self.cell is not None:
            body["cell"] = self.cell
        return body


class FormsvcError(Exception):
    """Base of every error the service answers on purpose, with its HTTP status."""

    status: int = 400
    default_message: str = "请求有误"

    def __init_subclass__(cls, *, status: int | None = None, message: str | None = None,
                          **kwargs: Any) -> None:
        # an error names its status and message in its class line
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if message is not None:
            cls.default_message = message

    def __init__(self, problems: str | Iterable[Problem] | None = None, *, loc: Loc = ()) -> None:
        if problems is None:
            problems = self.default_message
        if isinstance(problems, str):
            problems = [Problem(loc, problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(p.msg for p in self.problems))

    def as_json(self) -> dict[str, Any]:
        return {"errors": [p.as_json() for p in self.problems]}


class MalformedRequest(FormsvcError, status=400, message="请求格式错误"): ...


class Unauthorized(FormsvcError, status=401, message="需要登录或提供有效的访问令牌"): ...


class Forbidden(FormsvcError, status=403, message="没有权限执行此操作"): ...


class NotFound(FormsvcError, status=404, message="未找到"): ...


class Conflict(FormsvcError, status=409, message="与现有记录冲突"): ...


class PayloadTooLarge(FormsvcError, status=413, message="上传内容过大"): ...


class UnsupportedMediaType(FormsvcError, status=415, message="不支持的内容类型"): ...


class InvalidData(FormsvcError, status=422, message="数据校验未通过"):
    """The data were understood but break the form's rules: 422 with every problem found."""

    def __init__(
        self,
        problems: str | Iterable[Problem] | None = None,
        *,
        loc: Loc = (),
        warnings: Sequence[Problem] = (),
    ) -> None:
        super().__init__(problems, loc=loc)
        self.warnings = tuple(warnings)

    def as_json(self) -> dict[str, Any]:
        body = super().as_json()
        if self.warnings:
            body["warnings"] = [w.as_json() for w in self.warnings]
        return body


class UnrenderableText(InvalidData):
    """A character no installed font can draw: refused rather than printed as a blank box."""


class InvalidImage(InvalidData):
    """An uploaded image that is not a usable photo: not a real JPEG/PNG, too large, too small.

    reason completes the field's label ("不是有效的 JPEG 或 PNG 图片"), so that form validation can
    prefix its own label and other callers get the full message.
    """

    def __init__(self, reason: str, *, label: str = "照片", loc: Loc = ("photo",)) -> None:
        self.reason = reason
        super().__init__(f"{label}{reason}", loc=loc)


class RateLimited(FormsvcError, status=429, message="查询过于频繁，请稍后再试"):
    def __init__(self, problems: str | Iterable[Problem] | None = None, *, loc: Loc = (),
                 retry_after: int | None = None) -> None:
        super().__init__(problems, loc=loc)
        #: seconds until the client may ask again (the Retry-After header)
        self.retry_after = retry_after


class InsufficientStorage(FormsvcError, status=507, message="输出目录可用空间不足，请清理磁盘后再试"):
    """Too little free space where bulk outputs go: 507, nothing started."""


class ServiceUnavailable(FormsvcError, status=503, message="证书登记库暂时无法访问，请稍后再试"):
    """A part the answer needs (the registry's database) cannot be reached: 503, try again later."""

    retry_after = 30


def first_line(error: BaseException, limit: int = 200) -> str:
    """What a log line or a check says of an error: the driver's own message (SQLAlchemy wraps
    it with the statement), first line only."""
    text = str(getattr(error, "orig", None) or error) or type(error).__name__
    return text.splitlines()[0][:limit] if text.strip() else type(error).__name__


class SetupError(RuntimeError):
    """The machine lacks something the service needs to start (fonts, folders)."""


# --- as HTTP answers --------------------------------------------------------------------------

#: Werkzeug's own HTTP errors (raised before our code runs) in the words of the API
HTTP_MESSAGES: dict[int, str] = {
    400: "请求格式错误",
    401: "需要登录或提供有效的访问令牌",
    403: "没有权限执行此操作",
    404: "未找到该地址",
    405: "不支持该请求方法",
    413: "上传内容过大",
    415: "不支持的内容类型",
    429: "请求过于频繁，请稍后再试",
}


def init_app(app: Any) -> None:
    """Answer every error of the API as JSON {"errors": [...]} with a Chinese message."""
    from flask import jsonify, make_response, request
    from werkzeug.exceptions import HTTPException

    def wants_json() -> bool:
        return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"

    @app.errorhandler(FormsvcError)
    def formsvc_error(error: FormsvcError) -> Any:
        if not wants_json() and "pages_error" in app.extensions:
            response = make_response(app.extensions["pages_error"](error.status, error.problems))
        else:
            response = jsonify(error.as_json())
            response.status_code = error.status
            if error.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="formsvc"'
        if getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.name)
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit:
                message = f"上传内容过大（上限 {limit // (1024 * 1024)} MB）"
        # what Werkzeug's own answer would carry: Allow on a 405 (RFC 9110 §15.5.6)
        allowed = sorted(getattr(error, "valid_methods", None) or ()) if status == 405 else []
        if allowed:
            message = f"{message}（可用：{'、'.join(m for m in allowed if m not in ('HEAD', 'OPTIONS'))}）"
        response = make_response(formsvc_error(_status_error(status, message)))
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    from sqlalchemy.exc import OperationalError

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Any:
        # unreachable, read-only, out of space: the database's trouble, not a bug of the request
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         first_line(error))
        return formsvc_error(ServiceUnavailable())

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return formsvc_error(_status_error(500, "服务器内部错误，请稍后再试"))


def _status_error(status: int, message: str) -> FormsvcError:
    error = FormsvcError(message)
    error.status = status
    return error


def field_error(message: str, **context: Any) -> PydanticCustomError:
    """A validation error whose message completes the field's label: 证件号码 + 校验位错误."""
    return PydanticCustomError("formsvc", message, context)
