"""Public verification: the page a certificate's QR code opens, the look-up form, and the JSON.

Anyone may ask, so every answer is rate-limited per client and shows only the public fields:
the identity number masked, never the birth date or the photo. Answers are not cached, because
a revocation must show at once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)

from .. import db
from ..dates import official_date
from ..errors import InvalidData, NotFound, RateLimited
from ..registry import verifying
from ..registry.verifying import Verification
from . import ratelimit
from .openapi import operation

bp = Blueprint("verify", __name__, template_folder="templates")

SCOPE = "verify"
#: the longest input the look-up form takes; anything longer cannot match
NUMBER_MAX = 40
NAME_MAX = 30


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    # the code is in the URL: no other site learns it from a Referer
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def status_of(verification: Verification) -> int:
    return 200 if verification.found else 404


def verified(code: str) -> Verification:
    # a pooled connection without an ORM session: verification is the hot path of the public
    # service, and reads one row
    with db.engine_for(current_app).connect() as connection:
        return verifying.verify(connection, code)


@bp.get("/api/v1/verify/<code>")
@operation(
    summary="查验证书（公开）：状态与公开字段，证件号码部分隐藏",
    responses={"200": {"description": "证书状态（valid / revoked）与公开字段"}},
    errors=("404", "429"),
)
@ratelimit.limited(SCOPE)
def verify_json(code: str) -> Response:
    verification = verified(code)
    if not verification.found:
        raise NotFound("未找到该证书：查验码无效或证书不存在", loc=("code",))
    return no_store(jsonify(verification.as_json()))


@bp.get("/v/<code>")
@ratelimit.limited(SCOPE)
def verify_page(code: str) -> Response:
    verification = verified(code)
    html = render_template("verify/result.html", verification=verification)
    return no_store(make_response(html, status_of(verification)))


@bp.get("/verify")
def look_up_page() -> Response:
    number = request.args.get("number", "").strip()[:NUMBER_MAX]
    name = request.args.get("name", "").strip()[:NAME_MAX]
    if "number" not in request.args and "name" not in request.args:
        return no_store(make_response(render_template("verify/look_up.html", number="", name="",
                                                      errors={})))
    errors = {}
    if not number:
        errors["number"] = "请填写证书编号"
    if not name:
        errors["name"] = "请填写姓名"
    verification = None
    if not errors:
        ratelimit.check(SCOPE)
        refuse_locked_look_ups(number)
        try:
            verification = verifying.look_up(db.session(), number, name)
        except InvalidData as error:
            errors["number"] = error.problems[0].msg
        else:
            if not verification.found:
                count_failed_look_up(number)
    if errors:
        html = render_template("verify/look_up.html", number=number, name=name, errors=errors)
        return no_store(make_response(html, 422))
    assert verification is not None
    html = render_template("verify/look_up.html", number=number, name=name, errors={},
                           verification=verification)
    return no_store(make_response(html, status_of(verification)))


#: a look-up by name answers whether a name goes with a certificate: wrong guesses are counted
#: per certificate (from every address), and all of them together, which no spread of addresses
#: escapes. scope → (subject of the count, what the refusal says)
LOOK_UP_LOCKS: dict[str, tuple[Callable[[str], str], str]] = {
    "lookup-anomaly": (lambda _number: "all",
                       "按姓名查询暂停：近期姓名核对失败异常增多，请 {wait} 秒后再试，"
                       "或扫描证书上的二维码查验"),
    "lookup-failures": (lambda number: "".join(number.split()).upper(),
                        "该证书{per}姓名核对失败已达 {count} 次，按姓名查询已锁定，请 {wait} 秒后再试，"
                        "或扫描证书上的二维码查验"),
}


def refuse_locked_look_ups(number: str) -> None:
    for scope, (subject, message) in LOOK_UP_LOCKS.items():
        tally = ratelimit.events(scope, subject(number))
        if tally is not None and tally.reached:
            raise RateLimited(message.format(wait=tally.wait, count=tally.limit.count,
                                             per=ratelimit.per(tally.limit)),
                              retry_after=tally.wait)


def count_failed_look_up(number: str) -> None:
    for scope, (subject, _message) in LOOK_UP_LOCKS.items():
        ratelimit.events(scope, subject(number), add=True)


def init_app(app: Flask) -> None:
    ratelimit.init_app(app)
    app.add_template_filter(official_date, "official_date")
    app.register_blueprint(bp)
