"""Exchange movements in the stock ledger: a replacement set aside for an exchange
("exchange_out") and released again ("exchange_in"), until now booked as a sale and
a sale that fell through

Revision ID: b8e0a2c4d6f9
Revises: c2e4a6b8d0f3
Create Date: 2026-12-07 18:40:00

- stock_movements.reason may be "exchange_out" or "exchange_in": its CHECK constraint
  is rebuilt under the name it has in the database. The catalog migration gave the
  enum's constraint a name the naming convention prefixed again
  ("ck_stock_movements_ck_stock_movements_movement_reason"); that name is kept as it
  is, marked final (op.f) so the convention is not applied a third time.

Locks: stock_movements while its CHECK constraint is swapped and validated (a scan of
the ledger; PostgreSQL), a copy of the table on SQLite. No rows change on the way up;
on the way down exchange rows become the sale and undone sale they were booked as
before, so each variant's ledger still adds up to its stock.
"""
from alembic import op
import sqlalchemy as sa


revision = "b8e0a2c4d6f9"
down_revision = "c2e4a6b8d0f3"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_stock_movements_ck_stock_movements_movement_reason"
OLD_REASONS = ("received", "count_correction", "damaged", "returned", "trial_out", "trial_in", "sold",
               "sale_undone", "order_cancelled")
REASONS = (*OLD_REASONS, "exchange_out", "exchange_in")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _reasons(values):
    with op.batch_alter_table("stock_movements") as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch_op.create_check_constraint(op.f(CONSTRAINT), _in("reason", values))


def upgrade():
    _reasons(REASONS)


def downgrade():
    op.execute(sa.text("UPDATE stock_movements SET reason = 'sold' WHERE reason = 'exchange_out'"))
    op.execute(sa.text("UPDATE stock_movements SET reason = 'sale_undone' WHERE reason = 'exchange_in'"))
    _reasons(OLD_REASONS)
