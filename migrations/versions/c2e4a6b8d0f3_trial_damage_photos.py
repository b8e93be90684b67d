"""trial damage photos

Revision ID: c2e4a6b8d0f3
Revises: a6d8f0b2c4e7
Create Date: 2026-12-07 19:00:00

- trial_photos: staff's photos of a trial pair that came back damaged, the damage
  fee's evidence (random file names in the media folder's private part; the files
  themselves are not in the database).

Locks: none beyond the new table.
"""
from alembic import op
import sqlalchemy as sa

import ally_web.db_types


revision = "c2e4a6b8d0f3"
down_revision = "a6d8f0b2c4e7"
branch_labels = None
depends_on = None


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


def downgrade():
    with op.batch_alter_table("trial_photos") as batch_op:
        batch_op.drop_index("ix_trial_photos_pair_id")
    op.drop_table("trial_photos")
