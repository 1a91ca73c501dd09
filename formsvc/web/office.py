"""The office pages behind a login: bulk issuing jobs, certificate search and revocation, the audit log."""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
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
from ..errors import FormsvcError, MalformedRequest, NotFound, Problem
from ..registry.scope import Scope
from . import ratelimit

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


def scope() -> Scope:
    """The certificates the person works on: their issuer's, or all for an admin."""
    return g.office_user.scope


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
        ratelimit.check("login")  # passwords are not to be guessed at speed
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
    results = search(db.session(), query, scope=scope()) if query else []
    return render_template("office/certificates.html", query=query, results=results, limit=SEARCH_LIMIT)


@bp.get("/certificates/<number>")
@login_required
def certificate(number: str) -> ResponseReturnValue:
    from ..registry import service

    return certificate_page(service.find(db.session(), number, scope=scope()), RevokeForm())


def certificate_page(record: Any, form: RevokeForm, status: int = 200) -> ResponseReturnValue:
    from ..registry import audit
    from ..registry.service import RegistrySettings

    history = audit.entries(db.session(), scope=scope(), actors=users.actors_of(db.session(), scope()),
                            number=record.number, limit=50)
    verify_url = record.verify_url(RegistrySettings.from_config(current_app.config))
    return render_template("office/certificate.html", certificate=record, history=history,
                           actions=audit.ACTIONS, form=form, verify_url=verify_url), status


@bp.get("/certificates/<number>/pdf")
@login_required
def certificate_pdf(number: str) -> ResponseReturnValue:
    """A reprint of one certificate, in the audit log like the API's."""
    from .certificates import send_certificate_pdf

    return send_certificate_pdf(number, actor(), scope())


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@login_required
def revoke(number: str) -> ResponseReturnValue:
    """Step 1: the reason is checked and shown back with the certificate for confirmation."""
    from ..registry import service

    record = service.find(db.session(), number, scope=scope())
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
        record = service.revoke(db.session(), number, reason=form.reason.data or "", actor=actor(),
                                scope=scope())
    except FormsvcError as error:
        flash("撤销未执行：" + "；".join(p.msg for p in error.problems), "error")
        return redirect(url_for("office.certificate", number=number))
    flash(f"证书 {record.number} 已撤销", "success")
    return redirect(url_for("office.certificate", number=record.number))


# --- bulk issuing: upload, check, start, follow, download -------------------------------------

SHEET = "湖北省职称历史数据采集表（.xlsx）"
RECENT_JOBS = 20


@bp.get("/jobs")
@login_required
def job_new() -> ResponseReturnValue:
    from sqlalchemy import select

    from ..jobs import work
    from ..jobs.models import Job

    query = select(Job.id).order_by(Job.created_at.desc()).limit(RECENT_JOBS)
    if not scope().whole_registry:
        query = query.where(Job.issuer_id == scope().issuer_id)
    recent = db.session().scalars(query)
    jobs = [work.status(db.session(), job_id) for job_id in recent]
    return render_template("office/jobs.html", jobs=jobs)


@bp.post("/jobs/check")
@login_required
def job_check() -> ResponseReturnValue:
    """Step 1: the whole sheet (and photos) checked; a clean sheet waits for the clerk to start it."""
    from ..jobs.plan import check
    from . import uploads
    from .http import optional_file, uploaded_file

    uploads.discard(current_app, session.pop("job_upload", None))
    try:
        sheet = uploaded_file("sheet", SHEET, optional=("photos",))
        if not sheet:
            raise MalformedRequest(f"请选择要上传的{SHEET}", loc=("sheet",))
        photos = optional_file("photos")
        plan = check(db.session(), sheet, photos, scope=scope())
    except FormsvcError as error:
        warnings = getattr(error, "warnings", ())
        return render_template("office/job_check.html", problems=error.problems, warnings=warnings,
                               plan=None), 422
    name = request.files["sheet"].filename or "采集表.xlsx"
    session["job_upload"] = uploads.keep(current_app, uploads.Upload(sheet, photos, name))
    return render_template("office/job_check.html", problems=(), warnings=plan.warnings, plan=plan,
                           source_name=name)


