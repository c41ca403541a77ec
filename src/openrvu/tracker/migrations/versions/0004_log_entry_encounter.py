"""log entry encounter: an opaque token that groups the lines of one patient's encounter on a date

Lines already logged keep NULL: the NULL lines of a date still form one pricing group, as they were
priced when logged, so no stored figure changes with this migration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("encounter", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_column("encounter")
