"""Concurrent issuing, from threads and processes at once: no duplicate number, none reused."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import select

from formsvc import db
from formsvc.jobs.runners import pool_context
from formsvc.registry.models import AuditEntry, Certificate
from formsvc.registry.numbers import make_number

from . import issuing_worker

PROCESSES = 3
THREADS = 3
RECORDS = 24


def test_concurrent_issuing_yields_one_certificate_per_record_with_unique_numbers(registry_app):
    url = registry_app.config["DATABASE_URL"]
    serials = list(range(1, RECORDS + 1))
    # from the job pool's fork server, not forked from this process: each process opens its own
    # connections, as gunicorn workers and bulk workers do
    context = pool_context()
    with context.Manager() as manager:
        start = manager.Barrier(PROCESSES)
        with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
            futures = [pool.submit(issuing_worker.issue_all, url, serials, THREADS, seed, start)
                       for seed in range(PROCESSES)]
            seen = [future.result(timeout=300) for future in futures]

    # every process and thread was told the same number for the same record
    for other in seen[1:]:
        assert other == seen[0]
    with registry_app.app_context():
        session = db.session()
        rows = session.execute(select(Certificate.number, Certificate.approval_number)).all()
        issue_lines = session.scalars(select(AuditEntry).where(AuditEntry.action == "issue")).all()
    # one certificate per record, and the numbers are exactly serials 1..N: none skipped
    # twice, none handed out twice
    assert len(rows) == RECORDS
    year = int(rows[0].number[2:6])
    assert sorted(number for number, _ in rows) == sorted(make_number("HB", year, n) for n in serials)
    assert {number for number, _ in rows} == set(seen[0].values())
    assert len(issue_lines) == RECORDS
