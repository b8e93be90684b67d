"""The backup the README documents, done for real on PostgreSQL: `pg_dump` of a live
store database, `pg_restore` into a new database, and every table comes back the same
(row for row), at the same migration, ready to serve."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import DATABASE, _postgres_databases
from tests.support.postgres import find_pg_bin
from tests.support.servers import app_env, flask

pytestmark = pytest.mark.skipif(not DATABASE["url"].startswith("postgresql"),
                                reason="pg_dump: runs in the PostgreSQL suite (--db postgres)")


def _libpq(url: str) -> list[str]:
    """pg_dump/pg_restore connection options for a SQLAlchemy URL."""
    parsed = make_url(url)
    options = ["--username", parsed.username or "postgres", "--dbname", parsed.database or ""]
    host = parsed.query.get("host") or parsed.host
    port = parsed.query.get("port") or parsed.port
    if host:
        options += ["--host", str(host)]
    if port:
        options += ["--port", str(port)]
    return options


def _snapshot(url: str) -> dict[str, list]:
    """Every table's rows, in primary-key order, as text."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = {}
            for table in sorted(inspector.get_table_names()):
                keys = inspector.get_pk_constraint(table)["constrained_columns"] or ["1"]
                order = ", ".join(f'"{k}"' if k != "1" else k for k in keys)
                tables[table] = [tuple(map(str, row)) for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))]
            return tables
    finally:
        engine.dispose()


def test_a_dump_restores_into_an_identical_database_ready_to_serve(request, tmp_path):
    bindir = find_pg_bin()
    assert bindir is not None and (bindir / "pg_dump").is_file(), "pg_dump is part of the postgresql package"
    server_url, _ = request.config.ally_postgres_databases
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    source, restored = f"ally_backup_{worker}", f"ally_restored_{worker}"
    _postgres_databases(server_url, create=[source, restored])
    source_url, restored_url = (make_url(server_url).set(database=name).render_as_string(hide_password=False)
                                for name in (source, restored))
    try:
        env = app_env(DATABASE_URL=source_url, MEDIA_DIR=str(tmp_path / "media"))  # the demo photo goes here
        flask(env, "db", "upgrade")
        flask(env, "ally", "seed")  # the catalog, staff and demo orders with their history

        dump = tmp_path / "ally.dump"
        subprocess.run([str(bindir / "pg_dump"), "--format=custom", "--no-owner", "--file", str(dump),
                        *_libpq(source_url)], check=True, capture_output=True, text=True, timeout=120)
        subprocess.run([str(bindir / "pg_restore"), "--no-owner", "--exit-on-error", *_libpq(restored_url), str(dump)],
                       check=True, capture_output=True, text=True, timeout=120)

        before, after = _snapshot(source_url), _snapshot(restored_url)
        assert after == before
        assert before["orders"] and before["order_events"] and before["alembic_version"]

        # The restored copy is at the same migration: nothing to upgrade, and it serves.
        from ally_web import create_app
        from ally_web.config import TestConfig

        app = create_app(type("RestoredConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": restored_url}))
        answer = app.test_client().get("/readyz")
        assert answer.status_code == 200, answer.json
        with app.app_context():
            from ally_web.extensions import db

            db.engine.dispose()
    finally:
        _postgres_databases(server_url, drop=[source, restored])
