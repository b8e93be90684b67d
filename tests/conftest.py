"""Shared fixtures: an app on a fresh database with the demo catalog, a client,
a frozen store clock, and a signed-in staff member."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from ally_web import create_app
from ally_web.config import TestConfig
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.models import StaffRole
from ally_web.services.staff import auth as staff_auth

pytest_plugins = ["tests.smtp_server"]

# Hostile-input tests: bounded in CI, a little wider on a developer machine.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The database every test app uses: in-memory SQLite, or PostgreSQL with --db postgres.
DATABASE = {"url": "sqlite://"}

# Wed 2026-11-25 10:00 New York: the worked example of docs/rules.md (Counting days).
FROZEN_AT = datetime(2026, 11, 25, 10, 0)
STAFF_PASSWORD = "correct-horse-battery"


class FreshRequestClient(FlaskClient):
    """A test client whose requests each start with an empty `g`.

    The fixtures keep an app context pushed so tests can use the database; Flask
    then reuses that context (and its `g`) for every request, which a real server
    never does. Clearing `g` keeps per-request caches (the signed-in user, the
    htmx Vary flag) from leaking between requests.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=("sqlite", "postgres"), default="sqlite",
        help="database for the suite (postgres: DATABASE_URL or a throwaway server)",
    )


def pytest_configure(config):
    if config.getoption("--db") != "postgres":
        return
    from tests.support.postgres import find_pg_bin, postgres_url_or_start

    if not os.environ.get("DATABASE_URL", "").startswith("postgresql") and find_pg_bin() is None:
        message = (
            "PostgreSQL suite skipped: install PostgreSQL's server binaries "
            "(apt-get install postgresql) or set DATABASE_URL=postgresql+psycopg://..."
        )
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(message.replace("skipped", "cannot run under CI=true"))
        config.ally_skip_all = message
        return
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the xdist controller runs no tests: each worker starts its own server
    server = postgres_url_or_start()
    DATABASE["url"] = server.__enter__()
    config.ally_postgres = server


def pytest_unconfigure(config):
    server = getattr(config, "ally_postgres", None)
    if server is not None:
        server.__exit__(None, None, None)


def pytest_collection_modifyitems(config, items):
    message = getattr(config, "ally_skip_all", None)
    if message:
        print(f"\n{message}")
        for item in items:
            item.add_marker(pytest.mark.skip(reason=message))  # only off CI: under CI=true this is a failure


def make_app(**overrides):
    overrides.setdefault("SQLALCHEMY_DATABASE_URI", DATABASE["url"])
    config = type("LocalTestConfig", (TestConfig,), overrides)
    app = create_app(config)
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings (e.g. enable rate limits)."""
    return {}


@contextmanager
def running_app(seed: bool = True, **overrides):
    """An app with its tables built (tests only: real databases use migrations),
    optionally the demo catalog, and everything dropped afterwards."""
    app = make_app(**overrides)
    with app.app_context():
        db.create_all()
        if seed:
            from ally_web.seed import seed_catalog, seed_notices

            seed_catalog()
            seed_notices()
            db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(app_overrides):
    with running_app(**app_overrides) as app:
        yield app


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.freeze(FROZEN_AT) as moment:
        yield moment


@pytest.fixture
def client(app):
    return app.test_client()


HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@pytest.fixture
def htmx_headers():
    return dict(HTMX)


@pytest.fixture
def make_staff(app):
    def make(email="stylist@example.com", role=StaffRole.STYLIST, name="Sam Rivera"):
        staff = staff_auth.create_staff(email, name, STAFF_PASSWORD, role)
        db.session.commit()
        return staff

    return make


@pytest.fixture
def signed_in(client, make_staff):
    """A client signed in as a stylist through the real sign-in form."""
    staff = make_staff()
    response = client.post(
        "/staff/sign-in", data={"email": staff.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
