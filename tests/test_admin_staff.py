"""Admins manage staff accounts; stylists cannot."""

from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import Staff, StaffRole

NEW = {"name": "Dana Park", "email": "Dana@Ally.NYC", "role": "stylist", "password": "a-long-first-password"}


def test_stylists_may_not_manage_staff(client, auth):
    auth.login(role="stylist")
    assert client.get("/admin/staff").status_code == 403
    assert client.post("/admin/staff", data=NEW).status_code == 403
    assert "Staff accounts" not in client.get("/admin/").get_data(as_text=True)


def test_admin_adds_a_stylist(client, auth):
    auth.login(role="admin")
    response = client.post("/admin/staff", data=NEW)
    assert response.status_code == 303
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "Dana Park can now sign in as stylist." in page
    staff = db.session.scalar(select(Staff).where(Staff.email == "dana@ally.nyc"))
    assert staff.role == StaffRole.STYLIST


def test_bad_staff_form_is_422_with_messages_and_keeps_input(client, auth):
    auth.login(role="admin")
    response = client.post("/admin/staff", data={**NEW, "email": "not-an-email", "password": "short", "role": "boss"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="role-error"' in html
    assert 'value="Dana Park"' in html and 'value="not-an-email"' in html


def test_duplicate_email_is_refused_beside_the_field(client, auth):
    auth.login(role="admin")
    response = client.post("/admin/staff", data={**NEW, "email": "admin@example.com"})
    assert response.status_code == 422
    assert 'id="email-error">A staff member with this email already exists.' in response.get_data(as_text=True)


def test_htmx_gets_the_form_fragment_or_a_full_navigation(client, auth, htmx_headers):
    auth.login(role="admin")
    bad = client.post("/admin/staff", data={**NEW, "password": "short"}, headers=htmx_headers)
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).lstrip().startswith('<form id="staff-form"')
    good = client.post("/admin/staff", data=NEW, headers=htmx_headers)
    assert good.status_code == 204 and good.headers["HX-Redirect"] == "/admin/staff"
