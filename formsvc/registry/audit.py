"""The audit log: an append-only line for every issue, revocation and look-up of personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEntry

#: what the log records, in the words an auditor reads
ACTIONS: dict[str, str] = {
    "issue": "签发证书",
    "revoke": "撤销证书",
    "read": "查阅证书记录",
    "print": "下载证书 PDF",
    "bulk-issue": "批量签发",
    "bulk-lookup": "批量查询",
    "token-create": "创建访问令牌",
    "token-revoke": "吊销访问令牌",
}


def record(session: Session, actor: str, action: str, number: str | None = None, **detail: Any) -> None:
    """Add a line to the log in the caller's transaction: it is stored exactly when the act is."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEntry(actor=actor, action=action, certificate_number=number, detail=detail or None))


def entries(session: Session, *, number: str | None = None, limit: int = 1000) -> Sequence[AuditEntry]:
    """The newest lines first, for one certificate or for all."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if number is not None:
        query = query.where(AuditEntry.certificate_number == number)
    return session.scalars(query).all()
