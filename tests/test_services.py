"""The tests' own PostgreSQL databases (tests/services.py): a copy of the migrated template that
one test changed is handed to the next exactly as the template has it, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from formsvc import db
from formsvc.registry import tokens

from . import services
from .helpers import make_app, scalar

pytestmark = pytest.mark.postgres

def exists(server_url: str, url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    return bool(scalar(server_url, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"))


def test_a_database_a_test_wrote_to_comes_back_as_the_template_under_a_new_name(
        postgres_server_url, postgres_template, tmp_path, font_dir, monkeypatch):
    copies = services.TemplateCopies(postgres_server_url, postgres_template)
    try:
        with copies.database() as first:
            app = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=first)
            with app.app_context():
                tokens.create(db.session(), "某职改办")  # an issuer, and a line of the append-only log
            db.dispose(app)
            assert scalar(first, "SELECT count(*) FROM issuers") == 1
            assert scalar(first, "SELECT count(*) FROM audit_log") >= 1
            head = scalar(first, "SELECT count(*) FROM audit_head")
            # a connection the test leaves open, as a thread of its app might
            engine = create_engine(first)
            leftover = engine.connect()
            leftover.execute(text("SELECT 1"))
        with copies.database() as second:
            assert second != first and not exists(postgres_server_url, first)
            assert scalar(second, "SELECT count(*) FROM issuers") == 0
            assert scalar(second, "SELECT count(*) FROM audit_log") == 0
            assert scalar(second, "SELECT count(*) FROM audit_head") == head
            assert scalar(second, "SELECT nextval('issuers_id_seq')") == 1  # sequences restarted
            with pytest.raises(OperationalError):  # the leftover connection was ended
                leftover.execute(text("SELECT 1"))
            # a test that changes the schema: its database is not handed out again
            with create_engine(second).begin() as connection:
                connection.execute(text("ALTER TABLE issuers ADD COLUMN extra text"))
        assert not copies._spare
        with copies.database() as third:
            assert scalar(third, "SELECT count(*) FROM information_schema.columns"
                                 " WHERE table_name = 'issuers' AND column_name = 'extra'") == 0
        engine.dispose()
    finally:
        copies.close()
