"""Fixtures: the app, its test client and CLI runner, real databases migrated once per session.

Helpers that tests import live in tests/helpers.py; this file holds only fixtures and hooks.
Every fixture is safe under pytest-xdist: each test process has its own temporary folders and
template databases; a test gets a copy of the migrated SQLite file or PostgreSQL database,
never another test's data (a PostgreSQL copy is put back as the template has it and reused,
services.TemplateCopies).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from . import services
from .helpers import make_app, password_matches


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Under CI a skipped test is a failed test: nothing may skip silently."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (CI=true), which counts as a failure: {reason}"


@pytest.fixture(autouse=True)
def remembered_password_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logging in checks each hash and password once per test process (helpers.password_matches);
    a wrong password is still a full check."""
    from formsvc import users

    monkeypatch.setattr(users, "check_password_hash", password_matches)


@pytest.fixture(scope="session")
def font_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fonts")


@pytest.fixture
def app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch)
    yield app
    from formsvc import db

    db.dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# --- databases: migrated once per session, copied for each test ---------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return services.migrated_sqlite(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of the test's own."""
    return services.copied_sqlite(sqlite_template, tmp_path / "database")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    with services.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """This test process's migrated PostgreSQL database, copied for the tests."""
    with services.migrated_template(postgres_server_url) as name:
        yield name


@pytest.fixture(scope="session")
def postgres_copies(postgres_server_url: str, postgres_template: str) -> Iterator[services.TemplateCopies]:
    copies = services.TemplateCopies(postgres_server_url, postgres_template)
    yield copies
    copies.close()


@pytest.fixture
def postgres_url(postgres_copies: services.TemplateCopies) -> Iterator[str]:
    """A migrated PostgreSQL database of the test's own, as the template has it."""
    with postgres_copies.database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each registry test runs on a migrated SQLite and on a migrated, real PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, SQLite then PostgreSQL, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"
        return
    with services.fresh_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with services.redis_server() as url:
        yield url


# --- bulk jobs ----------------------------------------------------------------------------------


@pytest.fixture
def jobs_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
             sqlite_url: str) -> Iterator[Flask]:
    """The app of the bulk-job tests: a migrated database, real worker processes.

    One pool worker, not one per core: each worker rehearses a certificate (about 1 s of CPU)
    before its first chunk, and on a 2-core machine already busy with two test processes a second
    worker only adds that. A test about workers side by side sets JOB_WORKERS before its first
    job (the pool starts then): test_jobs' 230-row job, and the live server of the browser
    tests, the first-job and pool-process tests run two."""
    from formsvc import db
    from formsvc.jobs.runners import runner_for

    app = make_app(tmp_path, font_dir, monkeypatch, JOB_CHUNK_SIZE=50, JOB_WORKERS=1,
                   DATABASE_URL=sqlite_url)
    yield app
    runner = runner_for(app)
    if hasattr(runner, "shutdown"):
        runner.shutdown()
    db.dispose(app)
