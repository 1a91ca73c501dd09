"""The office at scale: each bulk job's certificates kept as its batch, the audit log indexed by
time and by who acted (its pages filter on both).

Jobs finished before this migration have no batch list: their inputs were already removed.

Revision ID: 0010_office_at_scale
Revises: 0009_login_sessions
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_office_at_scale"
down_revision = "0009_login_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_certificates",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"],
                                name=op.f("fk_batch_certificates_certificate_id_certificates")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_batch_certificates_job_id_jobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "chunk", "place", name=op.f("pk_batch_certificates")),
    )
    op.create_index(op.f("ix_batch_certificates_certificate_id"), "batch_certificates", ["certificate_id"])
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_actor"), "audit_log", ["actor"])
    op.create_index(op.f("ix_certificates_issued_on"), "certificates", ["issued_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_certificates_issued_on"), table_name="certificates")
    op.drop_index(op.f("ix_audit_log_actor"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index(op.f("ix_batch_certificates_certificate_id"), table_name="batch_certificates")
    op.drop_table("batch_certificates")
