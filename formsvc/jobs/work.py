"""The work of a bulk job: issue and print one chunk; once every chunk is done, join them.

Each step can run twice without harm — after a crash, or when two workers pick up the same chunk:
issuing is idempotent (the registry returns the certificate already issued for a record), files
appear under their names only when complete, and a chunk counts towards progress only once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from .. import db
from ..documents import RenderSettings
from ..registry import audit, batches, issuing
from ..registry.batches import BatchPlace
from ..registry.models import utcnow
from ..registry.printing import render_certificates, seal_from_config
from ..registry.records import RegistrySettings
from ..registry.scope import Scope
from ..render.compose import StreamingPdfWriter, single_pages
from ..signing import signed_pdf
from . import memory
from .files import ensure_free_space, folder_of, private, private_file, remove_inputs, write_atomically
from .models import DONE, FAILED, RUNNING, STATE_TEXT, UNFINISHED, Job, JobChunk
from .plan import read_chunk

log = logging.getLogger(__name__)

PRINT_PDF = "print.pdf"
SINGLES_ZIP = "certificates.zip"
CHUNK_DIR = "chunks"


def _chunk_files(folder: Path, index: int) -> tuple[Path, Path]:
    return folder / CHUNK_DIR / f"{index:05d}.pdf", folder / CHUNK_DIR / f"{index:05d}.zip"


@dataclass(frozen=True)
class JobStatus:
    """Where a job stands, as the API, the office page and the CLI show it."""

    id: str
    state: str
    total: int
    done: int
    source_name: str
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    #: certificates in the registry so far (done counts those also printed)
    issued: int = 0
    #: of those, the ones this job issued anew and the ones it found issued before (not issued
    #: twice), as its batch keeps them (registry/batches.py); None for jobs from before batches
    new: int | None = None
    existing: int | None = None

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED

    def summary(self) -> str:
        text = f"{self.state_text}：{self.done}/{self.total}（{self.progress:.0%}）"
        if self.issued > self.done:
            text += f"，已签发 {self.issued} 张（其中 {self.issued - self.done} 张尚未打印）"
        if self.existing:
            text += f"，{self.new_and_existing()}"
        return f"{text}，{self.error}" if self.error else text

    def new_and_existing(self) -> str:
        """How many of the certificates issued so far are new, and how many existed already."""
        if self.existing is None:
            return f"{self.issued} 张"
        if not self.existing:
            return f"新签发 {self.new} 张"
        return f"新签发 {self.new} 张，{self.existing} 张此前已签发（未重复签发）"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "state_text": self.state_text,
            "total": self.total,
            "done": self.done,
            "issued": self.issued,
            "new": self.new,
            "existing": self.existing,
            "progress": round(self.progress, 4),
            "source_name": self.source_name,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            # why a job failed, in words for the person who submitted it
            "error": self.error,
            "errors": [{"loc": [], "msg": self.error}] if self.error else [],
            "summary": self.summary(),
        }


def status(session: Session, job_id: str) -> JobStatus | None:
    job = session.get(Job, job_id)
    if job is None:
        return None
    issued = max(int(session.scalar(select(func.coalesce(func.sum(JobChunk.count), 0))
                                    .where(JobChunk.job_id == job_id, JobChunk.issued.is_(True)))),
                 job.done)
    batch = batches.counts(session, job_id)
    counted = batch.total >= issued  # a job issued before batches were kept has none
    return JobStatus(job.id, job.state, job.total, job.done, job.source_name, job.created_by,
                     job.created_at, job.finished_at, job.error, issued,
                     batch.new if counted else None, batch.existing if counted else None)


def output(app: Flask, job_id: str, name: str) -> Path | None:
    """The print PDF or the ZIP of a finished job, if it is there."""
    if name not in (PRINT_PDF, SINGLES_ZIP):
        return None
    path = folder_of(app, job_id) / name
    return path if path.is_file() else None


# --- claiming a job --------------------------------------------------------------------------


def claim(session: Session, job_id: str, lease: dt.timedelta, *, renew: bool = False) -> bool:
    """Take (or keep) the job for this process for lease; False if another process holds it."""
    now = utcnow()
    condition = Job.lease_until.is_(None) | (Job.lease_until < now)
    if renew:
        condition = condition | Job.lease_until.is_not(None)
    taken = session.execute(
        update(Job).where(Job.id == job_id, Job.state.in_(UNFINISHED), condition)
        .values(lease_until=now + lease)
    ).rowcount
    session.commit()
    return bool(taken)


def release(session: Session, job_id: str) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(lease_until=None))
    session.commit()


def orphaned(session: Session) -> list[str]:
    """Unfinished jobs no process holds: those to resume."""
    now = utcnow()
    return list(session.scalars(
        select(Job.id).where(Job.state.in_(UNFINISHED),
                             Job.lease_until.is_(None) | (Job.lease_until < now))
        .order_by(Job.created_at)
    ))


def failed(session: Session) -> list[str]:
    """Jobs that stopped on an error (a full disk, a worker that kept dying): resumable by hand."""
    return list(session.scalars(select(Job.id).where(Job.state == FAILED).order_by(Job.created_at)))


def reopen(session: Session, job_id: str) -> bool:
    """Make a failed job unfinished again, so that it can be resumed; True if it was failed."""
    changed = session.execute(
        update(Job).where(Job.id == job_id, Job.state == FAILED)
        .values(state=RUNNING, error=None, finished_at=None, lease_until=None)
    ).rowcount
    session.commit()
    return bool(changed)


def fail(session: Session, job_id: str, message: str) -> None:
    session.rollback()
    session.execute(update(Job).where(Job.id == job_id, Job.state.in_(UNFINISHED))
                    .values(state=FAILED, error=message[:2000], finished_at=utcnow(), lease_until=None))
    session.commit()


# --- the steps -------------------------------------------------------------------------------


def run_chunk(app: Flask, job_id: str, index: int) -> bool:
    """Issue and print one chunk (if not done yet); True when no chunk of the job is left."""
    with app.app_context(), db.own_session(app) as session:
        job = session.get(Job, job_id)
        chunk = session.get(JobChunk, (job_id, index))
        if job is None or chunk is None or job.state not in UNFINISHED:
            return False
        if not chunk.finished:
            _issue_and_print(app, session, job, chunk)
            memory.give_back()  # what the chunk's layout left free (jobs/memory.py)
        return not session.scalar(select(exists().where(
            and_(JobChunk.job_id == job_id, JobChunk.finished.is_(False)))))


def _issue_and_print(app: Flask, session: Session, job: Job, chunk: JobChunk) -> None:
    ensure_free_space(app)
    folder = folder_of(app, job.id)
    settings = RegistrySettings.from_config(app.config)
    requests = read_chunk(folder, chunk)
    # a job issues for the issuer that submitted it (none: an admin or the command line)
    issued = issuing.issue_many(session, requests, actor=job.created_by, settings=settings,
                                scope=Scope(job.issuer_id), batch=BatchPlace(job.id, chunk.index))
    session.execute(update(JobChunk).where(JobChunk.job_id == job.id, JobChunk.index == chunk.index)
                    .values(issued=True))
    # the job is under way from its first issued certificate, not from its first printed chunk
    session.execute(update(Job).where(Job.id == job.id, Job.state.in_(UNFINISHED))
                    .values(state=RUNNING, started_at=job.started_at or utcnow()))
    session.commit()
    certificates = [i.certificate for i in issued]
    rendered = render_certificates(certificates, settings, seal_from_config(app.config),
                                   rendering=RenderSettings.of(app))
    pdf_path, zip_path = _chunk_files(folder, chunk.index)
    pdf_path.parent.mkdir(mode=0o700, exist_ok=True)
    write_atomically(pdf_path, rendered.content)
    staging = zip_path.with_name(f".{zip_path.name}.partial")
    try:
        # PDFs are compressed already: stored, the ZIP costs no CPU and copies fast when joined
        with zipfile.ZipFile(private_file(staging), "w", zipfile.ZIP_STORED) as archive:
            for certificate, single in zip(certificates, single_pages(rendered.content), strict=True):
                # each file handed out is signed; the print PDF is for paper and is not
                archive.writestr(f"职称证书-{certificate.number}-{certificate.record.name}.pdf",
                                 signed_pdf(certificate, settings, single, app))
        staging.replace(zip_path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    # counted once, however many workers finished this chunk
    if session.execute(
        update(JobChunk)
        .where(JobChunk.job_id == job.id, JobChunk.index == chunk.index, JobChunk.finished.is_(False))
        .values(finished=True, finished_at=utcnow())
    ).rowcount:
        session.execute(update(Job).where(Job.id == job.id).values(done=Job.done + chunk.count))
    session.commit()


def finish(app: Flask, job_id: str) -> bool:
    """Join the chunks into the print PDF and the ZIP, in sheet order; True if this call did.

    Two processes may finish one job at once (two Celery workers finishing its last two chunks
    together, or a chunk done twice): each joins in a folder of its own, so that no two joins
    write one file. The first to mark the job done removes the parts, the inputs and every
    join's folder; the other gives way, whether it finds the job done, its folder or the parts
    gone (if its join was complete, it has put the same files in place). A finisher that finds
    the job done removes what a finisher killed after marking it left."""
    folder = folder_of(app, job_id)
    with app.app_context(), db.own_session(app) as session:
        job = session.get(Job, job_id)
        if job is not None and job.state == DONE:
            _remove_parts(folder)
        if job is None or job.state not in UNFINISHED:
            return False
        chunks = session.scalars(
            select(JobChunk).where(JobChunk.job_id == job_id).order_by(JobChunk.index)
        ).all()
        if not all(c.finished for c in chunks):
            return False
        try:
            # the joined files take as much room again as their parts
            ensure_free_space(app, needed=sum(
                path.stat().st_size for c in chunks for path in _chunk_files(folder, c.index)))
            _join(folder, chunks)
        except FileNotFoundError:
            session.rollback()  # a read that sees the other finisher's commit
            if session.scalar(select(Job.state).where(Job.id == job_id)) in UNFINISHED:
                raise
            return False
        changed = session.execute(
            update(Job).where(Job.id == job_id, Job.state.in_(UNFINISHED))
            .values(state=DONE, done=Job.total, finished_at=utcnow(), lease_until=None)
        ).rowcount
        if changed:
            final = status(session, job_id)
            assert final is not None
            counts = {"issued": final.new, "existing": final.existing} if final.new is not None else {}
            audit.record(session, job.created_by, "bulk-issue", None, job=job_id, total=job.total,
                         **counts, source=job.source_name)
        session.commit()
    if changed:
        _remove_parts(folder)
    return bool(changed)


#: the folder of one attempt at joining a job, in the job's folder
JOIN_PREFIX = ".join-"


def _remove_parts(folder: Path) -> None:
    """What a done job no longer needs: its chunks, its inputs, and what any join left (a join
    killed midway leaves its folder, as large as the outputs)."""
    shutil.rmtree(folder / CHUNK_DIR, ignore_errors=True)
    remove_inputs(folder)
    for attempt in folder.glob(f"{JOIN_PREFIX}*"):
        shutil.rmtree(attempt, ignore_errors=True)


def _join(folder: Path, chunks: Sequence[JobChunk]) -> None:
    """The print PDF and the ZIP, both or neither: a join that fails (a full disk) leaves the
    chunks to join again and no file that looks finished. It writes in a folder of its own,
    removed when it fails; one killed midway is removed once the job is done."""
    attempt = folder / f"{JOIN_PREFIX}{secrets.token_hex(6)}"
    attempt.mkdir(mode=0o700)
    joined, staging = attempt / PRINT_PDF, attempt / SINGLES_ZIP
    try:
        with StreamingPdfWriter(joined) as writer:
            for chunk in chunks:
                writer.append(_chunk_files(folder, chunk.index)[0])
        with zipfile.ZipFile(private_file(staging), "w", zipfile.ZIP_STORED) as archive:
            for chunk in chunks:
                with zipfile.ZipFile(_chunk_files(folder, chunk.index)[1]) as part:
                    for entry in part.infolist():
                        with part.open(entry) as source, archive.open(entry.filename, "w") as target:
                            while block := source.read(1 << 20):
                                target.write(block)
        private(joined).replace(folder / PRINT_PDF)
        staging.replace(folder / SINGLES_ZIP)
    finally:
        shutil.rmtree(attempt, ignore_errors=True)
