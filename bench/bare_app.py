"""The yardstick: the least a Flask page on this stack can cost.

One request = Flask routing + one small SQL query through a SQLAlchemy connection
pool on a SQLite file + a one-line Jinja template. Served by the same gunicorn, with the
same workers, as the store, so the ratio store/bare shows what the store's own code
(ORM loading, templates, session handling, hooks) costs on top of the framework.

The database file comes from `BARE_DATABASE_URL`; `run.py` creates its `items` table.
Run: `gunicorn --chdir bench bare_app:app`.
"""

from __future__ import annotations

import gc
import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

TEMPLATE = "<!doctype html><title>bare</title><p>{{ count }} items in stock.</p>"

app = Flask(__name__)
# pool_pre_ping like the store's settings, so both pay the same per-checkout ping.
engine = create_engine(
    os.environ.get("BARE_DATABASE_URL", "sqlite:///bare.sqlite3"), pool_pre_ping=True
)


def create_schema() -> None:
    """The tiny table the page counts (idempotent)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)"))
        if not conn.execute(text("SELECT count(*) FROM items")).scalar():
            conn.execute(
                text("INSERT INTO items (name) VALUES (:n)"),
                [{"n": name} for name in ("pump", "strap", "slingback")],
            )
# Start-up's objects frozen out of the collector's sweeps, like the store's (wsgi.py).
gc.freeze()


@app.get("/")
def bare():
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM items")).scalar()
    return render_template_string(TEMPLATE, count=count)


if __name__ == "__main__":
    create_schema()
