"""At-home trial: boxes, their pairs and their charges; orders gain a kind

Revision ID: e2b4d6f8a0c3
Revises: d8f0b2c4e6a8
Create Date: 2026-12-01 08:15:00

- trial_boxes (the questionnaire, the card and its hold, the window), trial_pairs
  (each pair beside its order line: new or sample, checklist, decision, inspection)
  and trial_charges (one row per charge: the final one, damage fees);
- orders.kind: purchase or trial (existing rows: purchase); orders.checkout_id may be
  empty (a trial box has no checkout);
- order_events.kind may name the trial's events (its CHECK constraint is rebuilt).

Locks: orders while the column is added and checkout_id loses NOT NULL (PostgreSQL:
brief, no rewrite; SQLite copies the table); order_events while its CHECK constraint
is swapped and validated (a scan of the existing rows). The new tables lock nothing
else.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "e2b4d6f8a0c3"
down_revision = "d8f0b2c4e6a8"
branch_labels = None
depends_on = None

OLD_EVENT_KIND = ("placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception",
                  "delivered", "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered",
                  "fit_submitted", "fit_confirmed", "production_started", "pair_made", "due_date_moved",
                  "fitting_pair_returned", "reminder_sent", "return_requested", "return_in_review",
                  "return_approved", "return_refused", "return_label_issued", "return_in_transit",
                  "return_received", "return_inspected", "return_closed")
EVENT_KIND = (*OLD_EVENT_KIND, "trial_requested", "trial_curated", "trial_shipped", "trial_window_opened",
              "trial_exchange_requested", "trial_decided", "trial_expired", "trial_closed", "trial_cancelled",
              "trial_hold_released", "trial_charged", "trial_charge_failed", "trial_pair_inspected")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def _when(name, nullable=True):
    return sa.Column(name, ally_web.db_types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "trial_boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("state", _enum("trial_state", "draft", "requested", "curated", "shipped", "delivered",
                                 "exchange_requested", "decided", "expired", "closed", "cancelled"), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_canonical", sa.String(length=254), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.Column("setup_session", sa.String(length=64), nullable=True),
        sa.Column("payment_method", sa.String(length=64), nullable=True),
        sa.Column("card_brand", sa.String(length=20), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("card_funding", sa.String(length=10), nullable=False),
        sa.Column("card_refusal", sa.Text(), nullable=False),
        sa.Column("hold_ref", sa.String(length=64), nullable=True),
        sa.Column("hold_cents", sa.Integer(), nullable=False),
        _when("hold_expires_at"),
        _when("hold_released_at"),
        _when("delivered_at"),
        _when("window_ends_at"),
        _when("exchange_until"),
        _when("decided_at"),
        _when("reminded_48_at"),
        _when("reminded_24_at"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_trial_boxes_customer_id_customers"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_trial_boxes_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_trial_boxes"),
        sa.UniqueConstraint("order_id", name="uq_trial_boxes_order_id"),
        sa.UniqueConstraint("setup_session", name="uq_trial_boxes_setup_session"),
        sa.UniqueConstraint("token", name="uq_trial_boxes_token"),
    )
    with op.batch_alter_table("trial_boxes") as batch_op:
        batch_op.create_index("ix_trial_boxes_customer_id", ["customer_id"], unique=False)
        batch_op.create_index("ix_trial_boxes_email_canonical", ["email_canonical"], unique=False)

    op.create_table(
        "trial_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("condition", _enum("trial_condition", "new", "sample"), nullable=False),
        sa.Column("retail_cents", sa.Integer(), nullable=False),
        sa.Column("keep_cents", sa.Integer(), nullable=False),
        sa.Column("lining_cleaned", sa.Boolean(), nullable=False),
        sa.Column("condition_photographed", sa.Boolean(), nullable=False),
        sa.Column("sole_protectors_on", sa.Boolean(), nullable=False),
        sa.Column("decision", _enum("trial_decision", "keep", "return"), nullable=True),
        _when("received_at"),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("inspection_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["box_id"], ["trial_boxes.id"], name="fk_trial_pairs_box_id_trial_boxes"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_trial_pairs_order_line_id_order_lines"),
        sa.PrimaryKeyConstraint("id", name="pk_trial_pairs"),
        sa.UniqueConstraint("order_line_id", name="uq_trial_pairs_order_line_id"),
    )
    with op.batch_alter_table("trial_pairs") as batch_op:
        batch_op.create_index("ix_trial_pairs_box_id", ["box_id"], unique=False)

    op.create_table(
        "trial_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("trial_charge_kind", "kept", "expired", "damage"), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("state", _enum("trial_charge_state", "due", "charging", "paid", "failed"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("claimed_at"),
        _when("next_attempt_at"),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=True),
        sa.Column("pay_session", sa.String(length=64), nullable=True),
        _when("created_at", nullable=False),
        _when("paid_at"),
        sa.ForeignKeyConstraint(["box_id"], ["trial_boxes.id"], name="fk_trial_charges_box_id_trial_boxes"),
        sa.ForeignKeyConstraint(["pair_id"], ["trial_pairs.id"], name="fk_trial_charges_pair_id_trial_pairs"),
        sa.PrimaryKeyConstraint("id", name="pk_trial_charges"),
        sa.UniqueConstraint("box_id", "slot", name="uq_trial_charges_box_id_slot"),
        sa.UniqueConstraint("pay_session", name="uq_trial_charges_pay_session"),
    )
    with op.batch_alter_table("trial_charges") as batch_op:
        batch_op.create_index("ix_trial_charges_box_id", ["box_id"], unique=False)

    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=30), nullable=False, server_default="purchase"))
        batch_op.alter_column("checkout_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("kind", server_default=None, existing_type=sa.String(length=30))
        batch_op.create_check_constraint("order_kind", _in("kind", ("purchase", "trial")))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))


def downgrade():
    op.execute(sa.text("DELETE FROM order_events WHERE kind LIKE 'trial_%'"))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", OLD_EVENT_KIND))
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint("order_kind", type_="check")
        batch_op.alter_column("checkout_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")
    op.drop_table("trial_charges")
    op.drop_table("trial_pairs")
    op.drop_table("trial_boxes")
