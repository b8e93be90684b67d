"""Lifecycles: every state change goes through a table, refuses what the table does
not list, and writes the timeline as data (a kind, parameters, an actor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import StatementError

from ally_web.cli import all_lifecycles, lifecycles_markdown
from ally_web.core import clock
from ally_web.core.actors import CARRIER, SYSTEM, Actor, ActorKind
from ally_web.core.lifecycle import ChangedMeanwhile, IllegalTransition
from ally_web.event_text import event_text
from ally_web.extensions import db
from ally_web.models import (
    EventKind,
    MadeToOrderState,
    Order,
    OrderEvent,
    OrderState,
    Shipment,
    ShipmentState,
)
from ally_web.services import orders
from ally_web.services.lifecycle import record_event, transition
from ally_web.services.orders.states import MADE_TO_ORDER, ORDER, SHIPMENT
from tests.factories import in_stock_variant, make_order

DOCS = Path(__file__).resolve().parent.parent / "docs" / "lifecycles.md"
UPS = "1Z999AA10123456784"
PACKER = Actor.staff(None, "Sam Rivera")


@pytest.mark.parametrize("lifecycle", all_lifecycles(), ids=lambda lc: lc.name)
def test_every_state_is_reachable_from_a_start(lifecycle):
    reached = set(lifecycle.initial)
    frontier = list(reached)
    while frontier:
        for target in lifecycle.targets(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(lifecycle.states), f"{lifecycle.name}: unreachable {set(lifecycle.states) - reached}"


def test_the_documented_tables_are_the_code_s_tables():
    assert DOCS.read_text(encoding="utf-8") == lifecycles_markdown(), "run: flask ally lifecycles > docs/lifecycles.md"


def test_the_cli_prints_the_tables(app):
    result = app.test_cli_runner().invoke(args=["ally", "lifecycles"])
    assert result.exit_code == 0
    assert "| `out_for_delivery` | `delivered` | `delivered` |" in result.output
    assert "| `placed` | `cancelled` | `cancelled` |" in result.output


@pytest.mark.parametrize(("lifecycle", "source", "target"), [
    (SHIPMENT, ShipmentState.DELIVERED, ShipmentState.IN_TRANSIT),
    (SHIPMENT, ShipmentState.OUT_FOR_DELIVERY, ShipmentState.HELD_AT_CUSTOMS),
    (ORDER, OrderState.CANCELLED, OrderState.PLACED),
    (MADE_TO_ORDER, MadeToOrderState.AWAITING_FITTING_PAIR, MadeToOrderState.IN_PRODUCTION),
    (MADE_TO_ORDER, MadeToOrderState.FITTING_PAIR_SHIPPED, MadeToOrderState.FIT_CONFIRMED),
    (MADE_TO_ORDER, None, MadeToOrderState.FIT_CONFIRMED),
])
def test_an_illegal_move_is_refused_naming_both_states(lifecycle, source, target):
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.event_for(source, target)
    message = refused.value.message
    assert str(target).replace("_", " ") in message
    assert (str(source).replace("_", " ") if source else "nothing") in message


def test_a_shipment_moves_forward_through_its_table_and_the_timeline_says_so(app):
    order = make_order()
    shipment = orders.ship_ready_pairs(order, "UPS", UPS, PACKER)
    assert shipment.state is ShipmentState.SHIPPED
    assert orders.record_scan(shipment, "in_transit", clock.now(), CARRIER, "Newark, NJ") is True
    assert orders.record_scan(shipment, "delivered", clock.now(), CARRIER) is True
    db.session.commit()
    db.session.expire_all()
    shipment = db.session.get(Shipment, shipment.id)
    assert shipment.state is ShipmentState.DELIVERED
    kinds = [(e.kind, e.actor.kind, e.params) for e in shipment.order.events]
    assert kinds[-2:] == [
        (EventKind.IN_TRANSIT, ActorKind.CARRIER, {"carrier": "UPS", "tracking_number": UPS, "location": "Newark, NJ"}),
        (EventKind.DELIVERED, ActorKind.CARRIER, {"carrier": "UPS", "tracking_number": UPS, "location": ""}),
    ]
    # A late in-transit scan is kept, but moves nothing and writes no event.
    assert orders.record_scan(shipment, "in_transit", clock.now(), CARRIER) is False
    assert shipment.state is ShipmentState.DELIVERED and len(shipment.scans) == 3
    assert [e.kind for e in shipment.order.events].count(EventKind.IN_TRANSIT) == 1


def test_a_move_another_request_made_first_is_refused_and_changes_nothing(app):
    order = make_order()
    other_request = update(Order).where(Order.id == order.id).values(state=OrderState.CANCELLED)
    db.session.execute(other_request.execution_options(synchronize_session=False))
    assert order.state is OrderState.PLACED  # this request still holds the old state
    events = len(order.events)
    with pytest.raises(ChangedMeanwhile):
        transition(order, ORDER, OrderState.CANCELLED, actor=SYSTEM, order=order, reason="twice")
    assert len(order.events) == events


def test_cancelling_records_the_reason_and_the_refund_as_parameters(app):
    order = make_order()
    admin = Actor.staff(None, "Alex Admin")
    orders.cancel_order(order, admin, "  Customer   changed her mind. ")
    db.session.commit()
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.state is OrderState.CANCELLED and order.cancelled_at == clock.now()
    cancelled, refunded = order.events[-2:]
    assert (cancelled.kind, cancelled.params) == (EventKind.CANCELLED, {"reason": "Customer changed her mind."})
    assert refunded.kind is EventKind.REFUNDED and refunded.params["amount_cents"] == order.total_cents
    assert event_text(cancelled) == "Cancelled: Customer changed her mind."
    assert event_text(refunded).startswith("Refunded: $")


def test_events_are_worded_when_shown_and_old_prose_is_kept(app):
    order = make_order()
    record_event(order, EventKind.SHIPPED, PACKER, pairs=2, carrier="UPS", tracking_number=UPS)
    record_event(order, EventKind.IN_TRANSIT, SYSTEM, note="UPS 1Z999AA10123456784, Memphis, TN")
    shipped, migrated = order.events[-2:]
    assert event_text(shipped) == f"Shipped: 2 pairs by UPS, tracking {UPS}."
    assert event_text(migrated) == "In transit: UPS 1Z999AA10123456784, Memphis, TN"
    assert str(shipped.actor) == "staff: Sam Rivera"


def test_the_database_refuses_a_state_the_code_does_not_know(app):
    order = make_order()
    with pytest.raises(Exception):  # noqa: B017 - SQLite and PostgreSQL raise different errors
        db.session.execute(update(Order).where(Order.id == order.id).values(state="lost"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(StatementError, match="not among the defined enum values"):
        db.session.add(OrderEvent(order_id=order.id, kind="teleported", at=clock.now(), params={},
                                  actor_kind=ActorKind.SYSTEM))
        db.session.flush()
    db.session.rollback()


def test_a_made_to_order_pair_starts_where_its_path_begins(app):
    sold_out = in_stock_variant()
    sold_out.stock = 0
    order = make_order(lines=[(sold_out, 1, True)])
    assert order.lines[0].mto_state is MadeToOrderState.AWAITING_FITTING_PAIR  # no size on file yet
    assert orders.order_status(order).code == "fitting"


def test_a_newer_delivery_scan_is_recorded_and_keeps_the_first_delivery_date(app):
    order = make_order()
    shipment = orders.ship_ready_pairs(order, "UPS", UPS, PACKER)
    first = clock.now()
    assert orders.record_scan(shipment, "delivered", first, CARRIER, "Front door") is True
    later = first.replace(hour=first.hour + 1)
    assert orders.record_scan(shipment, "delivered", later, PACKER, "Concierge") is True
    assert shipment.state is ShipmentState.DELIVERED and shipment.delivered_at == first
    assert [e.kind for e in order.events].count(EventKind.DELIVERED) == 2
    assert orders.record_scan(shipment, "delivered", first, CARRIER) is False  # older than the newest


def test_a_declined_payment_reported_twice_at_once_is_a_payment_failure_both_times(app, client):
    """The return page and the webhook racing over one declined payment: the loser of
    the move back to "open" is told the payment failed, not an internal error."""
    from ally_web.gateways.payments import get_gateway
    from ally_web.gateways.payments.sandbox import sandbox_authorize, sandbox_session
    from ally_web.models import Checkout, CheckoutStatus
    from ally_web.services import checkout as checkout_service
    from tests.checkout_flow import NEW_YORK, add_to_cart, submit_checkout, variant

    add_to_cart(client, variant(stock=3))
    assert submit_checkout(client, **NEW_YORK).status_code == 303
    checkout = db.session.scalars(select(Checkout)).one()
    sandbox_authorize(sandbox_session(checkout.payment_session), "4000000000000002")
    winner = update(Checkout).where(Checkout.id == checkout.id).values(status=CheckoutStatus.OPEN)
    db.session.execute(winner.execution_options(synchronize_session=False))
    with pytest.raises(checkout_service.PaymentFailed, match="declined"):
        checkout_service.complete_checkout(checkout.payment_session, get_gateway())
