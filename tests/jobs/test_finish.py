"""Two processes finishing one job at once (two Celery workers done with its last chunks together):
one joins it, the other gives way, and the job is done with its files whole and nothing left over,
not even what a finisher killed midway left."""

from __future__ import annotations

import threading
from pathlib import Path

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


@pytest.fixture
def printed_job(finish_app) -> str:
    """A job of 60 rows whose chunks are all printed, not yet joined."""
    sheet = fill(blank_template(finish_app.test_client(), "title-history"), people(60))
    job_id, _ = submit(finish_app, sheet, source_name="采集表.xlsx", photos=None, actor="测试",
                       issuer_id=None, start=False)
    with finish_app.app_context(), db.own_session(finish_app) as session:
        chunks = list(pending_chunks(session, job_id))
    for index in chunks:
        work.run_chunk(finish_app, job_id, index)
    return job_id


def finish_together(app, job_id: str, before_first_page) -> list[bool | BaseException]:
    """Two finishers in threads; each calls before_first_page(its arrival, 1 or 2, and an event
    set when a finisher has ended) before its join writes its first page."""
    results: list[bool | BaseException] = []
    one_ended = threading.Event()
    arrivals = iter(range(1, 3))
    lock = threading.Lock()
    append = compose.StreamingPdfWriter.append

    def append_together(self, path):
        if not getattr(self, "_met", False):
            self._met = True
            with lock:
                arrival = next(arrivals)
            before_first_page(arrival, one_ended)
        return append(self, path)

    def finisher() -> None:
        try:
            results.append(work.finish(app, job_id))
        except BaseException as error:  # what a finisher raised is the test's to report
            results.append(error)
        finally:
            one_ended.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compose.StreamingPdfWriter, "append", append_together)
        threads = [threading.Thread(target=finisher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    return results


def assert_done_once_and_clean(app, job_id: str) -> None:
    with app.app_context(), db.own_session(app) as session:
        status = work.status(session, job_id)
        audited = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "bulk-issue"))
    assert status.state == "done" and status.done == 60
    assert audited == 1
    assert len(PdfReader(work.output(app, job_id, work.PRINT_PDF)).pages) == 60
    folder = files.folder_of(app, job_id)
    left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
    assert left == sorted([work.PRINT_PDF, work.SINGLES_ZIP]), left


def test_two_joins_under_way_at_once_join_the_job_once(finish_app, printed_job):
    both_joining = threading.Barrier(2, timeout=60)
    results = finish_together(finish_app, printed_job, lambda _arrival, _ended: both_joining.wait())
    assert sorted(results, key=repr) == [False, True], results
    assert_done_once_and_clean(finish_app, printed_job)


def test_a_join_overtaken_by_the_other_gives_way_without_an_error(finish_app, printed_job):
    # the second join to start writes its first page only once the first finisher has ended:
    # by then the job is done and the parts, and the second join's folder, are gone
    def second_waits(arrival, one_ended):
        if arrival == 2:
            assert one_ended.wait(60)

    results = finish_together(finish_app, printed_job, second_waits)
    assert sorted(results, key=repr) == [False, True], results
    assert_done_once_and_clean(finish_app, printed_job)


def test_what_a_killed_finisher_left_goes_once_the_job_is_done(finish_app, printed_job):
    folder = files.folder_of(finish_app, printed_job)
    # a join killed midway: its folder, with a print PDF half written
    killed = folder / f"{work.JOIN_PREFIX}0123456789ab"
    killed.mkdir()
    (killed / work.PRINT_PDF).write_bytes(b"%PDF-1.7 half")
    assert work.finish(finish_app, printed_job)
    assert_done_once_and_clean(finish_app, printed_job)

    # a finisher killed right after marking the job done left its parts and the inputs
    chunk = Path(folder / work.CHUNK_DIR)
    chunk.mkdir()
    (chunk / "00000.pdf").write_bytes(b"%PDF-1.7")
    (folder / files.ROWS_FILE).write_text("{}\n")
    assert not work.finish(finish_app, printed_job)
    assert_done_once_and_clean(finish_app, printed_job)
