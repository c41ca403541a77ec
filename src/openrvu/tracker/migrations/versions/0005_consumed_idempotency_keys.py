"""consumed idempotency keys: the keys of deleted log lines, so a late resend is not stored again

Lines deleted before this migration freed their keys already, and the audit trail never kept keys:
nothing can be backfilled, so the table starts empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openrvu.tracker.coltypes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumed_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", openrvu.tracker.coltypes.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consumed_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "idempotency_key", name=op.f("pk_consumed_keys")),
    )


def downgrade() -> None:
    op.drop_table("consumed_keys")
