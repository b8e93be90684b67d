"""Staff sign-in: hashed passwords, server-side sessions, timeouts, rate limits,
and every /admin page closed to visitors."""

from datetime import timedelta

import pytest
from flask_login.signals import user_accessed
from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import StaffRole, StaffSession
from ally_web.services.staff import auth as staff_auth
from tests.conftest import STAFF_PASSWORD, running_app

# --- service ------------------------------------------------------------------


def test_passwords_are_hashed(app, auth):
    staff = auth.create()
    assert STAFF_PASSWORD not in staff.password_hash
    assert staff.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_authenticate_refuses_wrong_password_unknown_email_and_inactive(app, auth):
    staff = auth.create()
    assert staff_auth.authenticate(" Stylist@Example.com ", STAFF_PASSWORD) == staff
    for email, password in ((staff.email, "wrong"), ("nobody@example.com", STAFF_PASSWORD)):
        with pytest.raises(DomainError):
            staff_auth.authenticate(email, password)
    staff.active = False
    with pytest.raises(DomainError):
        staff_auth.authenticate(staff.email, STAFF_PASSWORD)


def test_create_staff_refuses_short_passwords_and_duplicates(app, auth):
    auth.create()
    with pytest.raises(DomainError, match="already exists"):
        staff_auth.create_staff("STYLIST@example.com", "X", STAFF_PASSWORD, StaffRole.ADMIN)
    with pytest.raises(DomainError, match="12 characters"):
        staff_auth.create_staff("new@example.com", "X", "short", StaffRole.ADMIN)


# --- sign-in and sign-out through the pages ------------------------------------------------


