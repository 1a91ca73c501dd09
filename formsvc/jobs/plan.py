"""Planning a bulk job: the whole sheet and its photos checked first, then staged in chunks.

Nothing is issued for a sheet with any error: every problem comes back at once, located by sheet
row and column. A valid sheet is written to the job's folder as one JSON line per row (with the
offset of each chunk's first line kept in the database), its photos beside it, so that any worker
on any machine sharing the folder can pick up any chunk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidData, InvalidImage, Problem
from ..forms import title_history
from ..images import Photo, prepare_photo
from ..registry import issuing
from ..registry.issuing import CertificateRequest
from ..registry.scope import Scope
from ..sheets.photos import read_photo_archive
from ..sheets.reader import ImportResult, locate, read_rows
from .models import QUEUED, Job, JobChunk

SPEC = title_history.SPEC
PHOTOS_LOC = ("photos",)
ROWS_FILE = "rows.jsonl"
PHOTO_DIR = "photos"
#: the end of the error on a row that repeats an earlier one
SAME_CERTIFICATE = f"是同一证书（{title_history.RECORD_KEY}相同）"


@dataclass(frozen=True)
class Plan:
    """A checked sheet ready to become a job: its records in sheet order, and their photos."""

    rows: tuple[title_history.TitleRecord, ...]
    row_numbers: tuple[int, ...]
    photos: Mapping[str, Photo]
    warnings: tuple[Problem, ...]
    #: rows whose certificate the registry already holds: printed again, not issued again
    existing: int = 0

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def new(self) -> int:
        """Rows that will become new certificates."""
        return self.total - self.existing

    def summary(self) -> str:
        return f"{self.total} 条职称数据，{len(self.photos)} 张照片，{len(self.warnings)} 条提示"


def read_photos(content: bytes) -> tuple[dict[str, Photo], list[Problem]]:
    """The photos of a ZIP named by 证件号码 (420102199003071234.jpg), each checked as a photo."""
    archive = read_photo_archive(content, loc=PHOTOS_LOC)
    photos: dict[str, Photo] = {}
    problems = list(archive.problems)
    for number, (name, data) in archive.photos.items():
        try:
            photos[number] = prepare_photo(data, label=f"照片 {name}", loc=(*PHOTOS_LOC, name))
        except InvalidImage as error:
            problems.extend(error.problems)
    return photos, problems


def _certificate_problems(session: Session, result: ImportResult, photos: Mapping[str, Photo],
                          scope: Scope) -> list[Problem]:
    """What keeps valid rows from becoming certificates: an unknown level, an unprintable
    character, the same certificate twice in the sheet, a clash with the registry (another
    issuer's certificate among them, named by no one)."""
    rows = result.rows
    numbers = result.row_numbers
    requests = [CertificateRequest(row) for row in rows]  # type: ignore[arg-type]
    found: list[Problem] = []
    first_row: dict[tuple[str, str, str], int] = {}
    for index, request in enumerate(requests):
        for problem in issuing.problems_of(request, (index,))[0]:
            found.append(Problem(("rows", numbers[index], *problem.loc[1:]), problem.msg))
        earlier = first_row.setdefault(request.key, numbers[index])
        if earlier != numbers[index]:
            found.append(Problem(("rows", numbers[index], "id_number"), f"与第{earlier}行{SAME_CERTIFICATE}"))
    for problem in issuing.conflicts(session, requests, scope):
        index = int(problem.loc[0])
        found.append(Problem(("rows", numbers[index], "id_number"), problem.msg))
    problems = locate(SPEC, sorted(found, key=lambda p: int(p.loc[1]))) if found else []
    people = {r.record.id_number for r in requests}
    problems.extend(
        Problem((*PHOTOS_LOC, number), f"照片 {number} 的证件号码不在表中")
        for number in sorted(set(photos) - people)
    )
    return problems


def check(session: Session, sheet: bytes, photos_zip: bytes | None = None, *, scope: Scope) -> Plan:
    """The sheet and photos as a Plan to issue in scope, or InvalidData with every problem found
    in both."""
    result = read_rows(SPEC, sheet)
    photos, photo_problems = read_photos(photos_zip) if photos_zip else ({}, [])
    errors = list(result.errors)
    # the rows that passed the sheet's own checks are checked as certificates too, so that one
    # answer lists every problem
    errors.extend(_certificate_problems(session, result, photos, scope))
    errors.extend(photo_problems)
    # a row rule the sheet import applies (the identity number's check digit) is a certificate
    # rule too: the same problem found twice is listed once
    errors = list(dict.fromkeys(errors))
    errors.sort(key=lambda p: (p.loc[:1] != ("rows",), p.loc[1] if p.loc[:1] == ("rows",) and len(p.loc) > 1
                               else 0))
    # a row repeating an earlier one is an error here (one certificate per 证件号码, 职称名称 and
    # 批准文号): the sheet's 请确认不是重复录入 on the same row would say the same thing a second time
    repeated = {p.loc[:2] for p in errors if p.msg.endswith(SAME_CERTIFICATE)}
    warnings = tuple(w for w in result.warnings if not (len(w.loc) == 2 and w.loc in repeated))
    if errors:
        raise InvalidData(errors, warnings=warnings)
    existing = issuing.registered_count(session, [CertificateRequest(row) for row in result.rows])  # type: ignore[arg-type]
    return Plan(result.rows, result.row_numbers, photos, warnings, existing)  # type: ignore[arg-type]


def job_folder(output_dir: str | Path, job_id: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return Path(output_dir) / job_id


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def stage(session: Session, plan: Plan, *, output_dir: str | Path, chunk_size: int, source_name: str,
          actor: str, issuer_id: int | None, first_chunk_size: int | None = None) -> str:
    """Write the plan to a new job folder and register the job and its chunks; returns its id.

    The first chunk holds first_chunk_size rows (at most chunk_size), the others chunk_size: a
    small first chunk is done within a second or two, so the job shows progress at once.

    The folder is written under a temporary name and renamed, and the job row is committed only
    after that: a failure leaves neither a job without its rows nor rows without a job.
    """
    job_id = uuid.uuid4().hex
    final = job_folder(output_dir, job_id)
    staging = final.with_name(f".staging-{job_id}")
    staging.parent.mkdir(parents=True, exist_ok=True)
    # rows with identity numbers and photos: the service's user alone may read them
    staging.mkdir(mode=0o700)
    (staging / PHOTO_DIR).mkdir(mode=0o700)
    chunks: list[JobChunk] = []
    first = min(first_chunk_size or chunk_size, chunk_size)
    try:
        with open(staging / ROWS_FILE, "wb", opener=_private) as rows_file:
            for record, sheet_row in zip(plan.rows, plan.row_numbers, strict=True):
                if not chunks or chunks[-1].count == (first if len(chunks) == 1 else chunk_size):
                    chunks.append(JobChunk(job_id=job_id, index=len(chunks), offset=rows_file.tell(),
                                           count=0, finished=False))
                chunks[-1].count += 1
                photo = plan.photos.get(record.id_number)
                line: dict[str, Any] = {"row": sheet_row, "record": record.model_dump(mode="json")}
                if photo is not None:
                    with open(staging / PHOTO_DIR / f"{record.id_number}.jpg", "wb",
                              opener=_private) as photo_file:
                        photo_file.write(photo.data)
                    line["photo"] = [photo.width_px, photo.height_px]
                rows_file.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
        staging.rename(final)
        session.add(Job(id=job_id, state=QUEUED, total=plan.total, done=0, chunk_count=len(chunks),
                        source_name=source_name[:200], photo_count=len(plan.photos), created_by=actor,
                        issuer_id=issuer_id))
        session.flush()
        session.add_all(chunks)
        session.commit()
    except BaseException:
        session.rollback()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        raise
    return job_id


def read_chunk(folder: Path, chunk: JobChunk) -> list[CertificateRequest]:
    """The certificate requests of one chunk, read back from the job folder."""
    requests = []
    with open(folder / ROWS_FILE, "rb") as rows_file:
        rows_file.seek(chunk.offset)
        for _ in range(chunk.count):
            line = json.loads(rows_file.readline())
            record = title_history.TitleRecord.model_validate(line["record"])
            photo = None
            if "photo" in line:
                width, height = line["photo"]
                data = (folder / PHOTO_DIR / f"{record.id_number}.jpg").read_bytes()
                photo = Photo(data, width, height)
            requests.append(CertificateRequest(record, photo=photo))
    return requests


def pending_chunks(session: Session, job_id: str) -> Sequence[int]:
    from sqlalchemy import select

    return session.scalars(
        select(JobChunk.index).where(JobChunk.job_id == job_id, JobChunk.finished.is_(False))
        .order_by(JobChunk.index)
    ).all()
