"""trial damage photos, trial pairs not sent back

Revision ID: c2e4a6b8d0f3
Revises: a6d8f0b2c4e7
Create Date: 2026-12-07 19:00:00

- trial_photos: staff's photos of a trial pair that came back damaged, the damage
  fee's evidence (random file names in the media folder's private part; the files
  themselves are not in the database);
- order_events.kind may be "trial_not_sent_back" (its CHECK constraint is rebuilt).

Locks: order_events while its CHECK constraint is swapped and validated (a scan of
the existing rows); the new table locks nothing else.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "c2e4a6b8d0f3"
down_revision = "a6d8f0b2c4e7"
branch_labels = None
depends_on = None

OLD_EVENT_KIND = (
    "placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception", "delivered",
    "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered", "fit_submitted", "fit_confirmed",
    "production_started", "pair_made", "due_date_moved", "fitting_pair_returned", "reminder_sent",
    "return_requested", "return_in_review", "return_approved", "return_refused", "return_label_issued",
    "return_in_transit", "return_received", "return_inspected", "return_closed", "trial_requested",
    "trial_curated", "trial_shipped", "trial_window_opened", "trial_exchange_requested", "trial_decided",
    "trial_expired", "trial_closed", "trial_cancelled", "trial_hold_released", "trial_charged",
    "trial_charge_failed", "trial_pair_inspected", "return_sent_back",
)
EVENT_KIND = (*OLD_EVENT_KIND, "trial_not_sent_back")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "trial_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", ally_web.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pair_id"], ["trial_pairs.id"], name="fk_trial_photos_pair_id_trial_pairs"),
        sa.PrimaryKeyConstraint("id", name="pk_trial_photos"),
        sa.UniqueConstraint("name", name="uq_trial_photos_name"),
    )
    with op.batch_alter_table("trial_photos") as batch_op:
        batch_op.create_index("ix_trial_photos_pair_id", ["pair_id"], unique=False)
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))


def downgrade():
    op.execute(sa.text("DELETE FROM order_events WHERE kind = 'trial_not_sent_back'"))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.create_check_constraint("event_kind", _in("kind", OLD_EVENT_KIND))
    with op.batch_alter_table("trial_photos") as batch_op:
        batch_op.drop_index("ix_trial_photos_pair_id")
    op.drop_table("trial_photos")
