"""Staff run the catalog: the stock ledger, hiding instead of deleting, colour
prices, the catalog version and the audit log

Revision ID: f1c3e5a7b9d2
Revises: a2c4e6f8b0d1
Create Date: 2026-12-01 05:10:00

- styles.hidden, colours.hidden, variants.hidden: off the shop, kept for history;
- colours.price_cents: a colour's own price (NULL: the style's);
- styles.care_notes, styles.facts: shown on the product page;
- stock_movements: every change of a variant's stock, with its reason, actor and the
  count it left; existing stock gets one opening "count correction" row per variant
  with stock, so the ledger explains every count from the start;
- catalog_version: one row, raised by every change shoppers see;
- audit_entries: who changed what in the back office.

Locks: styles, colours and variants briefly on PostgreSQL (nullable columns, and NOT
NULL columns with a constant default, are added without a rewrite); the opening
counts insert one row per stocked variant into the new stock_movements table; the
other tables are new. SQLite copies the altered tables.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = "f1c3e5a7b9d2"
down_revision = "a2c4e6f8b0d1"
branch_labels = None
depends_on = None

REASONS = ("received", "count_correction", "damaged", "returned", "trial_out", "trial_in", "sold",
           "sale_undone", "order_cancelled")
ACTOR_KINDS = ("customer", "staff", "system", "payment_provider", "carrier")


def _actor_columns(table):
    return [
        sa.Column("actor_kind", sa.Enum(*ACTOR_KINDS, name=f"ck_{table}_actor_kind", native_enum=False,
                                        create_constraint=True, length=30), nullable=False),
        sa.Column("actor_staff_id", sa.Integer(), sa.ForeignKey("staff.id", name=f"fk_{table}_actor_staff_id_staff"),
                  nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
    ]


def upgrade():
    for table in ("styles", "colours", "variants"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("styles") as batch_op:
        batch_op.add_column(sa.Column("care_notes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("facts", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("colours") as batch_op:
        batch_op.add_column(sa.Column("price_cents", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("colour_price_not_negative", "price_cents IS NULL OR price_cents >= 0")

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("variant_id", sa.Integer(), sa.ForeignKey("variants.id", name="fk_stock_movements_variant_id_variants"),
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.Column("resulting", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Enum(*REASONS, name="ck_stock_movements_movement_reason", native_enum=False, create_constraint=True,
                                    length=30), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        *_actor_columns("stock_movements"),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
    )
    op.create_index("ix_stock_movements_variant_id", "stock_movements", ["variant_id"])

    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_version"),
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        *_actor_columns("audit_entries"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_action", "audit_entries", ["action"])

    # The ledger opens with the counts already on the shelf.
    variants = sa.table("variants", sa.column("id", sa.Integer), sa.column("stock", sa.Integer))
    movements = sa.table(
        "stock_movements", sa.column("variant_id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
        sa.column("change", sa.Integer), sa.column("resulting", sa.Integer), sa.column("reason", sa.String),
        sa.column("note", sa.String), sa.column("actor_kind", sa.String), sa.column("actor_name", sa.String),
    )
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    rows = [
        dict(variant_id=vid, at=now, change=stock, resulting=stock, reason="count_correction",
             note="Opening count", actor_kind="system", actor_name="")
        for vid, stock in connection.execute(sa.select(variants.c.id, variants.c.stock).where(variants.c.stock > 0))
    ]
    if rows:
        op.bulk_insert(movements, rows)


def downgrade():
    op.drop_index("ix_audit_entries_action", table_name="audit_entries")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_table("catalog_version")
    op.drop_index("ix_stock_movements_variant_id", table_name="stock_movements")
    op.drop_table("stock_movements")
    with op.batch_alter_table("colours") as batch_op:
        batch_op.drop_constraint("colour_price_not_negative", type_="check")
        batch_op.drop_column("price_cents")
    with op.batch_alter_table("styles") as batch_op:
        batch_op.drop_column("facts")
        batch_op.drop_column("care_notes")
    for table in ("variants", "colours", "styles"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("hidden")
