"""Sandbox Pay's hosted page: the no-JavaScript form the shopper pays on."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

import ally_web.models.payments  # noqa: F401  (the sandbox tables, for create_all)
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.payments.sandbox import SandboxGateway
from ally_web.models.payments import SandboxPayment, SandboxPaymentMethod
from tests.conftest import csrf_from, running_app

RETURN_URL = "/checkout/return?checkout=abc"
CANCEL_URL = "/checkout"
BRANDING = "Sandbox Pay — test payments only, no real money"


@pytest.fixture
def app(app_overrides):
    with running_app(seed=False, **app_overrides) as app:
        yield app


@pytest.fixture
def session(app):
    return open_session()


def open_session(amount_cents=29500, mode="card", key="checkout:abc:session:1"):
    session = SandboxGateway().create_session(
        amount_cents=amount_cents, currency="USD", mode=mode, description="ALLY order, 1 pair(s)",
        return_url=RETURN_URL, cancel_url=CANCEL_URL, idempotency_key=key, metadata={},
    )
    db.session.commit()
    return session


def card(**changes):
    data = {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123",
            "name": "Ada Lovelace", "action": "pay"}
    data.update(changes)
    return data


def status_of(session) -> str:
    db.session.expire_all()
    return db.session.scalar(select(SandboxPayment.status).where(SandboxPayment.session_id == session.id))


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


def error_beside(html: str, field: str) -> str:
    """The error tied to `field`: present, and named by the input's aria-describedby."""
    tag = input_tag(html, field)
    assert f"{field}-error" in tag and 'aria-invalid="true"' in tag, tag
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', html)
    assert match, f"no error for {field}"
    return match.group(1)


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_the_amount_and_the_card_fields(client, session):
    response = client.get(session.url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert BRANDING in html
    assert "$295" in html and "ALLY order, 1 pair(s)" in html
    for name, autocomplete in [("card_number", "cc-number"), ("expiry", "cc-exp"), ("cvc", "cc-csc"), ("name", "cc-name")]:
        tag = input_tag(html, name)
        assert f'autocomplete="{autocomplete}"' in tag and f'id="{name}"' in tag
        assert f'<label class="field__label" for="{name}">' in html
    assert ">Cancel and return to the shop</button>" in html
    assert 'value="cancel"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_has_no_inline_script_or_style(client, session):
    html = client.get(session.url).get_data(as_text=True)
    assert "<style" not in html and " style=" not in html and "hx-on" not in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert len(re.findall(r'\bid="([^"]+)"', html)) == len(set(re.findall(r'\bid="([^"]+)"', html))), "duplicate ids"


def test_installments_show_four_dated_payments_summing_to_the_amount(client):
    session = open_session(amount_cents=29503, mode="installments")
    html = client.get(session.url).get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(\d) of 4</td>\s*<td>(?:Today, )?([^<]+)</td>\s*<td>\$([\d,.]+)</td>", html)
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    # Frozen clock: Wed 2026-11-25; then +2, +4, +6 weeks.
    assert [r[1] for r in rows] == [
        "Wednesday, November 25, 2026", "Wednesday, December 9, 2026",
        "Wednesday, December 23, 2026", "Wednesday, January 6, 2027",
    ]
    cents = [round(float(r[2].replace(",", "")) * 100) for r in rows]
    assert cents == [7378, 7375, 7375, 7375]  # the 3 odd cents go first
    assert sum(cents) == 29503
    assert 'autocomplete="cc-number"' in html  # the provider collects on a card


def test_the_schedule_follows_policy(client, monkeypatch):
    from ally_web import policy

    monkeypatch.setattr(policy, "INSTALLMENT_COUNT", 3)
    monkeypatch.setattr(policy, "INSTALLMENT_INTERVAL_WEEKS", 1)
    session = open_session(amount_cents=1000, mode="installments")
    html = client.get(session.url).get_data(as_text=True)
    assert "3 interest-free payments, one every 1 weeks" in html
    assert "Wednesday, December 2, 2026" in html and "$3.34" in html


def test_an_unknown_session_is_404(client, app):
    assert client.get("/sandbox-pay/" + "A" * 32).status_code == 404
    assert client.post("/sandbox-pay/" + "A" * 32, data=card()).status_code == 404


@pytest.mark.parametrize("session_id", [
    "12345678901234567890", "9" * 20, "-1", "0", "a" * 5000, "%3Cx-hostile%3E", "..%2F..%2Fetc",
    "' OR 1=1 --", "%F0%9F%A5%BF", "%E2%80%AE", "{{7*7}}",
])
def test_strange_session_ids_are_404(client, app, session_id):
    assert client.get(f"/sandbox-pay/{session_id}").status_code == 404
    assert client.post(f"/sandbox-pay/{session_id}", data=card()).status_code == 404


@given(session_id=st.text(min_size=1, max_size=80))
def test_hostile_session_ids_never_500(client, session_id):
    path = "/sandbox-pay/" + session_id.replace("%", "%25").replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    # 404; 400 for a NUL byte; 308 when a decoded "/" makes "//" in the path.
    assert client.get(path).status_code in (308, 400, 404)
    assert client.post(path, data=card()).status_code in (308, 400, 404)


def test_the_page_is_gone_when_the_sandbox_is_not_the_provider(client, app, session):
    app.config["PAYMENTS_PROVIDER"] = "stripe"
    assert client.get(session.url).status_code == 404
    assert client.post(session.url, data=card()).status_code == 404
    assert status_of(session) == "open"


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("changes, field, message", [
    ({"card_number": "4242 4242 4242 4241"}, "card_number", "That card number is not valid"),
    ({"card_number": ""}, "card_number", "Please enter the card number"),
    ({"card_number": "4242-4242-4242-4242"}, "card_number", "only digits"),
    ({"card_number": "4242 ４２４２ 4242 4242"}, "card_number", "only digits"),
    ({"card_number": "42424242424"}, "card_number", "12 to 19 digits"),
    ({"card_number": "4" * 20}, "card_number", "12 to 19 digits"),
    ({"expiry": "10/26"}, "expiry", "This card has expired"),
    ({"expiry": "13/30"}, "expiry", "as MM/YY"),
    ({"expiry": "12-30"}, "expiry", "as MM/YY"),
    ({"expiry": ""}, "expiry", "Please enter the expiry date"),
    ({"expiry": "12/99"}, "expiry", "check the year"),
    ({"cvc": "12"}, "cvc", "3 or 4 digits"),
    ({"cvc": "12345"}, "cvc", "3 or 4 digits"),
    ({"cvc": ""}, "cvc", "Please enter the security code"),
    ({"name": "  "}, "name", "Please enter the name"),
    ({"name": "A" * 101}, "name", "100 characters"),
])
def test_bad_details_come_back_beside_the_field(client, session, changes, field, message):
    data = card(**changes)
    response = client.post(session.url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_beside(html, field)
    assert 'role="alert"' in html
    # What was typed is kept, except the card number and the security code.
    if field != "name":
        assert 'value="Ada Lovelace"' in input_tag(html, "name")
    if field != "expiry":
        assert 'value="12/30"' in input_tag(html, "expiry")
    assert 'value=""' in input_tag(html, "card_number")
    assert 'value=""' in input_tag(html, "cvc")
    digits = data["card_number"].replace(" ", "")
    if len(digits) >= 12:
        assert digits not in html and data["card_number"] not in html.replace("4242 4242 4242 4242", "")
    assert status_of(session) == "open"


def test_a_bad_luhn_number_with_past_expiry_and_short_cvc(client, session):
    response = client.post(session.url, data=card(card_number="4000 1234 5678 9011", expiry="10/26", cvc="1"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not valid" in error_beside(html, "card_number")
    assert "expired" in error_beside(html, "expiry")
    assert "3 or 4 digits" in error_beside(html, "cvc")
    assert "4000 1234 5678 9011" not in html and "4000123456789011" not in html
    assert 'value="10/26"' in input_tag(html, "expiry") and 'value="Ada Lovelace"' in input_tag(html, "name")


def test_this_months_expiry_is_still_valid(client, session):
    # Frozen clock: November 2026.
    assert client.post(session.url, data=card(expiry="11/26")).status_code == 303
    assert status_of(session) == "authorized"


def test_expiry_formats(client, app):
    for index, expiry in enumerate(["1/30", "01 / 30", "0130"]):
        session = open_session(key=f"k{index}")
        assert client.post(session.url, data=card(expiry=expiry)).status_code == 303, expiry


def test_markup_typed_in_the_name_is_escaped(client, session):
    html = client.post(session.url, data=card(name="<x-hostile>", cvc="")).get_data(as_text=True)
    assert "<x-hostile>" not in html and "&lt;x-hostile&gt;" in html


# --- Paying, cancelling, using a page twice ------------------------------------------------


def test_paying_redirects_to_the_return_url_with_the_session(client, session):
    response = client.post(session.url, data=card())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout/return?checkout=abc&session={session.id}"
    assert status_of(session) == "authorized"


def test_a_declined_card_also_returns_to_the_shop(client, session):
    response = client.post(session.url, data=card(card_number="4000000000000002"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"session={session.id}")
    assert status_of(session) == "failed"


def test_a_second_post_on_a_used_page_explains_and_changes_nothing(client, session):
    assert client.post(session.url, data=card()).status_code == 303
    ref = SandboxGateway().retrieve(session.id).payment_ref

    again = client.post(session.url, data=card(card_number="4000 0566 5566 5556"))
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "already been used" in html
    assert f'href="/checkout/return?checkout=abc&amp;session={session.id}"' in html
    result = SandboxGateway().retrieve(session.id)
    assert (result.status, result.payment_ref, result.card_last4) == ("authorized", ref, "4242")
    # Cancelling afterwards does nothing either.
    assert client.post(session.url, data={"action": "cancel"}).status_code == 409
    assert status_of(session) == "authorized"

    page = client.get(session.url)
    assert page.status_code == 200 and "already been used" in page.get_data(as_text=True)
    assert 'autocomplete="cc-number"' not in page.get_data(as_text=True)


def test_a_cancelled_page_links_back_to_the_cancel_url(client, session):
    response = client.post(session.url, data={"action": "cancel"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout?session={session.id}"
    html = client.get(session.url).get_data(as_text=True)
    assert "already been used" in html and "cancelled" in html
    assert f'href="/checkout?session={session.id}"' in html


def test_cancelling_ignores_card_fields(client, session):
    response = client.post(session.url, data=card(card_number="1", action="cancel"))
    assert response.status_code == 303
    assert status_of(session) == "cancelled"


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def csrf_app():
    with running_app(seed=False, WTF_CSRF_ENABLED=True) as app:
        yield app


def test_the_forms_carry_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    session = open_session()
    html = client.get(session.url).get_data(as_text=True)
    assert 'id="csrf_token"' in html and 'id="cancel-csrf_token"' in html
    token = csrf_from(html)

    assert client.post(session.url, data=card()).status_code == 400
    assert client.post(session.url, data={"action": "cancel"}).status_code == 400
    assert status_of(session) == "open"

    assert client.post(session.url, data={**card(), "csrf_token": token}).status_code == 303
    assert status_of(session) == "authorized"


def test_cancel_with_its_own_csrf_token(csrf_app):
    client = csrf_app.test_client()
    session = open_session()
    html = client.get(session.url).get_data(as_text=True)
    token = re.search(r'name="cancel-csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(session.url, data={"action": "cancel", "cancel-csrf_token": token})
    assert response.status_code == 303
    assert status_of(session) == "cancelled"


def test_the_clock_is_frozen_where_the_tests_expect(frozen_clock):
    assert clock.now().replace(tzinfo=None) == datetime(2026, 11, 25, 10, 0)


# --- Hostile input --------------------------------------------------------------------------

MARKER = "<x-hostile>"
nasty = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "99/99", "00/30", "1e309", "٣٣٣", "８８８", MARKER, "\u202e",
                     "🥿" * 50, "a" * 5000, "4" * 5000, "{{7*7}}", "' OR 1=1 --", "12/", "/30"]),
    st.text(max_size=60),
)


@given(number=nasty, expiry=nasty, cvc=nasty, name=nasty, action=st.one_of(st.none(), nasty))
def test_hostile_card_forms_never_500(client, app, number, expiry, cvc, name, action):
    session = open_session(key=f"hostile:{secrets.token_hex(8)}")
    data = {"card_number": number, "expiry": expiry, "cvc": cvc, "name": name}
    if action is not None:
        data["action"] = action
    response = client.post(session.url, data=data)
    assert response.status_code in (303, 400, 422), response.status_code
    assert MARKER not in response.get_data(as_text=True)


# --- Setup pages: saving a card for later ------------------------------------------------


def open_setup(key="trial:abc:setup"):
    session = SandboxGateway().create_session(
        amount_cents=0, currency="USD", mode="setup", description="ALLY at-home trial",
        return_url=RETURN_URL, cancel_url=CANCEL_URL, idempotency_key=key, metadata={},
    )
    db.session.commit()
    return session


def test_a_setup_page_says_it_saves_the_card_and_charges_nothing(client, app):
    session = open_setup()
    response = client.get(session.url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert BRANDING in html and "ALLY at-home trial" in html
    assert "<title>Sandbox Pay: save a card" in html
    assert ">Save a card for later</h1>" in html and "Nothing is charged now." in html
    assert "$" not in html  # no amount anywhere, not even $0.00
    assert re.search(r">\s*Save card\s*</button>", html)
    assert "interest-free" not in html
    for name in ("card_number", "expiry", "cvc", "name"):
        assert f'<label class="field__label" for="{name}">' in html and f'id="{name}"' in input_tag(html, name)
    assert "<style" not in html and " style=" not in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert response.headers["Cache-Control"] == "no-store"


def test_the_test_card_list_has_the_saved_card_cards(client, session):
    html = client.get(session.url).get_data(as_text=True)
    assert re.search(r"<td>4000 0000 0000 0341</td>\s*<td>Succeeds \(Visa, credit\); once saved, later charges are declined</td>", html)
    assert re.search(r"<td>4000 0000 0000 1117</td>\s*<td>Succeeds \(Visa, credit\); holds lapse after 1 day</td>", html)
    assert re.search(r"<td>4242 4242 4242 4242</td>\s*<td>Succeeds \(Visa, credit\)</td>", html)
    assert len(re.findall(r"<td>\d{4} \d{4} \d{4} \d{4}</td>", html)) == 8


def test_saving_redirects_back_with_the_session_and_keeps_no_number(client, app):
    session = open_setup()
    response = client.post(session.url, data=card(card_number="5105 1051 0510 5100", cvc="987"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout/return?checkout=abc&session={session.id}"
    assert status_of(session) == "saved"
    result = SandboxGateway().retrieve(session.id)
    assert result.payment_method.startswith("pm_sbx_")
    assert (result.card_brand, result.card_last4, result.card_funding) == ("mastercard", "5100", "prepaid")
    rows = db.session.execute(select(SandboxPaymentMethod)).scalars().all()
    assert [(m.token, m.card_brand, m.card_last4, m.card_funding) for m in rows] == [
        (result.payment_method, "mastercard", "5100", "prepaid")]
    for table in ("sandbox_payment_methods", "sandbox_payments", "sandbox_idempotency_keys"):
        for record in db.session.execute(text(f"SELECT * FROM {table}")):
            assert not any("510510510510" in str(cell) or "987" == str(cell) for cell in record), table


def test_a_declined_card_is_not_saved(client, app):
    session = open_setup()
    response = client.post(session.url, data=card(card_number="4000 0000 0000 9995"))
    assert response.status_code == 303
    result = SandboxGateway().retrieve(session.id)
    assert (result.status, result.failure_code, result.payment_method) == ("failed", "insufficient_funds", None)
    assert db.session.scalar(select(SandboxPaymentMethod)) is None


def test_bad_details_on_a_setup_page_come_back_beside_the_field(client, app):
    session = open_setup()
    response = client.post(session.url, data=card(card_number="4000 0000 0000 0342", expiry="10/26"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not valid" in error_beside(html, "card_number")
    assert "expired" in error_beside(html, "expiry")
    assert ">Save a card for later</h1>" in html and 'value=""' in input_tag(html, "card_number")
    assert status_of(session) == "open"


def test_a_setup_page_is_used_once(client, app):
    session = open_setup()
    assert client.post(session.url, data=card()).status_code == 303
    again = client.post(session.url, data=card(card_number="4000 0566 5566 5556"))
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "already been used" in html and "The card was saved here already; nothing was charged." in html
    assert "To save a card again" in html
    assert db.session.scalar(select(db.func.count()).select_from(SandboxPaymentMethod)) == 1
    assert SandboxGateway().retrieve(session.id).card_last4 == "4242"


def test_a_setup_page_can_be_cancelled(client, app):
    session = open_setup()
    response = client.post(session.url, data={"action": "cancel"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout?session={session.id}"
    assert status_of(session) == "cancelled"


def test_a_setup_page_needs_its_csrf_token(csrf_app):
    client = csrf_app.test_client()
    session = open_setup()
    html = client.get(session.url).get_data(as_text=True)
    assert client.post(session.url, data=card()).status_code == 400
    assert status_of(session) == "open"
    assert client.post(session.url, data={**card(), "csrf_token": csrf_from(html)}).status_code == 303
    assert status_of(session) == "saved"


def test_off_session_payments_have_no_page(client, app):
    session = open_setup()
    client.post(session.url, data=card())
    token = SandboxGateway().retrieve(session.id).payment_method
    hold = SandboxGateway().authorize_saved(token, 5000, idempotency_key="k:hold")
    charge = SandboxGateway().charge_saved(token, 5000, idempotency_key="k:charge")
    db.session.commit()
    for result in (hold, charge):
        assert client.get(f"/sandbox-pay/{result.session_id}").status_code == 404
        assert client.post(f"/sandbox-pay/{result.session_id}", data=card()).status_code == 404
        assert client.post(f"/sandbox-pay/{result.session_id}", data={"action": "cancel"}).status_code == 404
    assert SandboxGateway().retrieve(hold.session_id).status == "authorized"
