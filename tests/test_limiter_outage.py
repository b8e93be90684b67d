"""A rate-limit store that is down (issue #10, point 7): staff sign-in and the order
lookup answer normally, the limits still hold in-process, and the outage is logged
as an error. No Redis is needed: the store's address is a closed local port."""

from __future__ import annotations

import logging

import pytest

from ally_web.extensions import limiter
from tests.conftest import running_app

DEAD_STORE = "redis://127.0.0.1:1/0"


@pytest.fixture
def outage():
    with running_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DEAD_STORE, LOGIN_RATE_LIMIT="3 per minute",
                     LOGIN_EMAIL_RATE_LIMIT="10 per minute", LOOKUP_RATE_LIMIT="3 per minute",
                     LOOKUP_NUMBER_RATE_LIMIT="10 per minute", PROPAGATE_EXCEPTIONS=False) as app:
        try:
            yield app
        finally:
            # The extension object outlives this app: without this, the next test's app
            # in this process would start on the in-memory fallback and switch to its
            # own store half way through (Flask-Limiter has no public reset for it).
            limiter._storage_dead = False


def test_sign_in_answers_and_is_limited_in_process_while_the_store_is_down(outage, caplog):
    client = outage.test_client()
    with caplog.at_level(logging.INFO):
        answers = [client.post("/staff/sign-in", data={"email": "who@example.com", "password": "guess"}).status_code
                   for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    assert any(record.levelno >= logging.ERROR and "rate limit" in record.getMessage().lower()
               for record in caplog.records), [r.getMessage() for r in caplog.records]


def test_the_order_lookup_answers_and_is_limited_in_process_while_the_store_is_down(outage):
    client = outage.test_client()
    answers = [client.post("/pages/order-lookup", data={"email": "a@example.com", "number": f"AAAA-AAA{n}"}).status_code
               for n in range(4)]
    assert answers == [422, 422, 422, 429]


def test_the_fallback_is_configured_in_every_environment(app):
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert app.config["RATELIMIT_SWALLOW_ERRORS"] is True
