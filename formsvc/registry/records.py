"""The certificates as the registry holds them: settings, records, reading one (audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ..clock import as_utc, china_date
from ..dates import official_date
from ..errors import InvalidData, NotFound
from ..forms.title_history import TitleRecord
from . import audit
from .models import STATUS_TEXT, STATUS_VALID, Certificate
from .numbers import NumberError, check_prefix, clean_number
from .scope import Scope

#: the twelve fields of a title record, in the order of the 采集表
RECORD_FIELDS: tuple[str, ...] = tuple(TitleRecord.model_fields)


@dataclass(frozen=True)
class RegistrySettings:
    """What issuing needs from the configuration."""

    prefix: str
    issuing_body: str
    public_url: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RegistrySettings:
        return cls(
            prefix=check_prefix(config["CERTIFICATE_PREFIX"]),
            issuing_body=config["ISSUING_BODY"],
            public_url=config["PUBLIC_URL"].rstrip("/"),
        )


@dataclass(frozen=True)
class CertificateRecord:
    """A certificate as the registry holds it (for its issuer; the public sees PublicCertificate)."""

    number: str
    code: str
    record: TitleRecord
    level: str
    status: str
    issuing_body: str
    issued_on: dt.date
    issued_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoke_reason: str | None = None
    revoked_by: str | None = None
    photo: bytes | None = None
    photo_type: str | None = None
    #: the public address configured when it was issued (None: issued before addresses were kept)
    public_url: str | None = None

    def base_url(self, settings: RegistrySettings) -> str:
        """The public address of this certificate's pages: the one it was issued under."""
        return self.public_url or settings.public_url

    def verify_url(self, settings: RegistrySettings) -> str:
        """What the QR code holds: the public page of the certificate, and nothing else."""
        return f"{self.base_url(settings)}/v/{self.code}"

    @property
    def valid(self) -> bool:
        return self.status == STATUS_VALID

    @property
    def revoked_on(self) -> dt.date | None:
        return china_date(self.revoked_at) if self.revoked_at else None

    def summary(self) -> str:
        state = STATUS_TEXT[self.status]
        if self.revoked_on:
            state += f"（{official_date(self.revoked_on)}：{self.revoke_reason}）"
        return f"{self.number} {self.record.name} {self.record.title}（{self.level}）{state}"

    def as_json(self, settings: RegistrySettings) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "status_text": STATUS_TEXT[self.status],
            **self.record.model_dump(mode="json"),
            "level": self.level,
            "issuing_body": self.issuing_body,
            "issued_on": self.issued_on.isoformat(),
            "issued_by": self.issued_by,
            "created_at": as_utc(self.created_at).isoformat(),
            "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
            "revoke_reason": self.revoke_reason,
            "has_photo": self.photo_type is not None,
            "verify_url": self.verify_url(settings),
        }


def record_values(record: TitleRecord) -> dict[str, Any]:
    """The twelve fields as Python values (model_dump would turn the dates into text)."""
    return {name: getattr(record, name) for name in RECORD_FIELDS}


def record_of(row: Certificate) -> TitleRecord:
    # the stored values were checked when issued: no need to validate them again
    return TitleRecord.model_construct(**{name: getattr(row, name) for name in RECORD_FIELDS})


def certificate_record(row: Certificate, *, with_photo: bool = False) -> CertificateRecord:
    return CertificateRecord(
        number=row.number, code=row.code, record=record_of(row), level=row.level, status=row.status,
        issuing_body=row.issuing_body, issued_on=row.issued_on, issued_by=row.issued_by,
        created_at=row.created_at, revoked_at=row.revoked_at, revoke_reason=row.revoke_reason,
        revoked_by=row.revoked_by, photo=row.photo if with_photo else None, photo_type=row.photo_type,
        public_url=row.public_url,
    )


def checked_number(number: str) -> str:
    """The certificate number, or InvalidData naming 证书编号 (a wrong check character included)."""
    try:
        return clean_number(number)
    except NumberError as error:
        raise InvalidData(f"证书编号{error}", loc=("number",)) from None


def find(session: Session, number: str, *, scope: Scope, with_photo: bool = False) -> CertificateRecord:
    """The certificate with this number; NotFound if scope has none (another issuer's
    certificate is answered exactly like a missing one)."""
    number = checked_number(number)
    query = scope.certificates(select(Certificate).where(Certificate.number == number))
    if with_photo:
        query = query.options(undefer(Certificate.photo))
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFound(f"没有编号为 {number} 的证书", loc=("number",))
    return certificate_record(row, with_photo=with_photo)


def read(session: Session, number: str, *, scope: Scope, actor: str) -> CertificateRecord:
    """The certificate with this number, for actor, who is recorded in the audit log as having
    read it (its full identity number and birth date); NotFound like find."""
    certificate = find(session, number, scope=scope)
    audit.record(session, actor, "read", certificate.number)
    session.commit()
    return certificate
