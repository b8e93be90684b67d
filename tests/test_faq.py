"""The FAQ renders its numbers from policy, covers every topic, and links only to
pages that exist."""

import re

import pytest

from ally_web import policy
from ally_web.policy import DayRange

TOPICS = ["delivery", "returns", "made-to-order", "trial", "installments", "referrals", "care",
          "sole-protector", "international", "landed-costs", "tracking", "contact"]


def test_faq_covers_every_topic(client):
    html = client.get("/faq").get_data(as_text=True)
    for topic in TOPICS:
        assert f'id="{topic}"' in html, topic
    for name in policy.INTERNATIONAL_COUNTRIES.values():
        assert name in html
    assert policy.CONTACT_EMAIL in html and policy.CONTACT_PHONE in html


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("RETURN_WINDOW_DAYS", 30, "30 days"),
        ("TRIAL_WINDOW_DAYS", 10, "10 full days"),
        ("IN_STOCK_SHIPS", DayRange(2, 4), "2–4"),
        ("REFERRAL_FRIEND_CENTS", 3500, "$35"),
        ("WELCOME_DISCOUNT_CENTS", 4000, "$40"),
        ("FIT_SESSION_MINUTES", 25, "25-minute video"),
    ],
)
def test_changing_a_policy_value_changes_the_page(client, monkeypatch, name, value, expected):
    before = client.get("/faq").get_data(as_text=True)
    assert expected not in before
    monkeypatch.setattr(policy, name, value)
    assert expected in client.get("/faq").get_data(as_text=True)


def test_return_window_change_moves_both_text_and_rule(client, monkeypatch):
    from datetime import date

    from ally_web.services.pricing import calendar

    monkeypatch.setattr(policy, "RETURN_WINDOW_DAYS", 21)
    assert calendar.return_window_closes_at(date(2026, 12, 7)).date() == date(2026, 12, 28)
    assert "21 days" in client.get("/faq").get_data(as_text=True)


@pytest.mark.parametrize("page", ["/", "/shop", "/faq", "/contact", "/products/classic-pump", "/cart", "/staff/sign-in"])
def test_every_internal_link_leads_somewhere(client, page):
    html = client.get(page).get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"#]*)', html))
    assert links
    for link in links:
        status = client.get(link.replace("&amp;", "&")).status_code
        assert status in (200, 303), (page, link, status)


def _text(response) -> str:
    import html as htmllib

    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_faq_explains_the_cutoff_with_todays_dates(client):
    # The clock is frozen at Wed Nov 25, 2026, 10:00 AM New York time.
    page = _text(client.get("/faq"))
    assert "you order before 2 PM New York time" in page
    assert "An order placed at 2 PM New York time or later, or on a weekend or holiday, counts from the next business day" in page
    assert "An order placed now (Nov 25, 2026, 10:00 AM EST) counts from Wednesday, November 25, 2026." in page
    assert "A pair ordered now ships between Fri, Nov 27 and Mon, Nov 30 and arrives Wed, Dec 2 – Mon, Dec 7." in page


def test_faq_cutoff_words_follow_the_rule(client, monkeypatch):
    from datetime import time

    monkeypatch.setattr(policy, "ORDER_DAY_CUTOFF", time(9, 30))
    page = _text(client.get("/faq"))
    assert "you order before 9:30 AM New York time" in page
    assert "counts from Friday, November 27, 2026" in page  # 10 AM is past 9:30; Thanksgiving is skipped


def test_product_page_says_the_dates_and_the_cutoff(client):
    from sqlalchemy import select

    from ally_web.extensions import db
    from ally_web.models import Colour, Style, Variant

    variant = db.session.scalar(select(Variant).join(Colour).join(Style).where(
        Style.slug == "classic-pump", Colour.slug == "black", Variant.size_halves == 16, Variant.width == "M"))
    variant.stock = 3
    db.session.commit()
    page = _text(client.get("/products/classic-pump?colour=black&size=8&width=M"))
    assert ("Ordered now, it leaves our New York studio between Fri, Nov 27 and Mon, Nov 30 "
            "(1–2 business days after Wed, Nov 25, the day your order counts from)") in page
    assert "placed before 2 PM New York time" in page
    assert "Orders placed at 2 PM or later, on a weekend or on a holiday count from the next business day." in page


def test_faq_sends_returns_and_fit_sessions_to_their_pages(client):
    """The returns label and the fit session are online: the FAQ links to them instead
    of asking for an email."""
    html = client.get("/faq").get_data(as_text=True)
    assert 'href="/exchange"' in html and "an online return request is on its way" not in html
    assert 'href="/fit-session"' in html and "booking is on its way" not in html
