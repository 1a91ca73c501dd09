"""The registry's tables: certificates, their serial counters, issuers (API tokens), the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db import Base

#: status values as stored, and as the public reads them
STATUS_VALID = "valid"
STATUS_REVOKED = "revoked"
STATUS_TEXT = {STATUS_VALID: "有效", STATUS_REVOKED: "已撤销"}

Timestamp = DateTime(timezone=True)

#: the scopes of a token made before tokens had scopes, and of a new one by default
ALL_SCOPES = "issue read revoke"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Certificate(Base):
    """One 职称电子证书: the 12 fields of its title record, and what issuing added to them."""

    __tablename__ = "certificates"
    __table_args__ = (
        # the same person, title and approval is the same certificate: re-issuing finds it; a
        # certificate superseded by its correction (更正) steps aside for the corrected one
        Index("uq_certificates_record", "id_number", "title", "approval_number", unique=True,
              sqlite_where=text("superseded_by IS NULL"), postgresql_where=text("superseded_by IS NULL")),
        CheckConstraint(f"status IN ('{STATUS_VALID}', '{STATUS_REVOKED}')", name="status"),
        CheckConstraint(
            f"(status = '{STATUS_VALID}' AND revoked_at IS NULL AND revoke_reason IS NULL)"
            f" OR (status = '{STATUS_REVOKED}' AND revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name="revocation",
        ),
        CheckConstraint("level IN ('初级', '中级', '副高级', '正高级')", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(32))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)

    name: Mapped[str] = mapped_column(String(30))
    gender: Mapped[str] = mapped_column(String(2))
    document_type: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(30))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    series: Mapped[str] = mapped_column(String(20))
    speciality: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(20))
    committee: Mapped[str] = mapped_column(String(50))
    approver: Mapped[str] = mapped_column(String(50))
    approval_number: Mapped[str] = mapped_column(String(40))
    approval_date: Mapped[dt.date] = mapped_column(Date)

    level: Mapped[str] = mapped_column(String(4))
    # photos are only read for printing: verification never loads them
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    photo_type: Mapped[str | None] = mapped_column(String(20), nullable=True)

    #: the body printed on the certificate, kept as issued so a reprint shows the same
    issuing_body: Mapped[str] = mapped_column(String(100))
    #: the public address configured when it was issued: its QR code keeps pointing there on a
    #: reprint (none for certificates issued before addresses were kept: today's is used)
    public_url: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: indexed: the office's register is filtered by issue date
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    issued_by: Mapped[str] = mapped_column(String(100))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id"), nullable=True)

    status: Mapped[str] = mapped_column(String(8), default=STATUS_VALID)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: the number of the corrected certificate that replaced this one (更正), if any
    superseded_by: Mapped[str | None] = mapped_column(String(40), nullable=True)

    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow
    )


class CertificateSerial(Base):
    """The last serial handed out per prefix and year: numbers come from here, never reused."""

    __tablename__ = "certificate_serials"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(BigInteger, default=0)


class Issuer(Base):
    """Who issues certificates and owns them: a named API token, kept only as its digest."""

    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, so that a person can tell tokens apart in `token list`
    token_hint: Mapped[str] = mapped_column(String(12))
    #: what the token may do: space-separated names of tokens.SCOPES
    scopes: Mapped[str] = mapped_column(String(40), server_default=ALL_SCOPES)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)


class AuditEntry(Base):
    """One line of the audit log: who did what to which certificate, when. Never changed."""

    __tablename__ = "audit_log"
    # the office's log is filtered by certificate, by time and by who acted
    __table_args__ = (Index("ix_audit_log_certificate", "certificate_number"),
                      Index("ix_audit_log_at", "at"), Index("ix_audit_log_actor", "actor"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    certificate_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: the hash chain that makes tampering evident: the entry_hash of the line before (zeros for
    #: the first), and this line's own, over that and its content (audit.entry_digest)
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """The end of the audit chain (one row): how many lines, the last one's hash. Appending takes
    its row lock, so that lines are chained one after another even from concurrent transactions."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class RateWindow(Base):
    """Requests per client and time window, shared by every worker through the database."""

    __tablename__ = "rate_windows"
    __table_args__ = (Index("ix_rate_windows_start", "window_start"),)

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
