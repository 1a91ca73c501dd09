"""The audit log: an append-only line for every issue, revocation and look-up of personal data.

The database refuses to change or delete a line (triggers); and each line carries the hash of the
line before it, so that a change made around the triggers shows: verify() names the first line
that does not fit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ..clock import CHINA, as_utc
from . import batches
from .models import AuditEntry, AuditHead, Certificate, utcnow
from .paging import PAGE_SIZE, Page, fetch_page
from .scope import Scope

#: the previous hash of the first line
GENESIS = "0" * 64
_HEAD = AuditHead.__table__

#: what the log records, in the words an auditor reads
ACTIONS: dict[str, str] = {
    "issue": "签发证书",
    "revoke": "撤销证书",
    "correct": "更正证书（重新签发）",
    "read": "查阅证书记录",
    "print": "下载证书 PDF",
    "bulk-issue": "批量签发",
    "bulk-lookup": "批量查询",
    "token-create": "创建访问令牌",
    "token-revoke": "吊销访问令牌",
    "export": "导出证书清单",
}

#: the keys of a line's detail, as the office reads them: a key without a label is refused when
#: the line is written, so that no line ever shows a raw key
DETAIL_LABELS: dict[str, str] = {
    "reason": "原因", "title": "职称名称", "level": "级别", "corrected_by": "更正后的证书",
    "token": "令牌", "scope": "权限", "job": "批次", "total": "共计", "source": "采集表",
    "issued": "新签发", "existing": "已签发过", "count": "数量", "sheet": "采集表",
    "list": "清单", "rows": "行数", "id_numbers": "证件号码", "filters": "筛选条件",
}

#: how the log names who acted: "office:王科长" is the office login 王科长, "token:…" an API token
ACTOR_KINDS: dict[str, str] = {"office": "{name}", "token": "{name}（接口令牌）"}
#: actors without a kind: the command line's default
ACTOR_NAMES: dict[str, str] = {"cli": "命令行"}


def record(session: Session, actor: str, action: str, number: str | None = None, **detail: Any) -> None:
    """Add a line to the log in the caller's transaction: it is stored exactly when the act is."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    unlabelled = sorted(set(detail) - set(DETAIL_LABELS))
    if unlabelled:
        raise ValueError(f"audit detail keys without a label in audit.DETAIL_LABELS: {unlabelled}")
    # the head's row lock (a write lock on SQLite) is held to the end of the caller's transaction:
    # whoever appends next reads this line's hash
    previous = session.execute(
        _HEAD.update().where(_HEAD.c.id == 1).values(entries=_HEAD.c.entries + 1)
        .returning(_HEAD.c.last_hash)
    ).scalar_one()
    at = utcnow()
    content = json.loads(json.dumps(detail)) if detail else None  # as the JSON column gives it back
    digest = entry_digest(previous, at, actor, action, number, content)
    session.add(AuditEntry(at=at, actor=actor, action=action, certificate_number=number, detail=content,
                           previous_hash=previous, entry_hash=digest))
    session.execute(_HEAD.update().where(_HEAD.c.id == 1).values(last_hash=digest))


def entry_digest(previous: str, at: dt.datetime, actor: str, action: str, number: str | None,
                 detail: dict[str, Any] | None) -> str:
    """SHA-256 over the previous line's hash and this line's content, in a canonical JSON."""
    content = [previous, as_utc(at).isoformat(timespec="microseconds"), actor, action, number, detail]
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def actor_name(actor: str) -> str:
    """Who acted, as a person reads it: 「office:王科长」 → 王科长, 「token:咸宁市职改办」 →
    咸宁市职改办（接口令牌）, 「cli」 → 命令行."""
    kind, colon, name = actor.partition(":")
    if colon and kind in ACTOR_KINDS:
        return ACTOR_KINDS[kind].format(name=name)
    return ACTOR_NAMES.get(actor, actor)


