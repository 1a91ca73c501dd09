"""A full disk during a job: checked before the job, each chunk and the join; a failed job reports
what was really issued, leaves no partial file and resumes; job files are private and expire."""

from __future__ import annotations

import datetime as dt
import errno
from collections import namedtuple
from pathlib import Path

from sqlalchemy import update

from formsvc import db
from formsvc.jobs import files, work
from formsvc.jobs.models import Job
from formsvc.jobs.runners import failure_message, submit

from ..helpers import certificate_count, people, post_job

Usage = namedtuple("Usage", "total used free")


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def status_of(app, job_id):
    with app.app_context(), db.own_session(app) as session:
        return work.status(session, job_id)


def test_a_job_is_refused_before_anything_is_staged_when_the_disk_is_nearly_full(jobs_app, auth,
                                                                                 sheet_of):
    jobs_app.config["JOB_MIN_FREE_MB"] = 10**9  # a petabyte free is asked for: no disk has it
    response = post_job(jobs_app.test_client(), auth, sheet_of(people(3)))
    assert response.status_code == 507
    assert response.get_json()["errors"][0]["msg"].startswith("输出目录可用空间不足：剩余 ")
    assert files_under(Path(jobs_app.config["OUTPUT_DIR"])) == []
    assert certificate_count(jobs_app) == 0


def test_a_full_disk_mid_job_reports_the_real_count_leaves_no_partial_and_the_job_resumes(
        jobs_app, sheet_of, monkeypatch):
    job_id, _ = submit(jobs_app, sheet_of(people(120)), source_name="采集表.xlsx", photos=None,
                       actor="测试", issuer_id=None, start=False)
    folder = files.folder_of(jobs_app, job_id)
    assert not work.run_chunk(jobs_app, job_id, 0)

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # the second chunk (the first holds 5 rows, the others 50) is issued, then the disk fills
    # while its single PDFs are written
    with monkeypatch.context() as full:
        full.setattr(work, "signed_pdf", disk_full)
        try:
            work.run_chunk(jobs_app, job_id, 1)
        except OSError as error:
            with jobs_app.app_context(), db.own_session(jobs_app) as session:
                work.fail(session, job_id, failure_message(error))
    failed = status_of(jobs_app, job_id)
    assert failed.state == "failed" and failed.done == 5 and failed.issued == 55
    assert failed.summary().startswith("失败：5/120（4%），已签发 55 张（其中 50 张尚未打印），"
                                       "批量签发中断：磁盘已满")
    body = failed.as_json()
    assert body["issued"] == 55 and body["new"] == 55 and body["existing"] == 0
    assert body["error"].startswith(f"批量签发中断：磁盘已满。请清理磁盘后用 {files.RESUME_COMMAND} 继续作业")
    assert certificate_count(jobs_app) == 55
    assert not [p for p in files_under(folder) if p.name.endswith(".partial")]

    # resumed with room for the chunks but not for the join: it stops before joining
    minimum = jobs_app.config["JOB_MIN_FREE_MB"] * files.MB
    with monkeypatch.context() as tight:
        tight.setattr(files.shutil, "disk_usage", lambda _path: Usage(0, 0, minimum + 1000))
        result = jobs_app.test_cli_runner().invoke(args=["jobs", "resume"])
    assert "继续作业" in result.output and "输出目录可用空间不足" in result.output, result.output
    stopped = status_of(jobs_app, job_id)
    assert stopped.state == "failed" and stopped.done == 120
    assert work.output(jobs_app, job_id, work.PRINT_PDF) is None
    assert not [p for p in files_under(folder) if p.name.endswith((".partial", ".joined"))]

    # space freed: `jobs resume` takes the failed job again and finishes it, nothing issued twice
    result = jobs_app.test_cli_runner().invoke(args=["jobs", "resume"])
    assert "已完成：120/120" in result.output, result.output
    assert certificate_count(jobs_app) == 120
    from pypdf import PdfReader

    assert len(PdfReader(work.output(jobs_app, job_id, work.PRINT_PDF)).pages) == 120
    # the inputs, with identity numbers, went once the job was done; what is left is private
    assert not (folder / "rows.jsonl").exists() and not (folder / "photos").exists()
    for path in files_under(folder):
        assert path.stat().st_mode & 0o077 == 0, path
    assert folder.stat().st_mode & 0o077 == 0


def test_outputs_are_removed_after_the_retention_days_and_the_job_row_stays(jobs_app, sheet_of):
    job_id, _ = submit(jobs_app, sheet_of(people(2)), source_name="采集表.xlsx", photos=None,
                       actor="测试", issuer_id=None, start=False)
    assert work.run_chunk(jobs_app, job_id, 0)
    assert work.finish(jobs_app, job_id)
    folder = files.folder_of(jobs_app, job_id)
    assert files.expire(jobs_app) == [] and folder.exists()
    with jobs_app.app_context(), db.own_session(jobs_app) as session:
        session.execute(update(Job).where(Job.id == job_id)
                        .values(finished_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=31)))
        session.commit()
    assert files.expire(jobs_app) == [job_id]
    assert not folder.exists()
    assert status_of(jobs_app, job_id).state == "done"


def test_the_sqlite_registry_is_readable_by_the_service_user_alone(jobs_app):
    path = Path(jobs_app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    path.chmod(0o644)
    db.dispose(jobs_app)
    with db.engine_for(jobs_app).connect():
        pass
    assert path.stat().st_mode & 0o777 == 0o600