def test_sign_in_lands_on_the_dashboard(client, auth):
    auth.create()
    response = auth.sign_in("stylist@example.com", client=client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Signed in as <strong>Sam Rivera</strong> (stylist)" in page.get_data(as_text=True)


def test_wrong_password_is_422_keeps_the_email_and_says_why(client, auth):
    auth.create()
    response = auth.sign_in("stylist@example.com", "not-it", client=client)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "do not match an active staff account" in html
    assert 'value="stylist@example.com"' in html


def test_empty_form_marks_each_field(client):
    response = client.post("/staff/sign-in", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'aria-describedby="email-error"' in html


def test_next_only_goes_to_admin_pages_on_this_site(client, auth):
    auth.create()
    response = auth.sign_in("stylist@example.com", path="/staff/sign-in?next=https://evil.example/admin/")
    assert response.headers["Location"] == "/admin/"


def test_sign_in_renews_the_session(client, auth, app):
    auth.create()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.sign_in("stylist@example.com", client=client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_a_copied_cookie_stops_working_after_sign_out(app, auth):
    browser = app.test_client()
    auth.login(client=browser)
    cookie = browser.get_cookie("ally_session").value
    copy = app.test_client()
    copy.set_cookie("ally_session", cookie)
    assert copy.get("/admin/").status_code == 200  # the copy works while signed in

    auth.logout(client=browser)
    assert browser.get("/admin/").status_code == 303
    response = copy.get("/admin/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/sign-in")
    ended = db.session.scalars(select(StaffSession)).one()
    assert ended.ended_at is not None


def test_idle_timeout_ends_the_session(client, auth, app):
    auth.login()
    idle = app.config["STAFF_IDLE_TIMEOUT"]
    with clock.freeze(clock.now() + idle - timedelta(minutes=1)):
        assert client.get("/admin/").status_code == 200  # activity resets the idle clock
    with clock.freeze(clock.now() + 2 * idle - timedelta(minutes=3)):
        assert client.get("/admin/").status_code == 200
    with clock.freeze(clock.now() + 3 * idle):
        assert client.get("/admin/").status_code == 303


def test_absolute_timeout_ends_even_an_active_session(client, auth, app):
    auth.login()
    start = clock.now()
    step = app.config["STAFF_IDLE_TIMEOUT"] - timedelta(minutes=1)
    moment = start
    while moment - start < app.config["STAFF_ABSOLUTE_TIMEOUT"] - step:
        moment += step
        with clock.freeze(moment):
            assert client.get("/admin/").status_code == 200
    with clock.freeze(start + app.config["STAFF_ABSOLUTE_TIMEOUT"] + timedelta(seconds=1)):
        assert client.get("/admin/").status_code == 303


def test_the_store_header_links_to_the_staff_pages_only_for_signed_in_staff(app, client, auth):
    staff_link = '<a href="/admin/">Staff</a>'
    assert staff_link not in client.get("/").get_data(as_text=True)
    auth.login(client=client)
    assert staff_link in client.get("/").get_data(as_text=True)
    assert staff_link in client.get("/products/classic-pump").get_data(as_text=True)
    auth.logout(client=client)
    assert staff_link not in client.get("/").get_data(as_text=True)


def test_pages_shown_to_shoppers_never_load_a_user(app, client, auth):
    """Flask-Login's user load (which hashes the visitor's address and browser) runs
    only when a session holds a sign-in, not for every page and fragment."""
    loads = []
    with user_accessed.connected_to(lambda sender, **kw: loads.append(sender), app):
        client.get("/")
        client.get("/products/classic-pump?colour=black&size=8.5&width=M")
        client.get("/products/classic-pump?colour=black&size=8.5&width=M", headers={"HX-Request": "true"})
        client.get("/cart")
        assert loads == []
        auth.login(client=client)
        client.get("/")
    assert loads


def test_sign_out_is_post_only(client, auth):
    auth.login()
    assert client.get("/staff/sign-out").status_code == 405


def test_admin_role_is_shown(client, auth):
    auth.login(role="admin", name="Alex Chen")
    assert "(admin)" in client.get("/admin/").get_data(as_text=True)


# --- every /admin endpoint is closed -----------------------------------------------------


def admin_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert rules, "no /admin endpoints found"
    return rules


def _build(rule, values):
    from flask import url_for

    return url_for(rule.endpoint, **values)


def test_every_admin_endpoint_sends_visitors_to_sign_in(app, client):
    with app.test_request_context():
        urls = [(rule, _build(rule, {arg: 1 for arg in rule.arguments})) for rule in admin_rules(app)]
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 303, (method, url)
            assert response.headers["Location"].startswith("/staff/sign-in"), (method, url)

            partial = client.open(url, method=method, headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/"})
            assert partial.status_code == 204, (method, url)
            assert partial.headers["HX-Redirect"].startswith("/staff/sign-in"), (method, url)
            assert partial.get_data() == b""  # never a login form inside a fragment


# --- rate limit ---------------------------------------------------------------------------


@pytest.fixture
def limited_app():
    with running_app(seed=False, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute") as app:
        yield app


def test_login_is_rate_limited_with_a_friendly_429(limited_app, auth):
    client = limited_app.test_client()
    for _ in range(3):
        assert auth.sign_in("who@example.com", "guess", client=client).status_code == 422
    response = auth.sign_in("who@example.com", "guess", client=client)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/staff/sign-in").status_code == 200  # reading the form is not limited


def test_login_limit_per_email_counts_per_address_so_others_never_lock_the_owner_out(limited_app, auth):
    # One email guessed from many addresses must not stop its owner signing in.
    for number in range(3):
        client = limited_app.test_client()
        response = auth.sign_in("target@example.com", "guess", environ_base={"REMOTE_ADDR": f"10.0.0.{number}"}, client=client)
        assert response.status_code == 422
    other = limited_app.test_client()
    response = auth.sign_in("TARGET@example.com", "guess", environ_base={"REMOTE_ADDR": "10.0.0.99"}, client=other)
    assert response.status_code == 422


def test_disabling_a_staff_member_ends_their_sessions(client, auth):
    staff = auth.login()
    assert client.get("/admin/").status_code == 200
    staff.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 303
