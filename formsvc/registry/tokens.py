"""API tokens of the issuers: created once and shown once, kept only as digests, revocable."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock, db
from ..errors import Conflict, Forbidden, InvalidData, NotFound, Unauthorized
from . import audit
from .models import Issuer, utcnow
from .numbers import secret_digest

#: every token starts so, which lets secret scanners recognise a leaked one
TOKEN_PREFIX = "fsv_"
NAME_MAX = 64

#: what a token may be allowed to do, and how a refusal names it; a new token may do all three
SCOPES: dict[str, str] = {
    "issue": "签发证书（含批量作业）",
    "read": "查阅证书记录和 PDF",
    "revoke": "撤销证书",
}


@dataclass(frozen=True)
class Token:
    """An issuer as `token list` shows it; the token itself is never kept."""

    name: str
    hint: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def summary(self) -> str:
        state = "有效"
        if self.revoked_at is not None:
            state = f"已吊销 {clock.shown(self.revoked_at)}"
        return (f"{self.name}\t{self.hint}…\t{' '.join(self.scopes)}\t"
                f"创建于 {clock.shown(self.created_at)}\t{state}")


def scopes_of(row: Issuer) -> tuple[str, ...]:
    return tuple(row.scopes.split())


def _token(row: Issuer) -> Token:
    return Token(row.name, row.token_hint, scopes_of(row), row.created_at, row.revoked_at)


def _clean_scopes(scopes: Iterable[str]) -> str:
    wanted = set(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown or not wanted:
        raise InvalidData(f"令牌权限应为 {'、'.join(SCOPES)} 中的一个或几个", loc=("scope",))
    return " ".join(scope for scope in SCOPES if scope in wanted)


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX or any(not c.isprintable() or c.isspace() for c in name):
        raise InvalidData(f"令牌名称应为 1–{NAME_MAX} 个字符，不含空格和控制字符", loc=("name",))
    return name


def create(session: Session, name: str, *, scopes: Iterable[str] = tuple(SCOPES), actor: str = "cli") -> str:
    """A new token for name (unique) that may do scopes, returned in clear this once; Conflict
    if name is taken."""
    name = _clean_name(name)
    allowed = _clean_scopes(scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        session.add(Issuer(name=name, token_digest=secret_digest(token), token_hint=token[:8],
                           scopes=allowed))
        audit.record(session, actor, "token-create", token=name, scope=allowed)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"令牌名称「{name}」已存在", loc=("name",)) from None
    return token


def revoke(session: Session, name: str, *, actor: str = "cli") -> Token:
    row = session.scalars(select(Issuer).where(Issuer.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"没有名为「{name}」的令牌", loc=("name",))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor, "token-revoke", token=name)
        session.commit()
    return _token(row)


def listing(session: Session) -> list[Token]:
    return [_token(row) for row in session.scalars(select(Issuer).order_by(Issuer.name))]


def authenticate(session: Session, token: str | None) -> Issuer:
    """The issuer holding token: Unauthorized without a known token, Forbidden if it was revoked."""
    if not token:
        raise Unauthorized("需要访问令牌：请在请求头中提供 Authorization: Bearer <令牌>")
    row = session.scalars(select(Issuer).where(Issuer.token_digest == secret_digest(token))).one_or_none()
    if row is None:
        raise Unauthorized("访问令牌无效")
    if row.revoked_at is not None:
        raise Forbidden(f"访问令牌「{row.name}」已被吊销")
    return row


def authorize(issuer: Issuer, scope: str) -> None:
    """Forbidden, naming the missing scope, unless the issuer's token may do scope."""
    if scope not in scopes_of(issuer):
        raise Forbidden(f"访问令牌「{issuer.name}」没有 {scope} 权限（{SCOPES[scope]}）；"
                        f"请使用具有该权限的令牌（token create NAME --scope {scope}）")


def issuer_named(session: Session, name: str) -> Issuer:
    """The issuer whose token is called name (revoked or not); NotFound naming it otherwise."""
    row = session.scalars(select(Issuer).where(Issuer.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"没有名为「{name}」的签发单位（令牌）", loc=("issuer",))
    return row


# --- flask --app formsvc token … ---------------------------------------------------------------


@click.group("token")
def token_command() -> None:
    """签发单位的 API 令牌。"""


@token_command.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(list(SCOPES)),
              help="令牌可做的事，可重复给出；不给出时三项都可（issue、read、revoke）")
@with_appcontext
def create_command(name: str, scopes: tuple[str, ...]) -> None:
    """为签发单位 NAME 创建令牌并显示（输出的最后一个词；只显示这一次）。"""
    try:
        token = create(db.session(), name, scopes=scopes or tuple(SCOPES))
    except (InvalidData, Conflict) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已创建令牌「{name}」。令牌只显示这一次，请妥善保存：")
    click.echo(token)


@token_command.command("list")
@with_appcontext
def list_command() -> None:
    """列出令牌：名称、开头几个字符、权限、创建时间、状态。"""
    for token in listing(db.session()):
        click.echo(token.summary())


@token_command.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_command(name: str) -> None:
    """吊销令牌 NAME：此后用它的请求一律拒绝（403）。"""
    try:
        token = revoke(db.session(), name)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已吊销令牌「{token.name}」")


def init_app(app: Flask) -> None:
    app.cli.add_command(token_command)
