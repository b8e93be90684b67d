"""Made-to-order fit: fitting pairs on loan, fit results, production dates

Revision ID: f1b3d5e7a9c2
Revises: e5a7c9d1f3b6
Create Date: 2026-12-01 05:20:00

- shipments.purpose: "pairs" (every existing parcel), "fitting_pair" or
  "fitting_return" (a fitting pair on loan and its prepaid way back);
- order_lines: the fitting pair's two parcels, the day production started (existing
  pairs already in production: the store day they were ordered), the reminders sent;
  mto_state may now be "made";
- order_events.kind: the new timeline events;
- customers.size_confirmed_at;
- fit_results: the answers a customer sent about a fitting pair, and the size staff
  confirmed.

Locks: shipments, order_lines, order_events and customers briefly on PostgreSQL
(nullable columns and one NOT NULL column with a constant default are added without a
rewrite; each CHECK constraint swap validates the table under its lock, a scan of
rows that exist, fast at this shop's size); fit_results is new. SQLite copies those
tables.
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = "f1b3d5e7a9c2"
down_revision = "e5a7c9d1f3b6"
branch_labels = None
depends_on = None

OLD_MTO_STATE = ("awaiting_fitting_pair", "fitting_pair_shipped", "fitting_pair_delivered", "fit_submitted",
                 "fit_confirmed", "in_production", "shipped", "delivered")
MTO_STATE = (*OLD_MTO_STATE[:6], "made", *OLD_MTO_STATE[6:])
OLD_EVENT_KIND = ("placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception",
                  "delivered", "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered",
                  "fit_submitted", "fit_confirmed", "production_started")
EVENT_KIND = (*OLD_EVENT_KIND, "pair_made", "due_date_moved", "fitting_pair_returned", "reminder_sent")
SHIPMENT_PURPOSE = ("pairs", "fitting_pair", "fitting_return")
STORE_TZ = ZoneInfo("America/New_York")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=30), nullable=False, server_default="pairs"))
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.alter_column("purpose", server_default=None, existing_type=sa.String(length=30))
        batch_op.create_check_constraint("shipment_purpose", _in("purpose", SHIPMENT_PURPOSE))

    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.add_column(sa.Column("fitting_shipment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fitting_return_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("production_started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fit_reminder_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("return_reminder_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_order_lines_fitting_shipment_id_shipments", "shipments",
                                    ["fitting_shipment_id"], ["id"])
        batch_op.create_foreign_key("fk_order_lines_fitting_return_id_shipments", "shipments",
                                    ["fitting_return_id"], ["id"])
        batch_op.drop_constraint("mto_state", type_="check")
        batch_op.create_check_constraint("mto_state", _in("mto_state", MTO_STATE))

    # Pairs already in production started on the store day they were ordered.
    started = bind.execute(sa.text(
        "SELECT order_lines.id, orders.placed_at FROM order_lines JOIN orders ON orders.id = order_lines.order_id "
        "WHERE order_lines.mto_state = 'in_production'"
    )).all()
    for line_id, placed_at in started:
        if isinstance(placed_at, str):
            placed_at = datetime.fromisoformat(placed_at)
        if placed_at.tzinfo is None:
            placed_at = placed_at.replace(tzinfo=timezone.utc)
        bind.execute(sa.text("UPDATE order_lines SET production_started_on = :on WHERE id = :id"),
                     {"on": placed_at.astimezone(STORE_TZ).date(), "id": line_id})

    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))

    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("size_confirmed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "fit_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("card_size_halves", sa.Integer(), nullable=True),
        sa.Column("card_width", sa.String(length=1), nullable=True),
        sa.Column("suggested_size_halves", sa.Integer(), nullable=False),
        sa.Column("suggested_width", sa.String(length=1), nullable=False),
        sa.Column("suggestion_reason", sa.Text(), nullable=False),
        sa.Column("chosen_size_halves", sa.Integer(), nullable=False),
        sa.Column("chosen_width", sa.String(length=1), nullable=False),
        sa.Column("chosen_reason", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_size_halves", sa.Integer(), nullable=True),
        sa.Column("confirmed_width", sa.String(length=1), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_fit_results_customer_id_customers"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_fit_results_order_line_id_order_lines"),
        sa.ForeignKeyConstraint(["confirmed_by_staff_id"], ["staff.id"],
                                name="fk_fit_results_confirmed_by_staff_id_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_fit_results"),
        sa.UniqueConstraint("order_line_id", name="uq_fit_results_order_line_id"),
    )
    with op.batch_alter_table("fit_results") as batch_op:
        batch_op.create_index("ix_fit_results_customer_id", ["customer_id"], unique=False)


def downgrade():
    bind = op.get_bind()
    op.drop_table("fit_results")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("size_confirmed_at")
    bind.execute(sa.text("DELETE FROM order_events WHERE kind IN "
                         "('pair_made', 'due_date_moved', 'fitting_pair_returned', 'reminder_sent')"))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", OLD_EVENT_KIND))
    # A finished pair is, in the older words, still in production.
    bind.execute(sa.text("UPDATE order_lines SET mto_state = 'in_production' WHERE mto_state = 'made'"))
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_constraint("mto_state", type_="check")
        batch_op.create_check_constraint("mto_state", _in("mto_state", OLD_MTO_STATE))
        batch_op.drop_constraint("fk_order_lines_fitting_return_id_shipments", type_="foreignkey")
        batch_op.drop_constraint("fk_order_lines_fitting_shipment_id_shipments", type_="foreignkey")
        for column in ("return_reminder_sent_at", "fit_reminder_sent_at", "production_started_on",
                       "fitting_return_id", "fitting_shipment_id"):
            batch_op.drop_column(column)
    # Fitting-pair parcels have no place in the older schema.
    bind.execute(sa.text("DELETE FROM shipment_scans WHERE shipment_id IN "
                         "(SELECT id FROM shipments WHERE purpose <> 'pairs')"))
    bind.execute(sa.text("DELETE FROM shipments WHERE purpose <> 'pairs'"))
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_purpose", type_="check")
        batch_op.drop_column("purpose")
