"""The database comes from migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ally_web.extensions import db
from tests.conftest import DATABASE, make_app


def test_upgrade_builds_every_table_and_matches_the_models(tmp_path):
    # In-memory SQLite cannot be shared with Alembic's connection: use a file there.
    url = DATABASE["url"] if DATABASE["url"].startswith("postgresql") else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
