"""Issuing certificates: checking what is to be issued, conflicts, serial numbers, one
transaction per batch.

Every function takes a SQLAlchemy Session and does its own commit, so that a certificate and the
audit line that records it are stored together or not at all. The session must not hold other
unfinished work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, undefer

from ..clock import china_today
from ..errors import Conflict, InvalidData, Loc, Problem
from ..forms.base import FindingsBuilder, title_of
from ..forms.title_history import TitleRecord, check_record
from ..produce import unprintable
from . import audit, batches
from .batches import BatchPlace
from .levels import TITLE_LEVELS, TitleLevel, level_of
from .models import STATUS_VALID, Certificate, CertificateSerial
from .numbers import make_number, new_code, secret_digest
from .records import (
    RECORD_FIELDS,
    CertificateRecord,
    RegistrySettings,
    certificate_record,
    record_values,
)
from .scope import Scope

if TYPE_CHECKING:
    from ..images import Photo

#: how often an issue is retried when a concurrent issuer stored the same record first
ISSUE_ATTEMPTS = 5


@dataclass(frozen=True)
class CertificateRequest:
    """What to issue: a checked title record, its photo if any, its level if the data give it."""

    record: TitleRecord
    photo: Photo | None = None
    level: TitleLevel | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.record.id_number, self.record.title, self.record.approval_number)


@dataclass(frozen=True)
class Issued:
    """The certificate for one request, and whether this request created it."""

    certificate: CertificateRecord
    created: bool


def resolve_level(request: CertificateRequest) -> TitleLevel | None:
    return request.level or level_of(request.record.title)


def problems_of(request: CertificateRequest, loc: Loc = ()) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) that keep a request from becoming a certificate.

    The record's own rules (identity number against 性别/出生日期, dates), a level the title
    name does not reveal, and characters the certificate could not print.
    """
    found = FindingsBuilder()
    check_record(found, loc, request.record)
    if resolve_level(request) is None:
        found.error((*loc, "level"), f"无法从职称名称「{request.record.title}」判断级别，"
                                     f"请填写级别（{'、'.join(TITLE_LEVELS)}）")
    for problem in unprintable(request.record):
        found.error((*loc, *problem.loc), problem.msg)
    findings = found.done()
    return list(findings.errors), list(findings.warnings)


def _differences(row: Certificate, record: TitleRecord) -> list[str]:
    return [
        title_of(TitleRecord, name) for name in RECORD_FIELDS if getattr(row, name) != getattr(record, name)
    ]


#: a record another issuer holds: a conflict that names neither that certificate nor its issuer
OTHER_ISSUER = "证件号码、职称名称、批准文号相同的证书已由其他签发单位签发，不能再次签发：请核对数据"


def _conflict(row: Certificate, record: TitleRecord, loc: Loc, scope: Scope) -> Problem | None:
    """Why request cannot have the registered row, or None when it is the same certificate."""
    if not scope.owns(row.issuer_id):
        return Problem(loc, OTHER_ISSUER)
    labels = "、".join(_differences(row, record))
    if not labels:
        return None
    return Problem(loc, f"证件号码、职称名称、批准文号相同的证书已存在（证书编号 {row.number}），"
                        f"但{labels}与之不符：请核对数据")


