"""Real PostgreSQL and Redis for the tests: the configured ones, else throwaway servers.

FORMSVC_TEST_DATABASE_URL / FORMSVC_TEST_REDIS_URL name running servers (CI sets them). Without
them, a throwaway server is started from the installed binaries (initdb/pg_ctl, redis-server);
without those, the tests that need the server are skipped, and under CI a skip fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import WAIT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 2 * WAIT, process: subprocess.Popen | None = None,
                  log: Path | None = None) -> None:
    """Wait until something listens on port; a server process that exits first fails at once.

    The timeout is generous on purpose: on a loaded 2-core machine a server's start can take a minute.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening on port {port}"
                               + _tail(log))
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s" + _tail(log))


def _tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "; its log ends:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL: FORMSVC_TEST_DATABASE_URL not set and initdb/pg_ctl not installed")
    folder = Path(tempfile.mkdtemp(prefix="formsvc-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(folder, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"
    subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    url = os.environ.get("FORMSVC_TEST_DATABASE_URL")
    if url:
        yield url
    else:
        with throwaway_postgres() as started:
            yield started


def migrate(url: str) -> None:
    """Bring the database at url to the newest migration, as `flask init-db` does."""
    from alembic import command

    from formsvc.db import alembic_config

    command.upgrade(alembic_config(url), "head")


def migrated_sqlite(folder: Path) -> Path:
    """A SQLite file at the newest migration, in rollback-journal mode so that the file alone is
    the whole database and a copy of it is a database of its own (the app turns WAL back on)."""
    import sqlite3

    path = folder / "registry.sqlite3"
    migrate(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    return path


def copied_sqlite(template: Path, folder: Path) -> str:
    """The URL of a private copy of a migrated SQLite file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "registry.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@contextlib.contextmanager
def fresh_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A database of its own on the server (a copy of template, if given), dropped afterwards,
    so that tests and parallel test processes never see each other's data — nor the writes of
    threads an earlier test's app left running."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"formsvc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def migrated_template(server_url: str) -> Iterator[str]:
    """The name of a database at the newest migration, to copy for each test: copying a template
    costs a fraction of running the migrations."""
    from sqlalchemy.engine import make_url

    with fresh_database(server_url) as url:
        migrate(url)  # the migration's engine is disposed: nobody is connected to the template
        yield make_url(url).database or ""


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    url = os.environ.get("FORMSVC_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("Redis: FORMSVC_TEST_REDIS_URL not set and redis-server not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
