"""Return photos and pairs sent back: photos of a damaged pair; refused pairs' parcel

Revision ID: a6d8f0b2c4e7
Revises: f4c6e8a0b2d5
Create Date: 2026-12-01 09:00:00

- return_photos: the photos a customer sends with a damaged or faulty pair (random
  file names in the media folder's private part; the files themselves are not in the
  database);
- return_requests.sent_back_id: the parcel taking pairs refused as worn back to the
  customer; shipments.purpose may be "sent_back";
- order_events.kind may be "return_sent_back" (its CHECK constraint is rebuilt).

Locks: return_requests while the column is added (PostgreSQL: brief, no rewrite;
SQLite copies the table); shipments and order_events while their CHECK constraints
are swapped and validated (a scan of the existing rows). The new table locks nothing
else.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "a6d8f0b2c4e7"
down_revision = "f4c6e8a0b2d5"
branch_labels = None
depends_on = None

TRIAL_OLD = ("placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception",
             "delivered", "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered",
             "fit_submitted", "fit_confirmed", "production_started", "pair_made", "due_date_moved",
             "fitting_pair_returned", "reminder_sent", "return_requested", "return_in_review",
             "return_approved", "return_refused", "return_label_issued", "return_in_transit",
             "return_received", "return_inspected", "return_closed")
OLD_EVENT_KIND = (*TRIAL_OLD, "trial_requested", "trial_curated", "trial_shipped", "trial_window_opened",
                  "trial_exchange_requested", "trial_decided", "trial_expired", "trial_closed", "trial_cancelled",
                  "trial_hold_released", "trial_charged", "trial_charge_failed", "trial_pair_inspected")
EVENT_KIND = (*OLD_EVENT_KIND, "return_sent_back")
OLD_PURPOSE = ("pairs", "fitting_pair", "fitting_return", "return")
PURPOSE = (*OLD_PURPOSE, "sent_back")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "return_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", ally_web.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["return_items.id"], name="fk_return_photos_item_id_return_items"),
        sa.PrimaryKeyConstraint("id", name="pk_return_photos"),
        sa.UniqueConstraint("name", name="uq_return_photos_name"),
    )
    with op.batch_alter_table("return_photos") as batch_op:
        batch_op.create_index("ix_return_photos_item_id", ["item_id"], unique=False)
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.add_column(sa.Column("sent_back_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_return_requests_sent_back_id_shipments", "shipments", ["sent_back_id"],
                                    ["id"])
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_purpose", type_="check")
        batch_op.create_check_constraint("shipment_purpose", _in("purpose", PURPOSE))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))


def downgrade():
    op.execute(sa.text("DELETE FROM order_events WHERE kind = 'return_sent_back'"))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", OLD_EVENT_KIND))
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.drop_constraint("fk_return_requests_sent_back_id_shipments", type_="foreignkey")
        batch_op.drop_column("sent_back_id")
    op.execute(sa.text("DELETE FROM shipment_scans WHERE shipment_id IN "
                       "(SELECT id FROM shipments WHERE purpose = 'sent_back')"))
    op.execute(sa.text("DELETE FROM shipments WHERE purpose = 'sent_back'"))
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_purpose", type_="check")
        batch_op.create_check_constraint("shipment_purpose", _in("purpose", OLD_PURPOSE))
    with op.batch_alter_table("return_photos") as batch_op:
        batch_op.drop_index("ix_return_photos_item_id")
    op.drop_table("return_photos")
