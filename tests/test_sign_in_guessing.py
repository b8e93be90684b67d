"""Guessing a staff password, or an order number, from many addresses never locks
the owner out (issue #10, point 5): the hard limit is per client address, the
per-email and per-number limits count per address too, and a global count per email
only warns the staff member, by email, at most once an hour."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import OutboxMessage, StaffRole
from ally_web.services import staff as staff_service
from tests.conftest import STAFF_PASSWORD, running_app

OWNER = "owner@ally.nyc"


@pytest.fixture
def guarded():
    with running_app(seed=False, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="5 per minute; 30 per hour",
                     LOGIN_EMAIL_RATE_LIMIT="3 per minute; 10 per hour", LOGIN_ALERT_FAILURES=10) as app:
        staff_service.create_staff(OWNER, "Olivia Owner", STAFF_PASSWORD, StaffRole.ADMIN)
        db.session.commit()
        yield app


def sign_in(auth, app, email, password, address):
    """Sign in from `address`, in a fresh browser (the `auth` fixture posts the form)."""
    return auth.sign_in(email, password, client=app.test_client(), environ_base={"REMOTE_ADDR": address})


def warnings() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_sign_in_warning")))


def test_guessing_from_many_addresses_does_not_lock_the_owner_out(guarded, auth):
    for n in range(40):
        assert sign_in(auth, guarded, OWNER, f"guess-{n}", f"198.51.100.{n}").status_code == 422
    assert sign_in(auth, guarded, OWNER, STAFF_PASSWORD, "203.0.113.7").status_code == 303


def test_the_owner_is_warned_once_by_email(guarded, auth):
    for n in range(25):
        sign_in(auth, guarded, OWNER, f"guess-{n}", f"198.51.100.{n}")
    sent = warnings()
    assert len(sent) == 1
    assert sent[0].to_address == OWNER
    assert "Olivia" in sent[0].text_body and "10" in sent[0].text_body
    assert "sign" in sent[0].subject.lower()


def test_the_guesser_cannot_tell_whether_the_email_exists(guarded, auth):
    answers = {}
    for email in (OWNER, "nobody@ally.nyc"):
        network = 100 if email == OWNER else 101
        responses = [sign_in(auth, guarded, email, "guess", f"198.51.{network}.{n}") for n in range(12)]
        answers[email] = [(r.status_code, sorted(h for h, _ in r.headers if not h.startswith("Set-Cookie")))
                          for r in responses]
    assert answers[OWNER] == answers["nobody@ally.nyc"]
    assert [m.to_address for m in warnings()] == [OWNER]  # nobody is warned about an unknown email


def test_one_address_is_still_slowed_per_email_and_stopped_per_address(guarded, auth):
    for n in range(3):
        assert sign_in(auth, guarded, OWNER, f"guess-{n}", "198.51.100.1").status_code == 422
    assert sign_in(auth, guarded, OWNER, "guess", "198.51.100.1").status_code == 429  # this email, this address
    other_emails = [sign_in(auth, guarded, f"other{n}@ally.nyc", "guess", "198.51.100.1").status_code for n in range(3)]
    assert other_emails[0] == 422 and other_emails[-1] == 429  # 5 per minute per address, whatever the email
    assert sign_in(auth, guarded, OWNER, STAFF_PASSWORD, "203.0.113.7").status_code == 303


# --- the order lookup: per number and address --------------------------------------------------


@pytest.fixture
def lookup_app():
    with running_app(RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="4 per minute",
                     LOOKUP_NUMBER_RATE_LIMIT="3 per minute") as app:
        yield app


def look_up(app, number, address, email="a@example.com"):
    return app.test_client().post("/pages/order-lookup", data={"email": email, "number": number},
                                  environ_base={"REMOTE_ADDR": address})


def test_a_number_guessed_from_many_addresses_does_not_block_its_owner(lookup_app):
    for n in range(10):
        assert look_up(lookup_app, "K7M2-4XQP", f"198.51.100.{n}").status_code == 422
    assert look_up(lookup_app, "K7M2-4XQP", "203.0.113.7", email="jane@example.com").status_code == 422  # not 429


def test_a_number_is_still_limited_per_address(lookup_app):
    for _ in range(3):
        assert look_up(lookup_app, "#nope-9999", "198.51.100.1").status_code == 422
    assert look_up(lookup_app, "NOPE 9999", "198.51.100.1").status_code == 429
    assert look_up(lookup_app, "AAAA-BBBB", "198.51.100.1").status_code == 422  # another number, same address