@bp.post("/jobs/start")
@login_required
def job_start() -> ResponseReturnValue:
    """Step 2: the checked upload becomes a job (checked again: the registry may have changed)."""
    from ..jobs.runners import submit
    from . import uploads

    upload = uploads.take(current_app, session.pop("job_upload", None))
    if upload is None:
        flash("上传的文件已失效（超过一天未开始，或已开始过），请重新上传", "error")
        return redirect(url_for("office.job_new"))
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        job_id, _warnings = submit(app, upload.sheet, source_name=upload.source_name, photos=upload.photos,
                                   actor=actor(), issuer_id=scope().issuer_id)
    except FormsvcError as error:
        return render_template("office/job_check.html", problems=error.problems,
                               warnings=getattr(error, "warnings", ()), plan=None), 422
    return redirect(url_for("office.job", job_id=job_id))


def _job_status(job_id: str) -> Any:
    from ..jobs import work
    from ..jobs.models import Job

    job = db.session().get(Job, job_id) if len(job_id) == 32 else None
    # another issuer's job is as unknown as a job that does not exist
    status = work.status(db.session(), job_id) if job and scope().owns(job.issuer_id) else None
    if status is None:
        raise NotFound("没有这个作业", loc=("job",))
    return status


def job_json(status: Any) -> dict[str, Any]:
    from ..jobs import work

    body: dict[str, Any] = status.as_json()
    if status.state == work.DONE:
        body["links"] = {
            "print_pdf": url_for("office.job_download", job_id=status.id, name=work.PRINT_PDF),
            "zip": url_for("office.job_download", job_id=status.id, name=work.SINGLES_ZIP),
        }
    return body


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str) -> ResponseReturnValue:
    status = _job_status(job_id)
    return render_template("office/job.html", job=status, job_json=job_json(status))


@bp.get("/jobs/<job_id>/status")
@login_required
def job_status(job_id: str) -> ResponseReturnValue:
    """What the progress bar polls: the job API's answer, with the office's download links."""
    response = jsonify(job_json(_job_status(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<job_id>/<any(print.pdf, certificates.zip):name>")
@login_required
def job_download(job_id: str, name: str) -> ResponseReturnValue:
    from .jobs import send_output

    return send_output(_job_status(job_id), name)


# --- the audit log -----------------------------------------------------------------------------

AUDIT_PAGE = 100


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    from ..registry import audit

    number = request.args.get("number", "").strip().upper()[:40] or None
    entries = audit.entries(db.session(), scope=scope(), actors=users.actors_of(db.session(), scope()),
                            number=number, limit=AUDIT_PAGE)
    return render_template("office/audit.html", entries=entries, actions=audit.ACTIONS, number=number,
                           limit=AUDIT_PAGE)


def china_time(moment: dt.datetime | None) -> str:
    """A stored time as the office reads it: Beijing time, to the minute."""
    from ..registry.models import as_utc
    from ..registry.service import CHINA

    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


_CELL = re.compile(r"[（(]([A-Z]{1,3}[1-9]\d*)[）)]")


@dataclass(frozen=True)
class SheetPlace:
    """Where in an uploaded sheet (or its photos ZIP) a problem is, as the report's columns show it."""

    row: int | str = ""
    column: str = ""
    cell: str = ""


def sheet_place(problem: Problem) -> SheetPlace:
    """("rows", 7, "证件号码") + "第7行（D7）：…" → row 7, column 证件号码, cell D7."""
    loc = problem.loc
    match = _CELL.search(problem.msg)
    cell = match[1] if match else ""
    if loc[:1] == ("rows",) and len(loc) > 1:
        return SheetPlace(loc[1], str(loc[2]) if len(loc) > 2 else "", cell)
    if loc[:1] == ("photos",):
        return SheetPlace("", "照片压缩包", str(loc[1]) if len(loc) > 1 else "")
    if loc[:1] == ("header",):
        return SheetPlace("", f"表头 {loc[1]}" if len(loc) > 1 else "表头", cell)
    return SheetPlace("", "", cell)


#: the keys of an audit line's detail, as the office reads them
DETAIL_LABELS: dict[str, str] = {
    "reason": "原因", "title": "职称名称", "level": "级别", "token": "令牌", "count": "数量",
    "job": "任务", "sheet": "采集表", "issued": "新签发", "existing": "已存在", "scope": "权限",
}


def audit_detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return "；".join(f"{DETAIL_LABELS.get(key, key)}：{value}" for key, value in detail.items())


@bp.context_processor
def office_context() -> dict[str, Any]:
    from ..config import public_address_warning

    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return {"jobs_enabled": jobs_enabled(), "public_url": public_url,
            "public_address_warning": public_address_warning(public_url)}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(audit_detail, "audit_detail")
    app.add_template_filter(sheet_place, "sheet_place")
    users.init_app(app)
