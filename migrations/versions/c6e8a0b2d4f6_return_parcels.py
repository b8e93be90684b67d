"""Return parcels: shipments.purpose may be "return"

Revision ID: c6e8a0b2d4f6
Revises: b4d6f8a0c2e4
Create Date: 2026-12-01 06:30:00

Locks: shipments while its CHECK constraint is swapped and validated (a scan of the
existing rows); SQLite copies the table.
"""
from alembic import op
import sqlalchemy as sa


revision = "c6e8a0b2d4f6"
down_revision = "b4d6f8a0c2e4"
branch_labels = None
depends_on = None

OLD = ("pairs", "fitting_pair", "fitting_return")
NEW = (*OLD, "return")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_purpose", type_="check")
        batch_op.create_check_constraint("shipment_purpose", _in("purpose", NEW))


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE return_requests SET shipment_id = NULL"))
    bind.execute(sa.text("DELETE FROM shipment_scans WHERE shipment_id IN "
                         "(SELECT id FROM shipments WHERE purpose = 'return')"))
    bind.execute(sa.text("DELETE FROM shipments WHERE purpose = 'return'"))
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_purpose", type_="check")
        batch_op.create_check_constraint("shipment_purpose", _in("purpose", OLD))
