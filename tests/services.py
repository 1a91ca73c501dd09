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
from typing import Any

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


_ADMINS: dict[str, Any] = {}


def _admin(server_url: str) -> Any:
    """This process's connections for creating and dropping databases on the server, kept for the
    session rather than opened anew for every test."""
    from sqlalchemy import create_engine

    if server_url not in _ADMINS:
        _ADMINS[server_url] = create_engine(server_url, isolation_level="AUTOCOMMIT")
    return _ADMINS[server_url]


def _database_url(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _new_name() -> str:
    return f"formsvc_test_{uuid.uuid4().hex[:12]}"


def _drop(server_url: str, name: str) -> None:
    from sqlalchemy import text

    with _admin(server_url).connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A database of its own on the server (a copy of template, if given), dropped afterwards,
    so that tests and parallel test processes never see each other's data — nor the writes of
    threads an earlier test's app left running."""
    from sqlalchemy import text

    name = _new_name()
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin(server_url).connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield _database_url(server_url, name)
    finally:
        _drop(server_url, name)


@contextlib.contextmanager
def migrated_template(server_url: str) -> Iterator[str]:
    """The name of a database at the newest migration, to copy for each test: copying a template
    costs a fraction of running the migrations."""
    from sqlalchemy.engine import make_url

    with fresh_database(server_url) as url:
        migrate(url)  # the migration's engine is disposed: nobody is connected to the template
        yield make_url(url).database or ""


#: what makes two databases the same schema: tables, columns, constraints, indexes, triggers,
#: functions, sequences, schemas and the database's own settings
_SCHEMA = [
    "SELECT table_schema, table_name, column_name, data_type, column_default, is_nullable"
    " FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)",
    "SELECT schemaname, indexdef FROM pg_indexes"
    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    "SELECT tgrelid::regclass::text, tgname, tgenabled, pg_get_triggerdef(oid) FROM pg_trigger"
    " WHERE NOT tgisinternal",
    "SELECT proname, md5(prosrc) FROM pg_proc"
    " WHERE pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)",
    "SELECT schemaname, sequencename, start_value, increment_by, last_value FROM pg_sequences",
    "SELECT nspname FROM pg_namespace",
    "SELECT setconfig FROM pg_db_role_setting WHERE setdatabase ="
    " (SELECT oid FROM pg_database WHERE datname = current_database())",
    "SELECT extname, extversion FROM pg_extension",
]


class TemplateCopies:
    """Migrated databases for the tests of this process, copied from the template once and then
    put back the way the template has them after each test, instead of created and dropped per
    test: a CREATE DATABASE and a DROP DATABASE each wait for the server's disk (0.1–1 s on a busy
    machine), deleting a test's few rows takes milliseconds.

    Each test still gets a database nobody else uses. Put back means: every connection to it
    ended (as DROP DATABASE … WITH (FORCE) ends them), the database renamed (a thread an earlier
    test left running can no more reach it by its old name, as it could not reach a dropped one),
    every table's rows deleted and the template's rows restored, every sequence restarted; then
    its schema is compared with the template's, and a database that differs in any way (a test
    changed its tables) is dropped and never handed out again."""

    def __init__(self, server_url: str, template: str) -> None:
        self.server_url = server_url
        self.template = template
        self._spare: list[str] = []
        with self._connect(template) as connection:
            self._tables = self._table_names(connection)
            self._rows = {table: self._all_rows(connection, table) for table in self._tables}
            self._sequences = self._sequence_names(connection)
            self._schema = self._fingerprint(connection)

    def _connect(self, name: str) -> Any:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        engine = create_engine(_database_url(self.server_url, name), poolclass=NullPool)

        @contextlib.contextmanager
        def connected() -> Iterator[Any]:
            try:
                with engine.connect() as connection:
                    yield connection
            finally:
                engine.dispose()

        return connected()

    @staticmethod
    def _table_names(connection: Any) -> list[str]:
        from sqlalchemy import text

        return list(connection.execute(text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).scalars())

    @staticmethod
    def _sequence_names(connection: Any) -> list[str]:
        from sqlalchemy import text

        return list(connection.execute(text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences"
            " ORDER BY 1")).scalars())

    @staticmethod
    def _all_rows(connection: Any, table: str) -> list[dict[str, Any]]:
        from sqlalchemy import text

        return [dict(row) for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()]

    @staticmethod
    def _fingerprint(connection: Any) -> list[list[tuple[Any, ...]]]:
        from sqlalchemy import text

        return [sorted(tuple(map(str, row)) for row in connection.execute(text(query))) for query in _SCHEMA]

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """The URL of a migrated database of the caller's own, as the template has it."""
        from sqlalchemy import text

        if self._spare:
            name = self._spare.pop()
        else:
            name = _new_name()
            with _admin(self.server_url).connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        try:
            yield _database_url(self.server_url, name)
        finally:
            self._put_back(name)

    def _put_back(self, name: str) -> None:
        from sqlalchemy import text

        renamed = _new_name()
        try:
            with _admin(self.server_url).connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                        " WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                connection.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"'))
        except Exception:  # someone connected again at once: it is dropped, as before
            _drop(self.server_url, name)
            return
        try:
            with self._connect(renamed) as connection:
                # the replication role fires no triggers: the append-only audit log's rows go too
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                if self._table_names(connection) != self._tables:
                    raise AssertionError("tables differ from the template's")
                for table in self._tables:
                    connection.execute(text(f"DELETE FROM {table}"))
                    if self._rows[table]:
                        columns = list(self._rows[table][0])
                        names = ", ".join(f'"{column}"' for column in columns)
                        values = ", ".join(f":{index}" for index in range(len(columns)))
                        connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"),
                                           [{str(i): row[c] for i, c in enumerate(columns)}
                                            for row in self._rows[table]])
                for sequence in self._sequences:
                    connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
                connection.commit()
                same = (self._fingerprint(connection) == self._schema
                        and all(self._all_rows(connection, t) == self._rows[t] for t in self._tables))
        except Exception:
            same = False
        if same:
            self._spare.append(renamed)
        else:
            _drop(self.server_url, renamed)

    def close(self) -> None:
        while self._spare:
            _drop(self.server_url, self._spare.pop())


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
