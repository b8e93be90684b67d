"""Exchange holds: the new pair is taken off the shelf when asked for

Revision ID: d8f0b2c4e6a8
Revises: c6e8a0b2d4f6
Create Date: 2026-12-01 06:50:00

- return_items.reserved: the exchange's new pair is held (existing rows: no);
- return_requests.reminded_at: the one reminder before a held pair is released.

Locks: return_items and return_requests briefly on PostgreSQL (a NOT NULL column with
a constant default and a nullable column are added without a rewrite); SQLite copies
both tables.
"""
from alembic import op
import sqlalchemy as sa


revision = "d8f0b2c4e6a8"
down_revision = "c6e8a0b2d4f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("return_items") as batch_op:
        batch_op.add_column(sa.Column("reserved", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("return_items") as batch_op:
        batch_op.alter_column("reserved", server_default=None, existing_type=sa.Boolean())
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.drop_column("reminded_at")
    with op.batch_alter_table("return_items") as batch_op:
        batch_op.drop_column("reserved")
