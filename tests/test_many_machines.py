"""The store on more than one machine: two app servers (gunicorn processes started
with the repository's gunicorn.conf.py) against one PostgreSQL and one Redis.

Nothing a shopper or a staff member relies on may live in one process's memory: a rate
limit counts requests made to either server, a cart made through one is seen through
the other, and a staff sign-out on one ends the session on the other (also for a
copy of the old cookie). Runs in the PostgreSQL suite; under CI a missing
redis-server is a failure, not a skip.
"""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import DATABASE, _postgres_databases, csrf_from
from tests.support.redis import find_redis_server, redis_url_or_start
from tests.support.servers import Browser, app_env, flask, gunicorn

pytestmark = pytest.mark.skipif(not DATABASE["url"].startswith("postgresql"),
                                reason="needs PostgreSQL: runs in the PostgreSQL suite (--db postgres)")

ADMIN_EMAIL, PASSWORD = "admin@ally.nyc", "heels-demo-2026"


def _need_redis() -> None:
    if find_redis_server() is None and not os.environ.get("REDIS_URL"):
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def shared_database(request):
    """A migrated, seeded PostgreSQL database of this module's own."""
    server_url, _ = request.config.ally_postgres_databases
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    name = f"ally_machines_{worker}"
    _postgres_databases(server_url, create=[name])
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        env = app_env(DATABASE_URL=url)
        flask(env, "db", "upgrade")
        flask(env, "ally", "seed")
        yield url
    finally:
        _postgres_databases(server_url, drop=[name])


@pytest.fixture(scope="module")
def two_servers(shared_database):
    _need_redis()
    with redis_url_or_start() as redis_url:
        env = app_env(ALLY_CONFIG="staging", DATABASE_URL=shared_database, REDIS_URL=redis_url,
                      LOOKUP_RATE_LIMIT="3 per minute", LOOKUP_NUMBER_RATE_LIMIT="100 per minute")
        with gunicorn(env) as first, gunicorn(env) as second:
            yield first, second, redis_url


def _variant_id(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT v.id FROM variants v JOIN colours c ON c.id = v.colour_id JOIN styles s ON s.id = c.style_id "
                "WHERE s.slug = 'classic-pump' AND v.stock > 0 ORDER BY v.id LIMIT 1")).scalar_one()
    finally:
        engine.dispose()


def test_both_servers_are_ready_on_the_shared_redis(two_servers):
    first, second, _ = two_servers
    for port in (first, second):
        answer = Browser().get(port, "/readyz")
        assert answer.status == 200
        assert '"redis":"ok"' in answer.body.replace(" ", "")


def test_a_rate_limit_counts_requests_to_either_server(two_servers):
    first, second, _ = two_servers
    shopper = Browser()
    statuses = []
    for port in (first, second, first, second):
        token = csrf_from(shopper.get(port, "/pages/order-lookup").body)
        answer = shopper.post(port, "/pages/order-lookup",
                              {"csrf_token": token, "email": "someone@example.com", "number": "100001"})
        statuses.append(answer.status)
    # Three a minute in all: each server alone has seen only two.
    assert statuses[:3] != [429, 429, 429] and 429 not in statuses[:3]
    assert statuses[3] == 429


def test_a_cart_made_on_one_server_is_seen_on_the_other(two_servers, shared_database):
    first, second, _ = two_servers
    shopper = Browser()
    page = shopper.get(first, "/products/classic-pump")
    variant_id = _variant_id(shared_database)
    added = shopper.post(first, "/cart/add", {"csrf_token": csrf_from(page.body), "variant_id": variant_id,
                                              "quantity": 1, "style": "classic-pump"})
    assert added.status == 303
    cart = shopper.get(second, "/cart")
    assert cart.status == 200
    assert "Classic Pump" in cart.body
    assert Browser().get(second, "/cart").body.count("Classic Pump") < cart.body.count("Classic Pump")


def test_a_staff_sign_out_on_one_server_ends_the_session_on_the_other(two_servers):
    first, second, _ = two_servers
    staff = Browser()
    form = staff.get(first, "/staff/sign-in").body
    signed_in = staff.post(first, "/staff/sign-in",
                           {"csrf_token": csrf_from(form), "email": ADMIN_EMAIL, "password": PASSWORD})
    assert signed_in.status in (302, 303), signed_in.body[:500]
    dashboard = staff.get(second, "/admin/")
    assert dashboard.status == 200
    stolen = Browser(cookies=dict(staff.cookies))  # a copy of the signed-in cookie

    signed_out = staff.post(first, "/staff/sign-out", {"csrf_token": csrf_from(dashboard.body)})
    assert signed_out.status in (302, 303)
    for browser in (staff, stolen):
        answer = browser.get(second, "/admin/")
        assert answer.status in (302, 303)
        assert re.search(r"/staff/sign-in", answer.headers["location"])
