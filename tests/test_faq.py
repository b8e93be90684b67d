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
