"""Cache versions: one row per kind of cached data, bumped when it changes

Revision ID: b4d6f8a0c2e4
Revises: f1c3e5a7b9d2
Create Date: 2026-12-01 05:30:00

- cache_versions (name, version): every process keys its in-memory copy of the
  lead-time notices on the "lead_time_notices" row, so a change made on one machine
  reaches every machine's pages at once.

Locks: a new table only; no existing table is rewritten or locked.
"""
from alembic import op
import sqlalchemy as sa


revision = "b4d6f8a0c2e4"
down_revision = "f1c3e5a7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(table, [{"name": "lead_time_notices", "version": 1}])


def downgrade():
    op.drop_table("cache_versions")
