"""A made-to-order pair tells one story: the product page, the cart, checkout, the
order page and the confirmation email show the same dates, from one service."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, datetime

from sqlalchemy import select

from ally_web.core import clock
from ally_web.core.formatting import long_day
from ally_web.extensions import db
from ally_web.models import Customer, LeadTimeNotice, Order, OutboxMessage
from ally_web.services import catalog
from ally_web.services.catalog import path_story
from ally_web.services.pricing import shipping
from tests.checkout_flow import add_to_cart, buy, variant


def text_of(response) -> str:
    page = response.get_data(as_text=True)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def text_of_html(page: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def plain(sentence: str) -> str:
    return " ".join(sentence.split())


def test_product_cart_checkout_order_and_email_share_the_dates(client, app):
    db.session.add(LeadTimeNotice(title="Studio holiday", message="Our workshop closes for a week.",
                                  extra_days=5, starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 30)))
    v = variant(stock=0)
    now = clock.now()
    plan = catalog.made_to_order_plan(now, catalog.upcoming_notices(now.date()))
    assert plan.extra_days == 5
    fitting, known = (plain(s.text) for s in plan.stories)

    product = text_of(client.get(f"/products/classic-pump?colour=black&size={v.size_halves / 2:g}&width=M"))
    assert fitting in product and known in product
    assert "Our workshop closes for a week." in product

    add_to_cart(client, v)
    cart = text_of(client.get("/cart"))
    assert fitting in cart and known in cart

    checkout = text_of(client.get("/checkout"))
    assert fitting in checkout and known in checkout  # both paths: no reveal of a known size
    assert "Our workshop closes for a week." in checkout  # the notice shows at checkout too
    # The in-stock dates of the shipping option are not shown for a made-to-order pair.
    option = shipping.shipping_options("US", 0, now)[0]
    assert f"Arrives {option.promise.arrives_from:%a}" not in checkout

    page = text_of(buy(client))
    order = db.session.scalar(select(Order))
    line = order.lines[0]
    assert (line.fitting_ships_from, line.fitting_ships_by) == (plan.fitting_pair_ships.ships_from,
                                                                  plan.fitting_pair_ships.ships_by)
    decided = plain(catalog.line_story(line).text)
    assert decided == fitting
    assert decided in page
    email = db.session.scalar(select(OutboxMessage.text_body).where(OutboxMessage.to_address == order.email))
    assert decided in plain(email)


def test_a_known_size_gets_the_ship_by_date_shown_before_paying(client, app):
    db.session.add(Customer(email="grace@example.com", email_canonical="grace@example.com", name="Grace",
                            size_halves=17, width="M", created_at=clock.now()))
    v = variant(stock=0)
    now = clock.now()
    plan = catalog.made_to_order_plan(now, catalog.upcoming_notices(now.date()))
    add_to_cart(client, v)
    page = text_of(buy(client, email="grace@example.com"))
    order = db.session.scalar(select(Order))
    line = order.lines[0]
    assert (line.ships_by, line.arrives_by) == (plan.size_known.ships_by, plan.size_known.arrives_by)
    assert plain(plan.story("size_known").text) in page
    # Straight into production: the timeline says so with the due date, as a confirmed fit does.
    started = [e for e in order.events if e.kind == "production_started"]
    assert [(e.params["line_id"], e.params["ships_by"]) for e in started] == [(line.id, line.ships_by.isoformat())]
    email = plain(db.session.scalar(select(OutboxMessage.text_body).where(OutboxMessage.kind == "order_confirmation")))
    status = client.get(re.search(r"/orders/\S+", email).group(0)).get_data(as_text=True)
    timeline = text_of_html(status[status.index('class="timeline"'):])
    assert f"In production: Ships by {long_day(line.ships_by)}." in timeline


def test_path_story_words_both_paths():
    fitting = path_story("fitting_first", fitting_ships_from=date(2026, 11, 27), fitting_ships_by=date(2026, 11, 30),
                         ships_by=None, arrives_by=None, notice_title="Lunar New Year", extra_days=10, decided=False)
    assert "Fri, Nov 27 – Mon, Nov 30" in fitting.text
    assert "within 14 days, plus 10 extra days for Lunar New Year" in fitting.text
    known = path_story("size_known", fitting_ships_from=None, fitting_ships_by=None, ships_by=date(2026, 12, 9),
                       arrives_by=date(2026, 12, 14), notice_title=None, extra_days=0, decided=True)
    assert known.title == "Made to order in your confirmed size"
    assert "It ships by Wed, Dec 9 and arrives by Mon, Dec 14." in known.text


def test_product_page_ship_by_date_moves_off_christmas(client, app):
    v = variant(stock=0)
    with clock.freeze(datetime(2026, 12, 11, 10, 0)):  # Fri; Dec 11 + 14 = Fri Dec 25
        product = text_of(client.get(f"/products/classic-pump?colour=black&size={v.size_halves / 2:g}&width=M"))
    assert "It ships by Mon, Dec 28" in product


def test_a_notice_starting_during_production_counts_everywhere_the_date_shows(client, app):
    """Ordered Wed 2027-01-20, before the seeded Lunar New Year notice (Jan 25 – Feb 20)
    begins: production overlaps it, so the pair ships by Tue Feb 16, not Feb 3."""
    db.session.add(Customer(email="grace@example.com", email_canonical="grace@example.com", name="Grace",
                            size_halves=17, width="M", created_at=clock.now()))
    v = variant(stock=0)
    with clock.freeze(datetime(2027, 1, 20, 10, 0)):
        product = text_of(client.get(f"/products/classic-pump?colour=black&size={v.size_halves / 2:g}&width=M"))
        add_to_cart(client, v)
        checkout = text_of(client.get("/checkout"))
        page = text_of(buy(client, email="grace@example.com"))
    for shown in (product, checkout, page):
        assert "Tue, Feb 16" in shown
        assert "10 extra days for Lunar New Year" in shown
        assert "Our workshop partners close for the Lunar New Year holiday" in shown
    line = db.session.scalar(select(Order)).lines[0]
    assert (line.ships_by, line.notice_title, line.notice_extra_days) == (date(2027, 2, 16), "Lunar New Year", 10)


def test_a_known_size_in_another_width_still_gets_its_fitting_pair_and_says_so(client, app):
    """Grace's ALLY size is 8½ Medium; she orders 8½ Wide. Checkout shows both paths
    (nothing about her size), and after paying the order, its email and its status
    page say the fitting pair goes first, never 'your confirmed size'."""
    db.session.add(Customer(email="grace@example.com", email_canonical="grace@example.com", name="Grace",
                            size_halves=17, width="M", created_at=clock.now()))
    wide = variant(stock=0, width="W")
    add_to_cart(client, wide)
    checkout = text_of(client.get("/checkout"))
    assert "If this size and width are your confirmed ALLY size" in checkout
    assert "If we do not know your ALLY size yet, or it is another size or width" in checkout
    page = text_of(buy(client, email="grace@example.com"))
    order = db.session.scalar(select(Order))
    line = order.lines[0]
    assert line.mto_path == "fitting_first" and line.production_started_on is None
    email = plain(db.session.scalar(select(OutboxMessage.text_body).where(OutboxMessage.kind == "order_confirmation")))
    status = text_of(client.get(re.search(r"/orders/\S+", email).group(0)))
    for shown in (page, email, status):
        assert "Made to order, fitting pair first" in shown
        assert "Made to order in your confirmed size" not in shown
        assert "We first send black fitting heels in this size" in shown