@dataclass(frozen=True)
class AuditFilter:
    """Which lines the office reads: about one certificate, of one batch (the bulk job's line and
    its certificates' lines), by one actor, of one action, between two dates (inclusive, as days
    of zone: the zone the office pages show times in, so that a line shown at 00:30 is found under
    that day)."""

    number: str | None = None
    job: str | None = None
    actor: str | None = None
    action: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    zone: dt.tzinfo = CHINA


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def lines(wanted: AuditFilter, *, scope: Scope, actors: Iterable[str] = ()) -> Select[Any]:
    """The lines wanted selects, newest first, as far as scope may read them.

    An issuer reads the lines about its own certificates and the lines of its own actors (its
    token and office operators: their bulk jobs name no certificate); the whole registry reads all.
    """
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if wanted.number is not None:
        query = query.where(AuditEntry.certificate_number == wanted.number)
    if wanted.job is not None:
        query = query.where(or_(AuditEntry.certificate_number.in_(batches.certificate_numbers(wanted.job)),
                                AuditEntry.detail["job"].as_string() == wanted.job))
    if wanted.actor is not None:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action is not None:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.start is not None:
        query = query.where(AuditEntry.at >= _midnight(wanted.start, wanted.zone))
    if wanted.end is not None:
        query = query.where(AuditEntry.at < _midnight(wanted.end + dt.timedelta(days=1), wanted.zone))
    if not scope.whole_registry:
        own_numbers = scope.certificates(select(Certificate.number))
        query = query.where(or_(AuditEntry.certificate_number.in_(own_numbers),
                                AuditEntry.actor.in_(sorted(set(actors)))))
    return query


def entries(session: Session, *, scope: Scope, actors: Iterable[str] = (), number: str | None = None,
            limit: int = 1000) -> Sequence[AuditEntry]:
    """The newest lines first, for one certificate or for all, as far as scope may read them."""
    return session.scalars(lines(AuditFilter(number=number), scope=scope, actors=actors).limit(limit)).all()


def entries_page(session: Session, wanted: AuditFilter, *, scope: Scope, actors: Iterable[str] = (),
                 page: int = 1, size: int = PAGE_SIZE) -> Page[AuditEntry]:
    return fetch_page(session, lines(wanted, scope=scope, actors=actors), page, size=size)


@dataclass(frozen=True)
class ChainCheck:
    """What verify() found: how many lines were checked, and the first that does not fit."""

    entries: int
    last_hash: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.reason is None

    def summary(self) -> str:
        if self.intact:
            return f"审计日志完整：共 {self.entries} 条，哈希链末端 {self.last_hash}"
        where = f"第 {self.broken_id} 号记录" if self.broken_id is not None else "日志末尾"
        return f"审计日志被篡改：{where}{self.reason}（已核对 {self.entries} 条）"


def _lines(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last)
                               .order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def verify(session: Session) -> ChainCheck:
    """Walk the chain from the first line: each line's link to the one before, its own hash, and
    the head's count and last hash (which show lines cut from the end)."""
    previous, checked = GENESIS, 0
    for line in _lines(session):
        if line.previous_hash != previous:
            return ChainCheck(checked, previous, line.id,
                              "与上一条记录不衔接（其前的记录被删除、插入或改动）")
        digest = entry_digest(previous, line.at, line.actor, line.action, line.certificate_number,
                              line.detail)
        if digest != line.entry_hash:
            return ChainCheck(checked, previous, line.id, "的内容与其哈希不符（记录被改动）")
        previous, checked = digest, checked + 1
    head = session.execute(select(_HEAD.c.entries, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).one_or_none()
    if head is None or head.entries != checked or head.last_hash != previous:
        return ChainCheck(checked, previous, None, "的记录被删除（与链末端记录不符）")
    return ChainCheck(checked, previous)


audit_cli = AppGroup("audit", help="审计日志")


@audit_cli.command("verify")
def verify_command() -> None:
    """校验审计日志的哈希链：指出第一条不符的记录（退出状态 1），并显示链末端的哈希。"""
    from .. import db

    with db.own_session(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
        check = verify(session)
    if not check.intact:
        raise click.ClickException(check.summary())
    click.echo(check.summary())


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
