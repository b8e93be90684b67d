"""US sales tax: on checkouts and orders, and on each order line

Revision ID: e5a7c9d1f3b6
Revises: d4f6a8b0c2e4
Create Date: 2026-12-01 04:00:00

- checkouts.sales_tax_cents, orders.sales_tax_cents: the order's US sales tax, part
  of total_cents;
- order_lines.sales_tax_cents: the tax charged on that line, so a refund of a pair
  gives back the tax that belongs to it.

Existing rows had none: 0.

Locks: checkouts, orders and order_lines only for an instant on PostgreSQL (11+: a
NOT NULL column with a constant default is added without rewriting the table).
"""
from alembic import op
import sqlalchemy as sa


revision = "e5a7c9d1f3b6"
down_revision = "d4f6a8b0c2e4"
branch_labels = None
depends_on = None

TABLES = ("checkouts", "orders", "order_lines")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("sales_tax_cents", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("sales_tax_cents")
