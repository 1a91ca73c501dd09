"""Logging in and out of the office pages, and who the logged-in person is on every request."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ... import db, users
from ...errors import RateLimited
from .. import ratelimit
from .access import bp, login_required

#: a login lasts a working day; then the clerk logs in again
SESSION_SECONDS = 8 * 3600
LASTS = dt.timedelta(seconds=SESSION_SECONDS)


class LoginForm(FlaskForm):
    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=users.NAME_MAX)])
    password = PasswordField("密码", validators=[
        DataRequired("请输入密码"), Length(max=users.PASSWORD_MAX, message="密码过长")])


@bp.before_app_request
def load_user() -> None:
    g.office_user = None
    secret = session.get("login")
    if not isinstance(secret, str):
        return
    if time.time() - session.get("login_at", 0) > SESSION_SECONDS:
        session.clear()
        return
    # checked against the database on every request: logout, a password change or a removed
    # account ends the session even for a copy of the cookie
    g.office_user = users.resume_session(db.session(), secret, lasts=LASTS)
    if g.office_user is None:
        session.clear()


def guessing_subjects(name: str) -> tuple[str, ...]:
    """What failed logins are counted against: the account tried, and the client trying."""
    return (f"account:{name.casefold()}", f"client:{ratelimit.client_key()}")


def refuse_guessing(name: str) -> None:
    """RateLimited (429) while the account or the client has had too many failed logins.

    Only failures count, so that a clerk who logs in often is never locked out; counting per
    account too means guesses spread over many addresses still stop.
    """
    for subject in guessing_subjects(name):
        tally = ratelimit.events("login", subject)
        if tally is not None and tally.reached:
            raise RateLimited(
                f"登录失败次数过多：同一账户或同一客户端{ratelimit.per(tally.limit)}最多失败 "
                f"{tally.limit.count} 次，请 {tally.wait} 秒后再试", retry_after=tally.wait)


def local_target(target: str | None) -> str:
    """target if it is a path of this site, else the office's first page.

    An open redirect would make the login page a phishing tool. Browsers drop tabs and line
    breaks from a URL and read a backslash as a slash, so next=/%09/evil.example (a tab) lands
    on //evil.example: a path with any whitespace, control character or backslash, a scheme, or a
    host is refused whole rather than cleaned.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(c.isspace() or unicodedata.category(c)[0] == "C" for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("office.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        refuse_guessing(name)
        account = users.authenticate(db.session(), name, form.password.data or "")
        if account is None:
            for subject in guessing_subjects(name):
                ratelimit.events("login", subject, add=True)
        else:
            session.clear()  # a fresh session: nothing from before the login carries over
            session["login"] = users.start_session(db.session(), account, lasts=LASTS)
            session["login_at"] = time.time()
            return redirect(local_target(request.args.get("next")))
        error = "用户名或密码不正确"
    status = 401 if error else 200
    return render_template("office/login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    secret = session.get("login")
    if isinstance(secret, str):
        users.end_session(db.session(), secret)  # a copy of the cookie is refused from now on
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("office.login"))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("office/index.html")
