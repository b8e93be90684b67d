"""One table of cache versions: the catalog's version joins the notices' in cache_versions

Revision ID: e6a8c0b2d4f7
Revises: d4f6b8a0c2e5
Create Date: 2026-12-07 20:00:00

- cache_versions gains the row "catalog", carrying on from catalog_version's number;
- catalog_version is dropped.

Locks: catalog_version (one row, read by each process every few seconds) while it is
dropped; cache_versions for the one-row insert.
"""
from alembic import op
import sqlalchemy as sa


revision = "e6a8c0b2d4f7"
down_revision = "d4f6b8a0c2e5"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    version = connection.execute(sa.text("SELECT version FROM catalog_version WHERE id = 1")).scalar() or 0
    connection.execute(sa.text("DELETE FROM cache_versions WHERE name = 'catalog'"))
    connection.execute(sa.text("INSERT INTO cache_versions (name, version) VALUES ('catalog', :version)"),
                       {"version": version})
    op.drop_table("catalog_version")


def downgrade():
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_version"),
    )
    connection = op.get_bind()
    version = connection.execute(sa.text("SELECT version FROM cache_versions WHERE name = 'catalog'")).scalar() or 0
    connection.execute(sa.text("INSERT INTO catalog_version (id, version) VALUES (1, :version)"),
                       {"version": version})
    connection.execute(sa.text("DELETE FROM cache_versions WHERE name = 'catalog'"))