_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _allocate_serials(session: Session, prefix: str, year: int, count: int) -> range:
    """count fresh serials for prefix and year, locked until the caller's transaction ends.

    The counter row is the first thing the transaction writes: on PostgreSQL concurrent issuers
    queue on its row lock, on SQLite on the database's write lock, so two transactions never
    see the same last_serial, and a rolled-back transaction gives its serials back unpublished.
    """
    insert = _INSERT[session.get_bind().dialect.name]
    session.execute(
        insert(CertificateSerial).values(prefix=prefix, year=year, last_serial=0).on_conflict_do_nothing()
    )
    last = session.execute(
        update(CertificateSerial)
        .where(CertificateSerial.prefix == prefix, CertificateSerial.year == year)
        .values(last_serial=CertificateSerial.last_serial + count)
        .returning(CertificateSerial.last_serial)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def _registered(session: Session, requests: Sequence[CertificateRequest], *,
                with_photo: bool = False) -> dict[tuple[str, str, str], Certificate]:
    """The certificates already issued for any of the requests' people, by record key."""
    ids = sorted({r.record.id_number for r in requests})
    existing: dict[tuple[str, str, str], Certificate] = {}
    for start in range(0, len(ids), 500):
        query = select(Certificate).where(Certificate.id_number.in_(ids[start:start + 500]),
                                          Certificate.superseded_by.is_(None))
        if with_photo:
            query = query.options(undefer(Certificate.photo))
        existing.update({(r.id_number, r.title, r.approval_number): r for r in session.scalars(query)})
    return existing


def registered_count(session: Session, requests: Sequence[CertificateRequest]) -> int:
    """How many of the requests the registry already holds (issuing them finds those)."""
    existing = _registered(session, requests)
    return len({r.key for r in requests} & existing.keys())


def _conflicts(existing: Mapping[tuple[str, str, str], Certificate],
               requests: Sequence[CertificateRequest], scope: Scope) -> list[Problem]:
    found = (_conflict(existing[r.key], r.record, (index,), scope)
             for index, r in enumerate(requests) if r.key in existing)
    return [problem for problem in found if problem is not None]


def conflicts(session: Session, requests: Sequence[CertificateRequest], scope: Scope) -> list[Problem]:
    """Requests the registry holds under the same 证件号码 + 职称名称 + 批准文号 with other details,
    or outside scope (loc starts with the request's index): what issue_many would refuse, found
    before issuing."""
    return _conflicts(_registered(session, requests), requests, scope)


def _issue_once(
    session: Session, requests: Sequence[CertificateRequest], *, actor: str, scope: Scope,
    settings: RegistrySettings, today: dt.date, batch: BatchPlace | None,
) -> list[Issued]:
    existing = _registered(session, requests, with_photo=True)
    conflicts = _conflicts(existing, requests, scope)
    fresh: dict[tuple[str, str, str], CertificateRequest] = {}
    for index, request in enumerate(requests):
        if request.key in existing:
            continue
        first = fresh.setdefault(request.key, request)
        if first is not request and first.record != request.record:
            # the same record twice in one batch, with different details: neither can be right
            conflicts.append(Problem((index,), "与本批中证件号码、职称名称、批准文号相同的另一条记录不一致"))
    if conflicts:
        raise Conflict(conflicts)
    if fresh:
        serials = _allocate_serials(session, settings.prefix, today.year, len(fresh))
        for serial, request in zip(serials, fresh.values(), strict=True):
            code = new_code()
            row = Certificate(
                number=make_number(settings.prefix, today.year, serial),
                code=code,
                code_digest=secret_digest(code),
                **record_values(request.record),
                level=resolve_level(request),
                photo=request.photo.data if request.photo else None,
                photo_type=request.photo.mimetype if request.photo else None,
                issuing_body=settings.issuing_body,
                public_url=settings.public_url,
                issued_on=today,
                issued_by=actor,
                issuer_id=scope.issuer_id,
                status=STATUS_VALID,
            )
            session.add(row)
            existing[request.key] = row
        session.flush()
        for request in fresh.values():
            audit.record(session, actor, "issue", existing[request.key].number,
                         title=request.record.title, level=existing[request.key].level)
    created = {id(existing[key]) for key in fresh}
    results = []
    for request in requests:
        row = existing[request.key]
        results.append(Issued(certificate_record(row, with_photo=True), id(row) in created))
        created.discard(id(row))  # a record repeated in the batch is created once
    if batch is not None:
        batches.add(session, batch, results)
    return results


def issue_many(
    session: Session, requests: Sequence[CertificateRequest], *, actor: str, settings: RegistrySettings,
    scope: Scope, today: dt.date | None = None, batch: BatchPlace | None = None,
) -> list[Issued]:
    """Issue a certificate for each request, in order, in one transaction; idempotent.

    With batch (a bulk job's chunk), the certificates are recorded as that chunk's in the same
    transaction (batches.add).

    New certificates belong to scope's issuer. A request whose 证件号码 + 职称名称 + 批准文号 is
    already registered in scope gets the existing certificate (created=False). Raises InvalidData
    (loc starts with the request's index) when a request cannot become a certificate, Conflict
    when the registry holds the same key with other details or for another issuer; then nothing
    is issued.
    """
    errors = [p for index, r in enumerate(requests) for p in problems_of(r, (index,))[0]]
    if errors:
        raise InvalidData(errors)
    today = today or china_today()
    for attempt in range(ISSUE_ATTEMPTS):
        try:
            results = _issue_once(session, requests, actor=actor, scope=scope,
                                  settings=settings, today=today, batch=batch)
            session.commit()
            return results
        except (IntegrityError, OperationalError):
            # another issuer registered one of these records after we looked (the unique
            # constraint caught it), or SQLite's write lock timed out: look again
            session.rollback()
            if attempt == ISSUE_ATTEMPTS - 1:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def issue(
    session: Session, request: CertificateRequest, *, actor: str, settings: RegistrySettings,
    scope: Scope, today: dt.date | None = None,
) -> Issued:
    """Issue one certificate (or find the one already issued for the same record).

    Raises like issue_many, with locations relative to the request.
    """
    try:
        return issue_many(session, [request], actor=actor, settings=settings, scope=scope,
                          today=today)[0]
    except (InvalidData, Conflict) as error:
        raise type(error)([Problem(p.loc[1:], p.msg) for p in error.problems]) from None
