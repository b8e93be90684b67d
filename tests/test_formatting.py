"""How the store writes moments: always with their zone."""

from datetime import UTC, datetime

from ally_web.core.formatting import moment


def test_a_moment_says_its_zone():
    assert moment(datetime(2026, 12, 1, 1, 25, tzinfo=UTC)) == "Nov 30, 2026, 8:25 PM EST"
    assert moment(datetime(2026, 7, 1, 0, 25, tzinfo=UTC)) == "Jun 30, 2026, 8:25 PM EDT"


def test_order_page_times_carry_the_zone(client, app):
    from tests.checkout_flow import add_to_cart, buy, variant

    add_to_cart(client, variant(stock=3))
    page = buy(client).get_data(as_text=True)
    assert "Placed Nov 25, 2026, 10:00 AM EST" in page
