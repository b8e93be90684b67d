"""Shared fixtures: an app on a fresh database with the demo catalog, a client,
a frozen store clock, and a signed-in staff member."""

from __future__ import annotations

import os
import re
from datetime import datetime

import pytest

from ally_web import create_app
from ally_web.config import TestConfig
from ally_web.extensions import db
from ally_web.models import StaffRole
from ally_web.services import calendar, staff_auth

# Wed 2026-11-25 10:00 New York: the worked example of DESIGN §1.
FROZEN_AT = datetime(2026, 11, 25, 10, 0)
STAFF_PASSWORD = "correct-horse-battery"


def make_app(**overrides):
    config = type("LocalTestConfig", (TestConfig,), overrides)
    return create_app(config)


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings (e.g. enable rate limits)."""
    return {}


@pytest.fixture
def app(app_overrides):
    app = make_app(**app_overrides)
    with app.app_context():
        db.create_all()  # tests only: real databases are built by migrations
        from ally_web.seed import seed_catalog, seed_notices

        seed_catalog()
        seed_notices()
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture(autouse=True)
def frozen_clock():
    with calendar.freeze(FROZEN_AT) as moment:
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
