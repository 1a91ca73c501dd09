"""The registry's database: SQLAlchemy engine and sessions per app, Alembic migrations."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Base of the registry's tables."""

    # named constraints, so that migrations can refer to them on every database
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


def make_engine(url: str) -> Engine:
    # a server connection may have been dropped while pooled; a SQLite file cannot be, and the
    # ping would cost a query on every checkout of the verification hot path
    options: dict[str, Any] = {"pool_pre_ping": not url.startswith("sqlite"), "future": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif url.startswith("postgresql"):
        # a database server that does not answer fails the request (503) instead of hanging it
        options["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        database = Path(make_url(url).database or "")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # the registry holds identity numbers: its file (and the -wal and -shm files SQLite
            # makes with the same mode) is the service user's alone
            for path in (database, database.with_name(f"{database.name}-wal"),
                         database.with_name(f"{database.name}-shm")):
                with contextlib.suppress(OSError):
                    if path.is_file() and path.stat().st_mode & 0o077:
                        path.chmod(0o600)
            cursor = connection.cursor()
            # WAL lets verification reads go on while a bulk job writes
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    return engine


def engine_for(app: Flask) -> Engine:
    # created lazily, so that a gunicorn worker forked from a preloaded app opens its own pool;
    # and if the parent did touch the database before forking, the child leaves the inherited
    # connections to the parent (close=False) and opens its own
    state = app.extensions.setdefault("formsvc.db", {})
    if state.get("pid") != os.getpid() and "engine" in state:
        state.pop("engine").dispose(close=False)
    if "engine" not in state:
        state["engine"] = make_engine(app.config["DATABASE_URL"])
        state["sessions"] = sessionmaker(state["engine"], expire_on_commit=False)
        state["pid"] = os.getpid()
    return state["engine"]


def session() -> Session:
    """The request's session, closed when the request ends."""
    if "db_session" not in g:
        engine_for(current_app)
        g.db_session = current_app.extensions["formsvc.db"]["sessions"]()
    return g.db_session


@contextmanager
def transaction(app: Flask | None = None) -> Iterator[Session]:
    """A session of its own that commits on success and rolls back on any error."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    engine_for(app)
    with app.extensions["formsvc.db"]["sessions"]() as own, own.begin():
        yield own


def own_session(app: Flask) -> Session:
    """A session for work outside a request (bulk jobs), used as a context manager; the caller
    commits each step itself, so that progress is stored as it is made."""
    engine_for(app)
    return app.extensions["formsvc.db"]["sessions"]()


def close_session(_error: BaseException | None = None) -> None:
    own = g.pop("db_session", None)
    if own is not None:
        own.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app: Flask) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")


def dispose(app: Flask) -> None:
    state = app.extensions.get("formsvc.db", {})
    if "engine" in state:
        state.pop("engine").dispose()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_session)
