"""The files of bulk jobs: private to the service's user, written whole or not at all, checked
against the free space of their disk, and removed when no longer needed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from .. import db
from ..errors import InsufficientStorage
from ..registry.models import utcnow
from .models import UNFINISHED, Job
from .plan import PHOTO_DIR, ROWS_FILE, job_folder

#: what finishes a job stopped by a full disk, once there is room (nothing is issued twice)
RESUME_COMMAND = ".venv/bin/flask --app formsvc jobs resume"


def folder_of(app: Flask, job_id: str) -> Path:
    return job_folder(app.config["OUTPUT_DIR"], job_id)


MB = 1024 * 1024


def private(path: Path) -> Path:
    """Job files hold identity numbers and photos: readable by the service's user alone."""
    os.chmod(path, 0o600)
    return path


def write_atomically(path: Path, content: bytes) -> None:
    staging = path.with_name(f".{path.name}.partial")
    try:
        private_file(staging).write_bytes(content)
        staging.replace(path)
    except BaseException:
        staging.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise


def ensure_free_space(app: Flask, needed: int = 0) -> None:
    """Refuse (InsufficientStorage) when the output folder's disk has less than JOB_MIN_FREE_MB
    free beyond needed bytes: a job stops between steps instead of failing in the middle of one."""
    folder = Path(app.config["OUTPUT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    wanted = app.config["JOB_MIN_FREE_MB"] * MB + needed
    if free < wanted:
        raise InsufficientStorage(
            f"输出目录可用空间不足：剩余 {free // MB} MB，至少需要 {-(-wanted // MB)} MB。"
            f"请清理磁盘后用 {RESUME_COMMAND} 继续作业（已签发的证书不会重复签发）")


def private_file(path: Path) -> Path:
    """path created empty with mode 0600, to be written by whoever opens it next."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    return path


def remove_inputs(folder: Path) -> None:
    """A finished job's inputs (rows with identity numbers, photos) are not kept."""
    (folder / ROWS_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder / PHOTO_DIR, ignore_errors=True)


def expire(app: Flask, now: dt.datetime | None = None) -> list[str]:
    """Remove the folders of jobs finished more than JOB_RETENTION_DAYS ago; their rows stay,
    as a record of what was issued. Returns the jobs whose files went."""
    days = app.config.get("JOB_RETENTION_DAYS") or 0
    if days <= 0:
        return []
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    with app.app_context(), db.own_session(app) as session:
        old = session.scalars(select(Job.id).where(Job.state.not_in(UNFINISHED),
                                                   Job.finished_at < cutoff)).all()
    removed = []
    for job_id in old:
        folder = folder_of(app, job_id)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(job_id)
    return removed
