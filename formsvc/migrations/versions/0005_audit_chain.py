"""Audit log: a hash chain over its lines (and its head), and no INSERT that replaces a line.

Revision ID: 0005_audit_chain
Revises: 0004_certificate_public_url
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_audit_chain"
down_revision = "0004_certificate_public_url"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)

#: SQLite's REPLACE INTO (and INSERT OR REPLACE) deletes the line it collides with without firing
#: the DELETE trigger: an INSERT of an id that exists is refused before that can happen. The head
#: may be moved on, never removed.
GUARDS = {
    "sqlite": [
        """CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
           WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
           BEGIN SELECT RAISE(ABORT, 'audit_head cannot be removed'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION audit_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_head cannot be removed'; END $$""",
        """CREATE TRIGGER audit_head_kept BEFORE DELETE OR TRUNCATE ON audit_head
           FOR EACH STATEMENT EXECUTE FUNCTION audit_head_kept()""",
    ],
}
DROP_GUARDS = {
    "sqlite": ["DROP TRIGGER audit_log_no_replace", "DROP TRIGGER audit_head_no_delete"],
    "postgresql": ["DROP TRIGGER audit_head_kept ON audit_head", "DROP FUNCTION audit_head_kept()"],
}
#: the append-only trigger of 0001, lifted while the lines written so far get their hashes
LIFT = {
    "sqlite": ["DROP TRIGGER audit_log_no_update"],
    "postgresql": ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"],
}
RESTORE = {
    "sqlite": ["""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""],
    "postgresql": ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"],
}


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    from formsvc.registry.audit import GENESIS, entry_digest

    op.add_column("audit_log", sa.Column("previous_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(length=64), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", Timestamp),
                   sa.column("actor", sa.String), sa.column("action", sa.String),
                   sa.column("certificate_number", sa.String), sa.column("detail", sa.JSON),
                   sa.column("previous_hash", sa.String), sa.column("entry_hash", sa.String))
    connection = op.get_bind()
    previous, count = GENESIS, 0
    _run(LIFT)
    for line in connection.execute(sa.select(log).order_by(log.c.id)).all():
        digest = entry_digest(previous, line.at, line.actor, line.action, line.certificate_number,
                              line.detail)
        connection.execute(log.update().where(log.c.id == line.id)
                           .values(previous_hash=previous, entry_hash=digest))
        previous, count = digest, count + 1
    _run(RESTORE)
    op.bulk_insert(head, [{"id": 1, "entries": count, "last_hash": previous}])
    _run(GUARDS)


def downgrade() -> None:
    _run(DROP_GUARDS)
    op.drop_table("audit_head")
    _run(LIFT)
    op.drop_column("audit_log", "entry_hash")
    op.drop_column("audit_log", "previous_hash")
    _run(RESTORE)
