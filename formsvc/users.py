"""Office users: the accounts that log in to /office, created from the CLI, passwords hashed."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, delete, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from . import clock, db
from .db import Base
from .errors import Conflict, InvalidData, NotFound
from .registry import tokens
from .registry.models import Issuer
from .registry.numbers import secret_digest
from .registry.scope import WHOLE_REGISTRY, Scope

NAME_MAX = 64
PASSWORD_MIN = 10
#: longer input is refused before hashing: scrypt's cost should not be the attacker's to choose
PASSWORD_MAX = 256
ADMIN_ROLE = "管理员"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(Base):
    """A person who works in the office pages: an operator of one issuer, or an admin of all."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("admin = (issuer_id IS NULL)", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    #: the issuer whose certificates an operator works on; None for an admin
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id"), nullable=True)
    admin: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginSession(Base):
    """One login to the office pages, until logout, a password change, or its end of day.

    The cookie holds the session's secret (signed); the table holds its digest. A cookie copied
    before its session ended is refused, because its row is gone."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Account:
    """A user as the pages and the CLI show it; the password hash stays in the database."""

    id: int
    name: str
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    issuer_id: int | None = None
    #: the issuer's name for an operator, "管理员" for an admin
    role: str = ADMIN_ROLE

    @property
    def admin(self) -> bool:
        return self.issuer_id is None

    @property
    def scope(self) -> Scope:
        """The certificates this person sees and acts on."""
        return WHOLE_REGISTRY if self.admin else Scope(self.issuer_id)

    def summary(self) -> str:
        last = clock.shown(self.last_login_at) if self.last_login_at else "从未登录"
        return f"{self.name}\t{self.role}\t创建于 {clock.shown(self.created_at)}\t最近登录 {last}"


def _account(session: Session, row: User) -> Account:
    role = ADMIN_ROLE if row.issuer_id is None else session.get(Issuer, row.issuer_id).name  # type: ignore[union-attr]
    return Account(row.id, row.name, row.created_at, row.last_login_at, row.issuer_id, role)


def clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX or any(not c.isprintable() or c.isspace() for c in name):
        raise InvalidData(f"用户名应为 1–{NAME_MAX} 个字符，不含空格和控制字符", loc=("name",))
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise InvalidData(f"密码至少 {PASSWORD_MIN} 个字符", loc=("password",))
    if len(password) > PASSWORD_MAX:
        raise InvalidData(f"密码不能超过 {PASSWORD_MAX} 个字符", loc=("password",))
    return password


def create(session: Session, name: str, password: str, *, issuer: str | None = None,
           admin: bool = False) -> Account:
    """A new user: an operator of the issuer named issuer (a token's name), or an admin of every
    certificate; exactly one of the two. Conflict when the name is taken."""
    if (issuer is None) == (not admin):
        raise InvalidData("请指定用户所属的签发单位（--issuer 令牌名称），或将其设为管理员（--admin）",
                          loc=("issuer",))
    issuer_id = tokens.issuer_named(session, issuer).id if issuer is not None else None
    row = User(name=clean_name(name), password_hash=generate_password_hash(check_password(password)),
               issuer_id=issuer_id, admin=issuer_id is None)
    try:
        session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"用户名「{row.name}」已存在", loc=("name",)) from None
    return _account(session, row)


def set_password(session: Session, name: str, password: str) -> Account:
    row = session.scalars(select(User).where(User.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"没有名为「{name}」的用户", loc=("name",))
    row.password_hash = generate_password_hash(check_password(password))
    # whoever knew the old password may be logged in: every session of the account ends
    session.execute(delete(LoginSession).where(LoginSession.user_id == row.id))
    session.commit()
    return _account(session, row)


#: compared against when the name is unknown, so that a wrong name costs as long as a wrong password
_NO_USER_HASH = generate_password_hash("formsvc: no such user")


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The user with this name and password, or None; the login time is recorded."""
    if len(password) > PASSWORD_MAX:
        return None
    row = session.scalars(select(User).where(User.name == name.strip())).one_or_none()
    if row is None:
        check_password_hash(_NO_USER_HASH, password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    row.last_login_at = utcnow()
    session.commit()
    return _account(session, row)


def start_session(session: Session, account: Account, *, lasts: dt.timedelta) -> str:
    """A new login session for account (the secret for the cookie); sessions older than lasts,
    of anyone, are removed on the way."""
    secret = secrets.token_urlsafe(32)
    session.execute(delete(LoginSession).where(LoginSession.created_at < utcnow() - lasts))
    session.add(LoginSession(id=secret_digest(secret), user_id=account.id))
    session.commit()
    return secret


def resume_session(session: Session, secret: str, *, lasts: dt.timedelta) -> Account | None:
    """The account logged in with secret, or None if that session ended or is older than lasts."""
    row = session.get(LoginSession, secret_digest(secret))
    if row is None or clock.as_utc(row.created_at) < utcnow() - lasts:
        return None
    return get(session, row.user_id)


def end_session(session: Session, secret: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id == secret_digest(secret)))
    session.commit()


def get(session: Session, user_id: int) -> Account | None:
    row = session.get(User, user_id)
    return _account(session, row) if row is not None else None


def listing(session: Session) -> list[Account]:
    return [_account(session, row) for row in session.scalars(select(User).order_by(User.name))]


def actors_of(session: Session, scope: Scope) -> list[str]:
    """How the audit log names the people and the token acting for scope's issuer; for the whole
    registry every office login, every token, and the command line."""
    if scope.whole_registry:
        operators = session.scalars(select(User.name).order_by(User.name))
        tokens_ = session.scalars(select(Issuer.name).order_by(Issuer.name))
        return [f"office:{name}" for name in operators] + [f"token:{name}" for name in tokens_] + ["cli"]
    issuer = session.get(Issuer, scope.issuer_id)
    operators = session.scalars(select(User.name).where(User.issuer_id == scope.issuer_id)
                                .order_by(User.name))
    return [f"office:{name}" for name in operators] + ([f"token:{issuer.name}"] if issuer else [])


# --- flask --app formsvc user … ----------------------------------------------------------------


@click.group("user")
def user_command() -> None:
    """职改办工作人员的登录账号（/office 页面）。"""


def _fail(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


@user_command.command("create")
@click.argument("name")
@click.option("--issuer", help="所属签发单位（令牌名称）：只能看到和处理该单位的证书")
@click.option("--admin", is_flag=True, help="管理员：能看到和处理全部证书")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码",
                       help="不给出时提示输入（不回显）")
@with_appcontext
def create_command(name: str, issuer: str | None, admin: bool, password: str) -> None:
    """创建登录账号 NAME：某签发单位（--issuer）的经办人，或管理员（--admin）；提示输入密码。"""
    try:
        account = create(db.session(), name, password, issuer=issuer, admin=admin)
    except (InvalidData, Conflict, NotFound) as error:
        raise _fail(error) from None
    click.echo(f"已创建用户：{account.name}（{account.role}）")


@user_command.command("password")
@click.argument("name")
@click.password_option("--password", prompt="新密码", confirmation_prompt="再次输入新密码",
                       help="不给出时提示输入（不回显）")
@with_appcontext
def password_command(name: str, password: str) -> None:
    """为账号 NAME 设置新密码（该账号已登录的会话随之失效）。"""
    try:
        account = set_password(db.session(), name, password)
    except (InvalidData, NotFound) as error:
        raise _fail(error) from None
    click.echo(f"已更新密码：{account.name}")


@user_command.command("list")
@with_appcontext
def list_command() -> None:
    """列出登录账号：名称、所属单位、创建和最近登录时间。"""
    for account in listing(db.session()):
        click.echo(account.summary())


def init_app(app: Flask) -> None:
    app.cli.add_command(user_command)
