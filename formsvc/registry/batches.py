"""Which certificates a bulk job (批次) covered, in sheet order, and which of them it issued.

A job's inputs are removed once it is done, so the batch's list is kept here: written in the same
transaction that issues the chunk (issuing.issue_many), so that a chunk issued again after a crash
keeps what the first issue found (new or already issued) rather than calling everything existing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, Select, exists, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base
from .models import Certificate

if TYPE_CHECKING:
    from .issuing import Issued


class BatchCertificate(Base):
    """One row of a batch: the certificate it became, and whether the batch issued it.

    (jobs.id is the jobs layer's table, above the registry: it is named, not imported; formsvc.models
    brings both into the metadata.)"""

    __tablename__ = "batch_certificates"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    place: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    #: issued by this batch (True), or issued before and only printed again (False)
    created: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class BatchPlace:
    """Where issued certificates belong: a job's chunk (the places follow the chunk's rows)."""

    job_id: str
    chunk: int


def add(session: Session, place: BatchPlace, issued: Sequence[Issued]) -> None:
    """Record the chunk's certificates, unless an earlier issue of the same chunk did."""
    if session.scalar(select(exists().where(BatchCertificate.job_id == place.job_id,
                                            BatchCertificate.chunk == place.chunk))):
        return
    ids = dict(session.execute(select(Certificate.number, Certificate.id).where(
        Certificate.number.in_({i.certificate.number for i in issued}))).all())
    session.add_all(
        BatchCertificate(job_id=place.job_id, chunk=place.chunk, place=index,
                         certificate_id=ids[i.certificate.number], created=i.created)
        for index, i in enumerate(issued)
    )


def certificate_ids(job_id: str) -> Select[tuple[int]]:
    """The ids of the batch's certificates, for a WHERE … IN."""
    return select(BatchCertificate.certificate_id).where(BatchCertificate.job_id == job_id)


def certificate_numbers(job_id: str) -> Select[tuple[str]]:
    """The numbers of the batch's certificates, for a WHERE … IN on the audit log."""
    return select(Certificate.number).where(Certificate.id.in_(certificate_ids(job_id)))


@dataclass(frozen=True)
class BatchCounts:
    """How many of a batch's certificates it issued, and how many it found issued before."""

    new: int
    existing: int

    @property
    def total(self) -> int:
        return self.new + self.existing


def counts(session: Session, job_id: str) -> BatchCounts:
    found = dict(session.execute(
        select(BatchCertificate.created, func.count()).where(BatchCertificate.job_id == job_id)
        .group_by(BatchCertificate.created)).all())
    return BatchCounts(found.get(True, 0), found.get(False, 0))
