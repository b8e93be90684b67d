"""Shared fixtures: an app on the seeded test database (each test in a transaction
rolled back afterwards), a client, a frozen store clock, and `auth` for staff sign-in."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import MetaData, create_engine, event, select
from sqlalchemy.engine import make_url

from ally_web import create_app
from ally_web.config import TestConfig
from ally_web.core import clock
from ally_web.core.emails import canonical_email
from ally_web.extensions import db
from ally_web.models import Staff, StaffRole
from ally_web.services import staff as staff_auth

pytest_plugins = ["tests.smtp_server"]

# Hostile-input tests: bounded in CI, a little wider on a developer machine.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The database every test app uses: in-memory SQLite, or PostgreSQL with --db postgres
# (then also "real_url", the database for tests that need real commits).
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
    config.ally_postgres = server
    url = server.__enter__()
    # Two databases of this process's own (workers may share a DATABASE_URL server):
    # the seeded one every test runs in a rolled-back transaction, and an empty one
    # for the tests that need real commits.
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    names = [f"ally_tests_{worker}", f"ally_real_{worker}"]
    _postgres_databases(url, create=names)
    config.ally_postgres_databases = (url, names)
    DATABASE["url"], DATABASE["real_url"] = (
        make_url(url).set(database=name).render_as_string(hide_password=False) for name in names
    )


def _postgres_databases(url: str, create=(), drop=()) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for name in [*drop, *create]:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for name in create:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def pytest_unconfigure(config):
    drop_shared_database()
    databases = getattr(config, "ally_postgres_databases", None)
    if databases is not None:
        url, names = databases
        _postgres_databases(url, drop=names)
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


# --- The database ---------------------------------------------------------------------
#
# Each test process (pytest-xdist worker) builds the schema and the demo seed once, in
# the database DATABASE["url"] names. A test app then runs on one connection to it,
# inside an outer transaction that is rolled back when the test ends. The app's session
# joins that transaction with savepoints (join_transaction_mode="create_savepoint"), so
# its own commit() and rollback() behave as in production inside the test, and nothing
# a test writes outlives it.
#
# Tests that need real commits seen by other connections (threads racing, migrations)
# use `real_database_url` instead: a separate, empty database that they build and drop
# themselves (running_app does it when given SQLALCHEMY_DATABASE_URI).

_shared: dict = {}

# Savepoint-joined sessions, whatever app they belong to: with an Engine bind (the
# real-commit databases) this setting has no effect.
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


def _sqlite_real_transactions(engine) -> None:
    """pysqlite starts transactions lazily and never for SAVEPOINT, so an outer
    transaction would not be real: let SQLAlchemy emit BEGIN itself."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def shared_engine():
    """The engine of this process's seeded test database (built on first use)."""
    if "engine" not in _shared:
        from ally_web.seed import seed_catalog, seed_notices

        app = make_app()
        with app.app_context():
            engine = db.engine
            if engine.dialect.name == "sqlite":
                _sqlite_real_transactions(engine)
            db.drop_all()  # a database left over by an interrupted run
            db.create_all()
            with clock.freeze(FROZEN_AT):
                seed_catalog()
                seed_notices()
            db.session.commit()
            db.session.remove()
        _shared.update(app=app, engine=engine)
    return _shared["engine"]


def drop_shared_database() -> None:
    app = _shared.pop("app", None)
    if app is not None:
        with app.app_context():
            db.drop_all()
            db.session.remove()
            db.engine.dispose()
        _shared.clear()


def _delete_everything(connection) -> None:
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())


@contextmanager
def running_app(seed: bool = True, **overrides):
    """An app on this process's test database, in a transaction rolled back at the
    end; with the demo catalog (seed=True) or with every table empty.

    Given SQLALCHEMY_DATABASE_URI (say `real_database_url`), the app gets that
    database for real instead: tables built, optionally seeded, dropped afterwards."""
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        with _real_running_app(seed, **overrides) as app:
            yield app
        return
    engine = shared_engine()
    app = make_app(**overrides)
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            with app.app_context():
                engines = db.engines
                own_engine = engines[None]  # never connected: the test's connection replaces it
                engines[None] = connection
                try:
                    if not seed:
                        _delete_everything(connection)
                    yield app
                finally:
                    db.session.remove()
                    engines[None] = own_engine
                    own_engine.dispose()
        finally:
            outer.rollback()


@contextmanager
def _real_running_app(seed: bool, **overrides):
    app = make_app(**overrides)
    with app.app_context():
        db.create_all()
        if seed:
            from ally_web.seed import seed_catalog, seed_notices

            seed_catalog()
            seed_notices()
            db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def real_database_url(tmp_path) -> Iterator[str]:
    """A separate, empty database for a test that needs real commits visible to other
    connections (threads, migrations). The test builds its tables itself, e.g. with
    running_app(SQLALCHEMY_DATABASE_URI=real_database_url); whatever is left in it
    afterwards is dropped."""
    if not DATABASE["url"].startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'real.sqlite3'}"  # a new file each test
        return
    url = DATABASE["real_url"]
    yield url
    engine = create_engine(url)
    try:
        leftovers = MetaData()
        leftovers.reflect(engine)
        leftovers.drop_all(engine)
    finally:
        engine.dispose()


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


class AuthActions:
    """Staff sign-in for tests, through the real service and the real form.

        auth.login()                      # a stylist, on the test's client
        auth.login(role="admin")          # an admin (admin@example.com)
        auth.login(email="x@example.com", client=other_client)
        auth.logout()

    The staff member is created with staff_auth.create_staff (once per email) and
    signs in with the sign-in form, CSRF token included when the app checks them.
    """

    password = STAFF_PASSWORD
    names = {StaffRole.STYLIST: "Sam Rivera", StaffRole.ADMIN: "Alex Admin"}

    def __init__(self, request):
        self._request = request

    def _client(self, client):
        return client if client is not None else self._request.getfixturevalue("client")

    def create(self, role: str | StaffRole = "stylist", email: str | None = None, name: str | None = None):
        """The staff member with this email, created through the service if new."""
        role = StaffRole(role)
        email = email or f"{role.value}@example.com"
        staff = db.session.scalar(select(Staff).where(Staff.email == canonical_email(email)))
        if staff is None:
            staff = staff_auth.create_staff(email, name or self.names[role], STAFF_PASSWORD, role)
            db.session.commit()
        return staff

    def sign_in(self, email: str, password: str = STAFF_PASSWORD, client=None, path: str = "/staff/sign-in", **kw):
        """Post the sign-in form as typed; returns the response (for tests of the form)."""
        client = self._client(client)
        data = {"email": email, "password": password}
        if client.application.config.get("WTF_CSRF_ENABLED"):
            data["csrf_token"] = csrf_from(client.get("/staff/sign-in").get_data(as_text=True))
        return client.post(path, data=data, **kw)

    def login(self, role: str | StaffRole = "stylist", email: str | None = None, name: str | None = None,
              client=None):
        """Sign in as a staff member of `role` (created if new); returns the Staff."""
        staff = self.create(role, email, name)
        response = self.sign_in(staff.email, client=client)
        assert response.status_code == 303, response.get_data(as_text=True)
        return staff

    def logout(self, client=None):
        client = self._client(client)
        data = {}
        if client.application.config.get("WTF_CSRF_ENABLED"):
            data["csrf_token"] = csrf_from(client.get("/admin/").get_data(as_text=True))
        return client.post("/staff/sign-out", data=data)


@pytest.fixture
def auth(request) -> AuthActions:
    return AuthActions(request)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
