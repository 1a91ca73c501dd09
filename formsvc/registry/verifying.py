"""Verifying a certificate, as anyone may: by its QR code, or by 证书编号 + 姓名."""

from __future__ import annotations

import datetime as dt
import hmac
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ..clock import china_date
from ..dates import official_date
from ..identity import mask_identity_number
from .models import STATUS_TEXT, STATUS_VALID, Certificate
from .numbers import plausible_code, secret_digest
from .records import checked_number


@dataclass(frozen=True)
class PublicCertificate:
    """What anyone holding the code may see: no full identity number, birth date or photo."""

    number: str
    name: str
    id_number_masked: str
    series: str
    speciality: str
    title: str
    level: str
    committee: str
    approver: str
    approval_number: str
    approval_date: dt.date
    issuing_body: str
    issued_on: dt.date

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "id_number_masked": self.id_number_masked,
            "series": self.series,
            "speciality": self.speciality,
            "title": self.title,
            "level": self.level,
            "committee": self.committee,
            "approver": self.approver,
            "approval_number": self.approval_number,
            "approval_date": self.approval_date.isoformat(),
            "issuing_body": self.issuing_body,
            "issued_on": self.issued_on.isoformat(),
        }


NOT_FOUND = "not_found"
VERIFICATION_TEXT = {**STATUS_TEXT, NOT_FOUND: "未找到"}


@dataclass(frozen=True)
class Verification:
    """The answer to 'is this certificate genuine and valid?': status first, then the public fields."""

    status: str
    certificate: PublicCertificate | None = None
    revoked_on: dt.date | None = None
    revoke_reason: str | None = None

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def valid(self) -> bool:
        return self.status == STATUS_VALID

    @property
    def status_text(self) -> str:
        return VERIFICATION_TEXT[self.status]

    def summary(self) -> str:
        if self.certificate is None:
            return "未找到：证书不存在，或查验码、证书编号、姓名有误"
        c = self.certificate
        text = f"{self.status_text}：{c.name} {c.title}（{c.level}），证书编号 {c.number}"
        if self.revoked_on:
            text += f"，已于{official_date(self.revoked_on)}撤销，原因：{self.revoke_reason}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "status_text": self.status_text,
            "summary": self.summary(),
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
            "revoke_reason": self.revoke_reason,
            "certificate": self.certificate.as_json() if self.certificate else None,
        }


#: the columns a verification reads: what the public sees, the code to compare, the status
PUBLIC_COLUMNS: tuple[str, ...] = (
    "code", "number", "name", "document_type", "id_number", "series", "speciality", "title", "level",
    "committee", "approver", "approval_number", "approval_date", "issuing_body", "issued_on", "status",
    "revoked_at", "revoke_reason",
)
# Verification is the public service's hot path (every scan of a QR code): plain Core statements
# on the table, built once, run on the session's connection, cost a tenth of an ORM query
_TABLE = Certificate.__table__
_PUBLIC = select(*(_TABLE.c[name] for name in PUBLIC_COLUMNS))
_BY_CODE = _PUBLIC.where(_TABLE.c.code_digest == bindparam("digest"))
_BY_NUMBER = _PUBLIC.where(_TABLE.c.number == bindparam("number"))


def _verification(row: Any) -> Verification:
    public = PublicCertificate(
        number=row.number, name=row.name,
        id_number_masked=mask_identity_number(row.id_number, row.document_type),
        series=row.series, speciality=row.speciality, title=row.title, level=row.level,
        committee=row.committee, approver=row.approver, approval_number=row.approval_number,
        approval_date=row.approval_date, issuing_body=row.issuing_body, issued_on=row.issued_on,
    )
    revoked_on = china_date(row.revoked_at) if row.revoked_at else None
    return Verification(row.status, public, revoked_on, row.revoke_reason)


def _connection(source: Session | Connection) -> Connection:
    return source.connection() if isinstance(source, Session) else source


def verify(session: Session | Connection, code: str) -> Verification:
    """What the QR code's page shows: the certificate with this verification code, if any."""
    if not plausible_code(code):
        return Verification(NOT_FOUND)  # forged or truncated: not worth a query
    row = _connection(session).execute(_BY_CODE, {"digest": secret_digest(code)}).one_or_none()
    if row is None or not hmac.compare_digest(row.code.encode(), code.encode()):
        return Verification(NOT_FOUND)
    return _verification(row)


def same_name(given: str, registered: str) -> bool:
    def canonical(name: str) -> bytes:
        return unicodedata.normalize("NFC", "".join(name.split())).encode("utf-8")

    return hmac.compare_digest(canonical(given), canonical(registered))


def look_up(session: Session | Connection, number: str, name: str) -> Verification:
    """Verification by 证书编号 + 姓名 (the /verify form): both must match, else 未找到.

    A number with a wrong check character raises InvalidData naming 证书编号, so that a typing
    mistake is told apart from a certificate that does not exist.
    """
    number = checked_number(number)
    row = _connection(session).execute(_BY_NUMBER, {"number": number}).one_or_none()
    if row is None or not same_name(name, row.name):
        return Verification(NOT_FOUND)
    return _verification(row)
