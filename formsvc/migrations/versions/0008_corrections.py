"""Corrections (更正): a certificate superseded by its corrected re-issue points to it.

The uniqueness of 证件号码 + 职称名称 + 批准文号 holds among certificates not superseded, so that
a corrected certificate may keep the same record key as the one it replaces.

Revision ID: 0008_corrections
Revises: 0007_job_chunk_issued
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_corrections"
down_revision = "0007_job_chunk_issued"
branch_labels = None
depends_on = None

CURRENT = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("superseded_by", sa.String(length=40), nullable=True))
        batch.drop_constraint("uq_certificates_record", type_="unique")
    op.create_index("uq_certificates_record", "certificates", ["id_number", "title", "approval_number"],
                    unique=True, sqlite_where=CURRENT, postgresql_where=CURRENT)


def downgrade() -> None:
    op.drop_index("uq_certificates_record", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        batch.create_unique_constraint("uq_certificates_record", ["id_number", "title", "approval_number"])
        batch.drop_column("superseded_by")
