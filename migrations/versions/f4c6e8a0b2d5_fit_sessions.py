"""Fit sessions: staff hours, exceptions, the video link and bookings; outbox attachments

Revision ID: f4c6e8a0b2d5
Revises: e2b4d6f8a0c3
Create Date: 2026-12-01 08:40:00

- fit_session_hours (the weekly schedule, one row per open weekday), fit_session_exceptions
  (a date closed or open at its own hours) and fit_session_settings (the video link);
- fit_session_bookings: one trial box's 15-minute session; held_slot and held_box_id
  are unique, set while booked and emptied on cancel, so one slot and one box are
  booked once;
- outbox_messages gains one optional text attachment (a calendar invitation).

Locks: outbox_messages while three nullable columns are added (PostgreSQL: brief, no
rewrite; SQLite copies the table). The new tables lock nothing else.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "f4c6e8a0b2d5"
down_revision = "e2b4d6f8a0c3"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def _when(name, nullable=True):
    return sa.Column(name, ally_web.db_types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "fit_session_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fit_session_hours"),
        sa.UniqueConstraint("weekday", name="uq_fit_session_hours_weekday"),
    )
    op.create_table(
        "fit_session_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fit_session_exceptions"),
        sa.UniqueConstraint("day", name="uq_fit_session_exceptions_day"),
    )
    op.create_table(
        "fit_session_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("video_link", sa.String(length=300), nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fit_session_settings"),
    )
    op.create_table(
        "fit_session_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("state", _enum("fit_session_state", "booked", "cancelled"), nullable=False),
        _when("starts_at", nullable=False),
        _when("held_slot"),
        sa.Column("held_box_id", sa.Integer(), nullable=True),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("video_link", sa.Text(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _when("cancelled_at"),
        sa.ForeignKeyConstraint(["box_id"], ["trial_boxes.id"], name="fk_fit_session_bookings_box_id_trial_boxes"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_fit_session_bookings_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_fit_session_bookings"),
        sa.UniqueConstraint("held_box_id", name="uq_fit_session_bookings_held_box_id"),
        sa.UniqueConstraint("held_slot", name="uq_fit_session_bookings_held_slot"),
        sa.UniqueConstraint("uid", name="uq_fit_session_bookings_uid"),
    )
    with op.batch_alter_table("fit_session_bookings") as batch_op:
        batch_op.create_index("ix_fit_session_bookings_box_id", ["box_id"], unique=False)
        batch_op.create_index("ix_fit_session_bookings_order_id", ["order_id"], unique=False)

    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attachment_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attachment_text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("attachment_text")
        batch_op.drop_column("attachment_type")
        batch_op.drop_column("attachment_name")
    op.drop_table("fit_session_bookings")
    op.drop_table("fit_session_settings")
    op.drop_table("fit_session_exceptions")
    op.drop_table("fit_session_hours")
