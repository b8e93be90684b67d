"""Returns and exchanges: requests, their pairs, and their timeline events

Revision ID: a2c4e6f8b0d1
Revises: f1b3d5e7a9c2
Create Date: 2026-12-01 06:00:00

New tables only (return_requests, return_items); order_events.kind may name the
return's events (its CHECK constraint is rebuilt).

Locks: order_events while its CHECK constraint is swapped and validated (a scan of
the existing rows); the new tables lock nothing else.
"""
from alembic import op
import sqlalchemy as sa


revision = "a2c4e6f8b0d1"
down_revision = "f1b3d5e7a9c2"
branch_labels = None
depends_on = None

OLD_EVENT_KIND = ("placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception",
                  "delivered", "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered",
                  "fit_submitted", "fit_confirmed", "production_started", "pair_made", "due_date_moved",
                  "fitting_pair_returned", "reminder_sent")
EVENT_KIND = (*OLD_EVENT_KIND, "return_requested", "return_in_review", "return_approved", "return_refused",
              "return_label_issued", "return_in_transit", "return_received", "return_inspected", "return_closed")
RETURN_STATE = ("requested", "in_review", "approved", "refused", "label_issued", "awaiting_tracking",
                "in_transit", "received", "inspected", "closed")
RETURN_ACTION = ("return", "exchange", "feedback")
RETURN_REASON = ("too_small", "too_big", "too_narrow", "too_wide", "heel_slips", "pinches_toe",
                 "not_as_pictured", "changed_mind", "damaged")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "return_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(_in("state", RETURN_STATE), name="return_state"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_return_requests_order_id_orders"),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], name="fk_return_requests_shipment_id_shipments"),
        sa.PrimaryKeyConstraint("id", name="pk_return_requests"),
        sa.UniqueConstraint("token", name="uq_return_requests_token"),
    )
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.create_index("ix_return_requests_order_id", ["order_id"], unique=False)
    op.create_table(
        "return_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("feedback", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("exchange_size_halves", sa.Integer(), nullable=True),
        sa.Column("exchange_width", sa.String(length=1), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("inspection_note", sa.Text(), nullable=False),
        sa.Column("refund_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="return_quantity_positive"),
        sa.CheckConstraint(_in("action", RETURN_ACTION), name="return_action"),
        sa.CheckConstraint(_in("reason", RETURN_REASON), name="return_reason"),
        sa.ForeignKeyConstraint(["request_id"], ["return_requests.id"],
                                name="fk_return_items_request_id_return_requests"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_return_items_order_line_id_order_lines"),
        sa.PrimaryKeyConstraint("id", name="pk_return_items"),
    )
    with op.batch_alter_table("return_items") as batch_op:
        batch_op.create_index("ix_return_items_request_id", ["request_id"], unique=False)
        batch_op.create_index("ix_return_items_order_line_id", ["order_line_id"], unique=False)
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM order_events WHERE kind LIKE 'return\\_%' ESCAPE '\\'"))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", OLD_EVENT_KIND))
    op.drop_table("return_items")
    op.drop_table("return_requests")
