"""Certificate registry: certificates, serial counters, issuers, audit log, rate windows.

Revision ID: 0001_registry
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_registry"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)

#: the audit log is append-only in the database itself, not only by the code's good manners
APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER audit_log_append_only ON audit_log",
                   "DROP FUNCTION audit_log_append_only()"],
}


def upgrade() -> None:
    op.create_table(
        "issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("token_hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_issuers"),
        sa.UniqueConstraint("name", name="uq_issuers_name"),
        sa.UniqueConstraint("token_digest", name="uq_issuers_token_digest"),
    )
    op.create_table(
        "certificate_serials",
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name="pk_certificate_serials"),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("gender", sa.String(length=2), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("speciality", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=False),
        sa.Column("committee", sa.String(length=50), nullable=False),
        sa.Column("approver", sa.String(length=50), nullable=False),
        sa.Column("approval_number", sa.String(length=40), nullable=False),
        sa.Column("approval_date", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=20), nullable=True),
        sa.Column("issuing_body", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("revoke_reason", sa.String(length=200), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("status IN ('valid', 'revoked')", name="ck_certificates_status"),
        sa.CheckConstraint(
            "(status = 'valid' AND revoked_at IS NULL AND revoke_reason IS NULL)"
            " OR (status = 'revoked' AND revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name="ck_certificates_revocation",
        ),
        sa.CheckConstraint("level IN ('初级', '中级', '副高级', '正高级')", name="ck_certificates_level"),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"], name="fk_certificates_issuer_id_issuers"),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.UniqueConstraint("number", name="uq_certificates_number"),
        sa.UniqueConstraint("code_digest", name="uq_certificates_code_digest"),
        sa.UniqueConstraint("id_number", "title", "approval_number", name="uq_certificates_record"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("certificate_number", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_certificate", "audit_log", ["certificate_number"])
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_rate_windows"),
    )
    op.create_index("ix_rate_windows_start", "rate_windows", ["window_start"])
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_index("ix_rate_windows_start", table_name="rate_windows")
    op.drop_table("rate_windows")
    op.drop_index("ix_audit_log_certificate", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("certificates")
    op.drop_table("certificate_serials")
    op.drop_table("issuers")
