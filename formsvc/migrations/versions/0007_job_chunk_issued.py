"""Job chunks record when their certificates are issued, so that a failed job reports them.

Revision ID: 0007_job_chunk_issued
Revises: 0006_issuer_scopes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_job_chunk_issued"
down_revision = "0006_issuer_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a chunk printed was issued before it
    op.add_column("job_chunks", sa.Column("issued", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.execute("UPDATE job_chunks SET issued = finished")


def downgrade() -> None:
    op.drop_column("job_chunks", "issued")
