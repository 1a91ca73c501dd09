"""What keeps the HTML pages safe: Content-Security-Policy and other headers, CSRF, session cookies."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..errors import MalformedRequest

#: no inline script or style, no plugins, no framing: the pages load only their own files.
#: Images may be data:/blob: URLs (a photo chosen in the browser is shown before it is sent).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

#: a PDF preview may be framed by this site's form page and by nothing else
FRAMED_DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'self'"

csrf = CSRFProtect()


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def from_this_site() -> bool:
    """Whether a browser sent this request from one of this site's own pages: its Origin (which
    browsers send with every cross-site POST), else its Referer, names this site. A request
    with neither is not from a page of ours either."""
    own = {_origin(request.host_url), _origin(str(current_app.config.get("PUBLIC_URL", "")))} - {""}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.lower() in own  # "null" (a sandboxed or privacy-minded page) is not ours
    referer = request.headers.get("Referer")
    return referer is not None and _origin(referer) in own


def no_store(response: Response) -> Response:
    """Keep a response out of every cache (browser, proxy): for pages and files that show
    identity numbers, birth dates or photos, which must not outlive the session on a shared PC."""
    response.headers["Cache-Control"] = "no-store"
    return response


def security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    elif response.headers.get("Content-Disposition", "").startswith("inline"):
        response.headers.setdefault("Content-Security-Policy", FRAMED_DOCUMENT_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    # checked below for the pages only: the API authenticates with tokens sent explicitly,
    # never with the session cookie, so a cross-site request cannot act for anyone there
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") != "Strict":
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = str(app.config.get("PUBLIC_URL", "")).startswith("https://")
    csrf.init_app(app)

    @app.before_request
    def protect_forms() -> None:
        if app.config["WTF_CSRF_ENABLED"] and not is_api_request():
            csrf.protect(apply_exemptions=True)

    app.after_request(security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        # usually a page left open past the token's lifetime, or a session that ended
        return app.handle_user_exception(
            MalformedRequest("页面已过期或来源无法确认，请刷新页面后重新提交")
        )
