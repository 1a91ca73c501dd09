"""Two processes finishing one job at once (two Celery workers done with its last chunks together):
one joins it, the other gives way, and the job is done with its files whole."""

from __future__ import annotations

import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from formsvc import db
from formsvc.jobs import files, work
from formsvc.jobs.plan import pending_chunks
from formsvc.jobs.runners import submit
from formsvc.registry.models import AuditEntry
from formsvc.render import compose

from ..helpers import blank_template, fill, make_app, people


@pytest.fixture
def finish_app(tmp_path, font_dir, monkeypatch, database_url):
    app = make_app(tmp_path, font_dir, monkeypatch, JOB_CHUNK_SIZE=50, DATABASE_URL=database_url)
    yield app
    db.dispose(app)


def test_two_finishers_at_once_join_the_job_once(finish_app, monkeypatch):
    sheet = fill(blank_template(finish_app.test_client(), "title-history"), people(60))
    job_id, _ = submit(finish_app, sheet, source_name="采集表.xlsx",
                       photos=None, actor="测试", issuer_id=None, start=False)
    with finish_app.app_context(), db.own_session(finish_app) as session:
        chunks = list(pending_chunks(session, job_id))
    for index in chunks:
        work.run_chunk(finish_app, job_id, index)

    # both joins are under way before either has written a page
    both_joining = threading.Barrier(2, timeout=60)
    append = compose.StreamingPdfWriter.append

    def append_together(self, path):
        if not getattr(self, "_met", False):
            self._met = True
            both_joining.wait()
        return append(self, path)

    monkeypatch.setattr(compose.StreamingPdfWriter, "append", append_together)
    results: list[bool | BaseException] = []

    def finisher() -> None:
        try:
            results.append(work.finish(finish_app, job_id))
        except BaseException as error:  # what a finisher raised is the test's to report
            results.append(error)

    threads = [threading.Thread(target=finisher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(results, key=repr) == [False, True], results

    with finish_app.app_context(), db.own_session(finish_app) as session:
        status = work.status(session, job_id)
        audited = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "bulk-issue"))
    assert status.state == "done" and status.done == 60
    assert audited == 1
    assert len(PdfReader(work.output(finish_app, job_id, work.PRINT_PDF)).pages) == 60
    folder = files.folder_of(finish_app, job_id)
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(
        [work.PRINT_PDF, work.SINGLES_ZIP])
