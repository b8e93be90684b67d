"""Copies of one tracking event racing each other (issue #10, point 6): a duplicate
is a success that changes nothing, never a 500. Runs on PostgreSQL with --db postgres
(on a SQLite file otherwise), like the other races in the suite."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.extensions import db
from ally_web.gateways.carriers import webhooks as tracking_webhooks
from ally_web.models import OrderEvent, ShipmentScan
from ally_web.services import orders as order_service
from tests.conftest import running_app

COPIES = 10


@pytest.fixture
def race_app(real_database_url):
    """An app whose commits are real (threads race on them): PostgreSQL under
    --db postgres, else a SQLite file the threads share."""
    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        yield app


def test_ten_copies_of_one_event_at_once_answer_200_and_move_the_parcel_once(race_app):
    from tests.factories import make_order

    app = race_app
    order = make_order(email="race@example.com")
    order_service.ship_ready_pairs(order, "UPS", "1Z999AA10123456784", Actor.staff(None, "Sam Rivera"))
    db.session.commit()
    order_id = order.id
    body = json.dumps({"event_id": "evt-race-1", "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                       "status": "in_transit", "occurred_at": clock.now().isoformat(),
                       "location": "Secaucus, NJ"}).encode()
    signature = tracking_webhooks.signature(body, app.config["TRACKING_WEBHOOK_SECRET"])
    headers = {tracking_webhooks.SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
    barrier = threading.Barrier(COPIES)
    answers: list[tuple[int, object]] = []
    lock = threading.Lock()

    def deliver():
        client = app.test_client()  # each request pushes its own app context (own session)
        barrier.wait()
        try:
            response = client.post("/webhooks/tracking", data=body, headers=headers)
            outcome: tuple[int, object] = (response.status_code, (response.get_json() or {}).get("moved"))
        except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's exception
            outcome = (500, repr(error))
        with lock:
            answers.append(outcome)

    threads = [threading.Thread(target=deliver) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    assert len(answers) == COPIES
    assert all(status == 200 for status, _ in answers), answers
    assert sorted(moved for _, moved in answers) == [False] * (COPIES - 1) + [True]
    assert db.session.scalar(select(func.count(ShipmentScan.id))) == 1
    kinds = list(db.session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id)))
    assert kinds.count("in_transit") == 1
