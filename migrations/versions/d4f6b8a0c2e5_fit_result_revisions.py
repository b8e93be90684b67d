"""Fit result revisions: earlier answers kept when a customer sends a fit result again

Revision ID: d4f6b8a0c2e5
Revises: b8e0a2c4d6f9
Create Date: 2026-12-07 18:40:00

- fit_result_revisions: a fit result as it stood before the customer sent it again
  (before staff confirmed it), so the fit profile keeps every answer given.

Locks: nothing existing; the new table is created empty.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "d4f6b8a0c2e5"
down_revision = "b8e0a2c4d6f9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fit_result_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fit_result_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("card_size_halves", sa.Integer(), nullable=True),
        sa.Column("card_width", sa.String(length=1), nullable=True),
        sa.Column("suggested_size_halves", sa.Integer(), nullable=False),
        sa.Column("suggested_width", sa.String(length=1), nullable=False),
        sa.Column("suggestion_reason", sa.Text(), nullable=False),
        sa.Column("chosen_size_halves", sa.Integer(), nullable=False),
        sa.Column("chosen_width", sa.String(length=1), nullable=False),
        sa.Column("chosen_reason", sa.Text(), nullable=False),
        sa.Column("sent_at", ally_web.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", ally_web.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fit_result_id"], ["fit_results.id"],
                                name="fk_fit_result_revisions_fit_result_id_fit_results"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_fit_result_revisions_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_fit_result_revisions"),
    )
    with op.batch_alter_table("fit_result_revisions") as batch_op:
        batch_op.create_index("ix_fit_result_revisions_fit_result_id", ["fit_result_id"], unique=False)
        batch_op.create_index("ix_fit_result_revisions_customer_id", ["customer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("fit_result_revisions") as batch_op:
        batch_op.drop_index("ix_fit_result_revisions_customer_id")
        batch_op.drop_index("ix_fit_result_revisions_fit_result_id")
    op.drop_table("fit_result_revisions")
