"""dashboard totals: per user, date and code sums of the lines (backfilled), and users.log_version

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:07:24.791413
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_code_totals",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("date_of_service", sa.Date(), nullable=False),
        sa.Column("hcpcs", sa.String(length=5), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("wrvu_e4", sa.BigInteger(), nullable=False),
        sa.Column("allowed_cents", sa.BigInteger(), nullable=False),
        sa.Column("priced_lines", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_day_code_totals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "date_of_service", "hcpcs", name=op.f("pk_day_code_totals")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log_version", sa.Integer(), server_default="0", nullable=False))

    # the dashboard reads only these rows: fill them from the lines already logged
    op.execute(
        "INSERT INTO day_code_totals (user_id, date_of_service, hcpcs, lines, units, wrvu_e4, allowed_cents,"
        " priced_lines) SELECT user_id, date_of_service, hcpcs, COUNT(id), SUM(units),"
        " COALESCE(SUM(wrvu_e4), 0), COALESCE(SUM(allowed_cents), 0), COUNT(allowed_cents)"
        " FROM log_entries GROUP BY user_id, date_of_service, hcpcs"
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("log_version")

    op.drop_table("day_code_totals")
