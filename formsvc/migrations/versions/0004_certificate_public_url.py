"""Certificates keep the public address their QR code points to.

Revision ID: 0004_certificate_public_url
Revises: 0003_jobs
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_certificate_public_url"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: which address the certificates issued so far carry is not recorded anywhere
    op.add_column("certificates", sa.Column("public_url", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("certificates", "public_url")
