"""Issuer scopes: what each token may do, and which issuer an office user works for.

Revision ID: 0006_issuer_scopes
Revises: 0005_audit_chain
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_issuer_scopes"
down_revision = "0005_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # tokens made before scopes existed keep doing all they could
    op.add_column("issuers", sa.Column("scopes", sa.String(length=40), server_default="issue read revoke",
                                       nullable=False))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("issuer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("admin", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_foreign_key(op.f("fk_users_issuer_id_issuers"), "issuers", ["issuer_id"], ["id"])
    # accounts made before issuers had operators saw every certificate: they stay admins
    op.execute(sa.text("UPDATE users SET admin = :yes").bindparams(yes=True))
    with op.batch_alter_table("users") as batch:
        batch.create_check_constraint(op.f("ck_users_role"), "admin = (issuer_id IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.drop_constraint(op.f("fk_users_issuer_id_issuers"), type_="foreignkey")
        batch.drop_column("admin")
        batch.drop_column("issuer_id")
    op.drop_column("issuers", "scopes")
