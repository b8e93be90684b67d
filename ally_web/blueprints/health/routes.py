"""`/healthz`: the process answers (restart it if not). `/readyz`: it can serve
shoppers, i.e. the database and Redis answer and the database's schema is the one
this code expects (send it no traffic if not; it may recover on its own).

Neither touches the session (no cookie is set) nor counts against a rate limit, and
both answer on plain HTTP too, so a load balancer can probe the app directly."""

from __future__ import annotations

import logging
from functools import cache

from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from flask_migrate import Migrate
from sqlalchemy import text

from ally_web.blueprints.health import bp
from ally_web.extensions import db, limiter

log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return _answer({"process": "ok"}, 200)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    checks = {"database": _database(), "redis": _redis(), "migrations": _migrations()}
    failed = sorted(name for name, result in checks.items() if result not in ("ok", "not used"))
    if failed:
        log.error("Not ready: %s", ", ".join(f"{name} ({checks[name]})" for name in failed))
    return _answer({**checks, "failed": failed}, 503 if failed else 200)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as error:  # noqa: BLE001 - a probe reports, never raises
        db.session.rollback()
        return f"unreachable: {type(error).__name__}"


def _redis() -> str:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if not uri.startswith(("redis", "rediss")):
        return "not used"
    try:
        return "ok" if limiter.storage.check() else "unreachable"
    except Exception as error:  # noqa: BLE001
        return f"unreachable: {type(error).__name__}"


@cache
def _heads(directory: str) -> frozenset[str]:
    """The migration heads this code ships with (read from disk once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def _migrations() -> str:
    migrate: Migrate = current_app.extensions["migrate"]
    try:
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # noqa: BLE001 - no table: never migrated
        db.session.rollback()
        return "not applied"
    expected = _heads(migrate.directory)
    if applied == expected:
        return "ok"
    return f"at {', '.join(sorted(applied)) or 'nothing'}, expected {', '.join(sorted(expected))}"
