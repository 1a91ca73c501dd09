"""Finding certificates for the office: by number, identity number (whole, or its last digits)
or name, narrowed by issue date, batch, who issued and status; a page at a time, or all for export.

Only the office searches like this: the public verifies by code, or by number and name together
(verifying.py), never by part of an identity number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from .batches import BatchCertificate, certificate_ids
from .models import STATUS_TEXT, Certificate
from .paging import PAGE_SIZE, Page, fetch_page
from .records import CertificateRecord, certificate_record
from .scope import Scope

SEARCH_LIMIT = 100
#: the last 4 to 6 characters of an identity number (its check character may be X): what a
#: clerk reads out from a photocopy, or what a caller gives on the telephone
PARTIAL_ID_NUMBER = re.compile(r"\d{3,5}[\dX]")
#: rows read from the database at once when a whole list is exported
STREAM_BATCH = 1000


@dataclass(frozen=True)
class CertificateFilter:
    """What the office looks for: any of text (name, number, identity number), an issue date
    range (inclusive), a batch (bulk job id), who issued (as the audit log names them), a status."""

    text: str = ""
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    job: str | None = None
    operator: str | None = None
    status: str | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything at all is asked for (else the whole register is listed)."""
        return any((self.cleaned_text, self.issued_from, self.issued_to, self.job, self.operator,
                    self.status))

    @property
    def cleaned_text(self) -> str:
        # spaces typed between the characters of a name or a number are not part of it
        return "".join(self.text.split())


def _text_condition(text: str) -> ColumnElement[bool]:
    """A number is matched whole (a clerk types it from a certificate or a sheet), a name in part
    (people are asked for by surname as often as by full name), an identity number whole or by
    its last 4–6 characters."""
    # LIKE wildcards in the input are literal characters of a name, never patterns
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = [
        Certificate.number == text.upper(),
        Certificate.id_number == text.upper(),
        Certificate.name.like(f"%{escaped}%", escape="\\"),
    ]
    if PARTIAL_ID_NUMBER.fullmatch(text.upper()):
        matches.append(Certificate.id_number.like(f"%{text.upper()}"))
    return or_(*matches)


def conditions(wanted: CertificateFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if wanted.cleaned_text:
        found.append(_text_condition(wanted.cleaned_text))
    if wanted.issued_from is not None:
        found.append(Certificate.issued_on >= wanted.issued_from)
    if wanted.issued_to is not None:
        found.append(Certificate.issued_on <= wanted.issued_to)
    if wanted.job is not None:
        found.append(Certificate.id.in_(certificate_ids(wanted.job)))
    if wanted.operator is not None:
        found.append(Certificate.issued_by == wanted.operator)
    if wanted.status is not None:
        if wanted.status not in STATUS_TEXT:
            raise ValueError(f"unknown status {wanted.status!r}")
        found.append(Certificate.status == wanted.status)
    return found


def register(wanted: CertificateFilter, scope: Scope) -> Select[Any]:
    """The certificates of scope that wanted describes, newest first."""
    return scope.certificates(select(Certificate)).where(*conditions(wanted)).order_by(Certificate.id.desc())


def search_page(session: Session, wanted: CertificateFilter, *, scope: Scope, page: int = 1,
                size: int = PAGE_SIZE) -> Page[CertificateRecord]:
    return fetch_page(session, register(wanted, scope), page, size=size, convert=certificate_record)


def search(session: Session, text: str, *, scope: Scope,
           limit: int = SEARCH_LIMIT) -> list[CertificateRecord]:
    """Certificates of scope that text finds (see _text_condition), newest first, at most limit."""
    wanted = CertificateFilter(text=text)
    if not wanted.cleaned_text:
        return []
    return [certificate_record(row) for row in session.scalars(register(wanted, scope).limit(limit))]


def each(session: Session, query: Select[Any]) -> Iterator[CertificateRecord]:
    """Every certificate query selects, read STREAM_BATCH rows at a time (a server-side cursor
    on PostgreSQL): an export of the whole register does not hold it in memory."""
    for row in session.scalars(query.execution_options(yield_per=STREAM_BATCH)):
        yield certificate_record(row)


@dataclass(frozen=True)
class BatchEntry:
    """A row of a batch's list: its certificate, and whether the batch issued it or found it."""

    certificate: CertificateRecord
    created: bool


def batch(job_id: str, scope: Scope) -> Select[Any]:
    """The certificates of the batch job_id in sheet order, as far as scope may see them, with
    whether the batch issued each."""
    return (
        scope.certificates(select(Certificate, BatchCertificate.created))
        .join(BatchCertificate, BatchCertificate.certificate_id == Certificate.id)
        .where(BatchCertificate.job_id == job_id)
        .order_by(BatchCertificate.chunk, BatchCertificate.place)
    )


def batch_entries(session: Session, query: Select[Any]) -> Iterator[BatchEntry]:
    """Every row of a batch query, read like each()."""
    for row, created in session.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield BatchEntry(certificate_record(row), created)
