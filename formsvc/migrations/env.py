"""Alembic environment: runs the registry's migrations against the configured database."""

from __future__ import annotations

from alembic import context

from formsvc import models  # noqa: F401  (registers every table on Base.metadata)
from formsvc.db import Base, make_engine

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=url.startswith("sqlite"),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
