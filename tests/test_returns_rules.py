"""What may go back, and the rule that refuses the rest (services/returns/rules.py)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app

from ally_web.core import clock
from ally_web.core.actors import CARRIER, Actor
from ally_web.extensions import db
from ally_web.models import ReturnAction, ReturnItem, ReturnRequest, ReturnState, ScanKind
from ally_web.services import orders as order_service
from ally_web.services import returns
from ally_web.services.lifecycle import transition
from ally_web.services.returns.states import RETURN
from tests.factories import in_stock_variant, make_order

PACKER = Actor.staff(None, "Sam Rivera")
STORE = clock.store_tz()


def delivered_order(on: datetime, quantity: int = 1):
    order = make_order(lines=[(in_stock_variant(min_stock=quantity + 1), quantity, False)])
    with current_app.test_request_context():
        shipment = order_service.ship_ready_pairs(order, "UPS", "1Z999AA10000000901", PACKER)
        order_service.record_scan(shipment, ScanKind.DELIVERED, on, CARRIER)
    return order


def earlier_request(order, quantity: int, state: ReturnState = ReturnState.REQUESTED) -> ReturnRequest:
    request = ReturnRequest(order=order, token=secrets.token_urlsafe(32), created_at=clock.now(),
                            items=[ReturnItem(order_line_id=order.lines[0].id, quantity=quantity,
                                              action=ReturnAction.RETURN)])
    transition(request, RETURN, ReturnState.REQUESTED, actor=PACKER)
    request.state = state
    db.session.add(request)
    db.session.flush()
    return request


def only(order, now):
    (row,) = returns.returnable_lines(order, now)
    return row


def test_a_pair_not_yet_delivered_cannot_go_back(app):
    order = make_order()
    row = only(order, clock.now())
    assert row.quantity == 0 and "hasn't been delivered yet" in row.why_not and row.last_day is None


def test_the_window_counts_delivery_as_day_0_and_ends_at_midnight_in_new_york(app):
    delivered = datetime(2026, 12, 7, 15, 0, tzinfo=STORE)  # Mon Dec 7
    order = delivered_order(delivered)
    last_moment = datetime(2026, 12, 21, 23, 59, 59, tzinfo=STORE)
    row = only(order, last_moment)
    assert row.open and row.last_day.isoformat() == "2026-12-21"
    closed = only(order, last_moment + timedelta(seconds=1))
    assert closed.quantity == 0 and closed.why_not == "The 14-day window for this pair closed on Monday, December 21, 2026."


def test_pairs_already_on_their_way_back_are_not_offered_twice(app):
    order = delivered_order(clock.now(), quantity=2)
    earlier_request(order, 1)
    row = only(order, clock.now())
    assert row.quantity == 1
    refused = returns.check_choices(order, [returns.Choice(row.line.id, 2, ReturnAction.RETURN)], clock.now())
    assert refused == {row.line.id: "You can send back up to 1 pair of this line."}
    earlier_request(order, 1)
    assert "already on its way back" in only(order, clock.now()).why_not


def test_a_refused_request_gives_its_pairs_back(app):
    order = delivered_order(clock.now())
    earlier_request(order, 1, ReturnState.REFUSED)
    assert only(order, clock.now()).quantity == 1


def test_fit_feedback_is_welcome_even_after_the_window(app):
    order = delivered_order(clock.now())
    late = clock.now() + timedelta(days=30)
    line_id = order.lines[0].id
    assert returns.check_choices(order, [returns.Choice(line_id, 1, ReturnAction.FEEDBACK)], late) == {}
    refused = returns.check_choices(order, [returns.Choice(line_id, 1, ReturnAction.EXCHANGE)], late)
    assert "window for this pair closed" in refused[line_id]


def test_another_orders_pair_and_zero_pairs_are_refused(app):
    order = delivered_order(clock.now())
    line_id = order.lines[0].id
    refused = returns.check_choices(order, [returns.Choice(line_id + 999, 1, ReturnAction.RETURN),
                                            returns.Choice(line_id, 0, ReturnAction.RETURN)], clock.now())
    assert refused == {line_id + 999: "That pair is not part of this order.",
                       line_id: "You can send back up to 1 pair of this line."}


def test_a_cancelled_order_has_nothing_to_send_back(app):
    order = make_order()
    with current_app.test_request_context():
        order_service.cancel_order(order, PACKER, "Asked to.")
    assert "cancelled" in only(order, clock.now()).why_not


def test_a_made_to_order_pair_keeps_the_right_to_go_back(app, monkeypatch):
    from ally_web import policy

    order = delivered_order(clock.now())
    order.lines[0].made_to_order = True
    assert only(order, clock.now()).quantity == 1
    monkeypatch.setattr(policy, "MADE_TO_ORDER_RETURNABLE", False)  # the brand setting, if it ever changes
    refused = only(order, clock.now())
    assert refused.quantity == 0 and refused.why_not == "Made-to-order pairs are final sale."
