"""Revoking a certificate: once, with the reason the public will see, in the audit log."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..dates import official_date
from ..errors import Conflict, InvalidData
from ..forms.base import FormModel, problems_from
from ..text import Text
from . import audit
from .models import STATUS_REVOKED, STATUS_VALID, Certificate, utcnow
from .records import CertificateRecord, checked_number, find
from .scope import Scope


class Revocation(FormModel):
    """Why a certificate is revoked."""

    reason: Text = Field(title="撤销原因", min_length=1, max_length=200)


def reason_of(data: Any) -> str:
    """The reason in data ({"reason": …}, as the API takes it), or InvalidData naming 撤销原因."""
    try:
        return Revocation.model_validate(data).reason
    except ValidationError as error:
        raise InvalidData(problems_from(error, Revocation)) from None


def revoke(session: Session, number: str, *, reason: str, actor: str, scope: Scope) -> CertificateRecord:
    """Revoke a valid certificate of scope, with the reason the public will see.

    NotFound for an unknown number or another issuer's certificate, Conflict if it is already
    revoked (the first revocation's date and reason stand), InvalidData for an empty or overlong
    reason.
    """
    number = checked_number(number)
    reason = reason_of({"reason": reason})
    try:
        # conditional on the status, so that two revocations at once cannot both succeed
        changed = session.execute(
            update(Certificate)
            .where(Certificate.number == number, Certificate.status == STATUS_VALID, scope.condition())
            .values(status=STATUS_REVOKED, revoked_at=utcnow(), revoke_reason=reason, revoked_by=actor)
        ).rowcount
        if changed:
            audit.record(session, actor, "revoke", number, reason=reason)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    current = find(session, number, scope=scope)
    if not changed:
        raise Conflict(f"证书 {number} 已于{official_date(current.revoked_on)}撤销，"
                       f"原因：{current.revoke_reason}", loc=("number",))
    return current
