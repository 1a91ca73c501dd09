"""Corrections (更正): a certificate whose data were wrong is replaced by a corrected one.

The corrected certificate is a new one (new number, new code, signed anew); the old one is revoked
in the same transaction with the reason the public sees, and points to its replacement
(superseded_by), so that its QR code, its verification by upload and the office page all say
which certificate holds now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image
from pydantic import Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import Conflict, InvalidData, NotFound
from ..forms.base import FormModel, problems_from
from ..images import Photo
from ..text import Text
from . import audit, issuing, records
from .issuing import CertificateRequest
from .models import STATUS_REVOKED, STATUS_VALID, Certificate, utcnow
from .records import CertificateRecord, RegistrySettings
from .scope import Scope

#: what superseded_by holds while the corrected certificate is being issued (never committed)
_PENDING = "-"


class Correction(FormModel):
    """Why a certificate is corrected."""

    reason: Text = Field(title="更正原因", min_length=1, max_length=120)


@dataclass(frozen=True)
class Corrected:
    """The certificate replaced and the one that replaces it."""

    old: CertificateRecord
    new: CertificateRecord

    def summary(self) -> str:
        return f"证书 {self.old.number} 已更正，由 {self.new.number} 取代"


def superseded_reason(reason: str, number: str) -> str:
    return f"已更正（{reason}），由更正后的证书 {number} 取代"


def stored_photo(data: bytes, mimetype: str | None) -> Photo:
    """A photo as the registry keeps it (checked and prepared when it was issued)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    return Photo(data, width, height, mimetype or "image/jpeg")


def correct(session: Session, number: str, request: CertificateRequest, *, reason: str, actor: str,
            settings: RegistrySettings, scope: Scope, today: dt.date | None = None) -> Corrected:
    """Issue request as the correction of certificate number and revoke that one, at once.

    NotFound outside scope, Conflict for a certificate already revoked or corrected, InvalidData
    for a request that could not be issued or that changes nothing.
    """
    number = records.checked_number(number)
    try:
        reason = Correction.model_validate({"reason": reason}).reason
    except ValidationError as error:
        raise InvalidData(problems_from(error, Correction)) from None
    errors = issuing.problems_of(request)[0]
    if errors:
        raise InvalidData(errors)
    try:
        row = session.scalars(scope.certificates(
            select(Certificate).where(Certificate.number == number).with_for_update())).one_or_none()
        if row is None:
            raise NotFound(f"没有编号为 {number} 的证书", loc=("number",))
        if row.status != STATUS_VALID:
            raise Conflict(f"证书 {number} 已撤销，不能更正" + (
                f"（已由 {row.superseded_by} 取代）" if row.superseded_by else ""), loc=("number",))
        if request.photo is None and row.photo is not None:
            # the data are corrected, not the person: the photo stays unless a new one is sent
            request = dataclasses.replace(request, photo=stored_photo(row.photo, row.photo_type))
        before = records.certificate_record(row)
        if before.record == request.record and (request.level in (None, before.level)):
            raise InvalidData("更正后的数据与原证书完全相同：请修改有误的项目", loc=("record",))
        # out of the way of the record key first, so that the correction may keep it
        row.superseded_by = _PENDING
        session.flush()
        [issued] = issuing._issue_once(session, [request], actor=actor, scope=scope, settings=settings,
                                       today=today or clock.china_today(), batch=None)
        if not issued.created:
            raise Conflict(f"更正后的数据与已有证书 {issued.certificate.number} 相同", loc=("record",))
        new = issued.certificate
        row.superseded_by = new.number
        row.status = STATUS_REVOKED
        row.revoked_at = utcnow()
        row.revoke_reason = superseded_reason(reason, new.number)
        row.revoked_by = actor
        audit.record(session, actor, "correct", number, reason=reason, corrected_by=new.number)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Corrected(records.find(session, number, scope=scope), new)


def links(session: Session, number: str) -> tuple[str | None, str | None]:
    """(the certificate that superseded number, the one number corrected), either may be None."""
    superseded_by = session.scalar(select(Certificate.superseded_by).where(Certificate.number == number))
    corrects = session.scalar(select(Certificate.number).where(Certificate.superseded_by == number))
    return superseded_by, corrects
