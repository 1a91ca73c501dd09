"""The office pages behind a login: bulk issuing jobs, certificate search and revocation, the audit log."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import db, users
from ..errors import FormsvcError

bp = Blueprint("office", __name__, url_prefix="/office", template_folder="templates")

#: a login lasts a working day; then the clerk logs in again
SESSION_SECONDS = 8 * 3600

View = TypeVar("View", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=users.NAME_MAX)])
    password = PasswordField("密码", validators=[
        DataRequired("请输入密码"), Length(max=users.PASSWORD_MAX, message="密码过长")])


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销原因", validators=[
        DataRequired("请填写撤销原因"), Length(max=200, message="撤销原因不能超过200个字")])


class ConfirmForm(FlaskForm):
    """The second step of a revocation: the reason travels along, the button confirms."""

    reason = StringField(validators=[DataRequired(), Length(max=200)])


def actor() -> str:
    """How the audit log names the person: their office login."""
    return f"office:{g.office_user.name}"


def login_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("office_user") is None:
            return redirect(url_for("office.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.before_app_request
def load_user() -> None:
    g.office_user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    if time.time() - session.get("login_at", 0) > SESSION_SECONDS:
        session.clear()
        return
    g.office_user = users.get(db.session(), user_id)
    if g.office_user is None:  # the account was removed while logged in
        session.clear()


def _local_target(target: str | None) -> str:
    # only a path of this site: an open redirect would make the login page a phishing tool
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("office.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        account = users.authenticate(db.session(), form.name.data or "", form.password.data or "")
        if account is not None:
            session.clear()  # a fresh session: nothing from before the login carries over
            session["user_id"] = account.id
            session["login_at"] = time.time()
            return redirect(_local_target(request.args.get("next")))
        error = "用户名或密码不正确"
    status = 401 if error else 200
    return render_template("office/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("office.login"))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("office/index.html")


def jobs_enabled() -> bool:
    return "office.job_new" in current_app.view_functions


# --- certificates ------------------------------------------------------------------------------


@bp.get("/certificates")
@login_required
def certificates() -> ResponseReturnValue:
    from ..registry.search import SEARCH_LIMIT, search

    query = request.args.get("q", "").strip()[:64]
    results = search(db.session(), query) if query else []
    return render_template("office/certificates.html", query=query, results=results, limit=SEARCH_LIMIT)


@bp.get("/certificates/<number>")
@login_required
def certificate(number: str) -> ResponseReturnValue:
    from ..registry import service

    return certificate_page(service.find(db.session(), number), RevokeForm())


def certificate_page(record: Any, form: RevokeForm, status: int = 200) -> ResponseReturnValue:
    from ..registry import audit

    history = audit.entries(db.session(), number=record.number, limit=50)
    return render_template("office/certificate.html", certificate=record, history=history,
                           actions=audit.ACTIONS, form=form), status


@bp.get("/certificates/<number>/pdf")
@login_required
def certificate_pdf(number: str) -> ResponseReturnValue:
    """A reprint of one certificate, in the audit log like the API's."""
    from .certificates import send_certificate_pdf

    return send_certificate_pdf(number, actor())


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@login_required
def revoke(number: str) -> ResponseReturnValue:
    """Step 1: the reason is checked and shown back with the certificate for confirmation."""
    from ..registry import service

    record = service.find(db.session(), number)
    form = RevokeForm()
    if not form.validate_on_submit():
        return certificate_page(record, form, 422)
    return render_template("office/revoke_confirm.html", certificate=record,
                           form=ConfirmForm(reason=form.reason.data))


@bp.post("/certificates/<number>/revoke/confirm")
@login_required
def revoke_confirm(number: str) -> ResponseReturnValue:
    """Step 2: the confirmed revocation, recorded in the audit log by the registry."""
    from ..registry import service

    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("撤销未执行：请重新填写撤销原因", "error")
        return redirect(url_for("office.certificate", number=number))
    try:
        record = service.revoke(db.session(), number, reason=form.reason.data or "", actor=actor())
    except FormsvcError as error:
        flash("撤销未执行：" + "；".join(p.msg for p in error.problems), "error")
        return redirect(url_for("office.certificate", number=number))
    flash(f"证书 {record.number} 已撤销", "success")
    return redirect(url_for("office.certificate", number=record.number))


# --- the audit log -----------------------------------------------------------------------------

AUDIT_PAGE = 100


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    from ..registry import audit

    number = request.args.get("number", "").strip().upper()[:40] or None
    entries = audit.entries(db.session(), number=number, limit=AUDIT_PAGE)
    return render_template("office/audit.html", entries=entries, actions=audit.ACTIONS, number=number,
                           limit=AUDIT_PAGE)


def china_time(moment: dt.datetime | None) -> str:
    """A stored time as the office reads it: Beijing time, to the minute."""
    from ..registry.models import as_utc
    from ..registry.service import CHINA

    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


#: the keys of an audit line's detail, as the office reads them
DETAIL_LABELS: dict[str, str] = {
    "reason": "原因", "title": "职称名称", "level": "级别", "token": "令牌", "count": "数量",
    "job": "任务", "sheet": "采集表", "issued": "新签发", "existing": "已存在",
}


def audit_detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return "；".join(f"{DETAIL_LABELS.get(key, key)}：{value}" for key, value in detail.items())


@bp.context_processor
def office_context() -> dict[str, Any]:
    return {"jobs_enabled": jobs_enabled()}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(audit_detail, "audit_detail")
    users.init_app(app)
