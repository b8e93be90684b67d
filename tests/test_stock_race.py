"""Staff movements (real requests) and checkouts racing on one variant lose nothing:
every change lands, and the ledger adds up to the count. Runs on PostgreSQL with --db postgres
(on a SQLite file otherwise), like the other races in the suite."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ally_web.core.actors import Actor
from ally_web.extensions import db
from ally_web.models import MovementReason, StockMovement, Variant
from ally_web.services import catalog
from tests.conftest import running_app

SALES = 6
DELIVERIES = 6


@pytest.fixture
def race_app(real_database_url):
    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        yield app


def test_checkouts_and_deliveries_at_once_lose_nothing(race_app, auth):
    variant = db.session.scalar(select(Variant).where(Variant.stock >= 1).order_by(Variant.id))
    variant_id, start = variant.id, 3  # fewer pairs than sales: some sales must wait for deliveries or miss
    catalog.count_stock(variant_id, start, variant.stock, "Race start", Actor.staff(None, "Sam"), audit=False)
    db.session.commit()
    clients = []
    for _ in range(DELIVERIES):  # each delivery is a staff request of its own, signed in
        client = race_app.test_client()
        auth.login("stylist", client=client)
        clients.append(client)
    barrier = threading.Barrier(SALES + DELIVERIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sell():
        with race_app.app_context():
            barrier.wait()
            taken, short = catalog.take_stock([(variant_id, 1)])
            db.session.commit()
            with lock:
                outcomes.append("sold" if short is None else "short")

    def receive(client):
        barrier.wait()
        try:
            response = client.post(f"/admin/catalog/variants/{variant_id}/move",
                                   data={"reason": "received", "pairs": "1", "note": "Race delivery"})
            outcome = "received" if response.status_code == 303 else f"status {response.status_code}"
        except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's exception
            outcome = repr(error)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=sell) for _ in range(SALES)]
    threads += [threading.Thread(target=receive, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == SALES + DELIVERIES, outcomes
    db.session.expire_all()
    sold = outcomes.count("sold")
    final = db.session.scalar(select(Variant.stock).where(Variant.id == variant_id))
    assert outcomes.count("received") == DELIVERIES, outcomes
    assert final == start + DELIVERIES - sold >= 0
    rows = db.session.execute(select(StockMovement.reason, func.count()).where(StockMovement.variant_id == variant_id)
                              .group_by(StockMovement.reason)).all()
    counts = dict(rows)
    assert counts[MovementReason.SOLD] == sold and counts[MovementReason.RECEIVED] == DELIVERIES
    assert catalog.ledger_explains(variant_id)
    # Each movement's resulting count follows from the one before it: the ledger is a chain.
    chain = db.session.execute(select(StockMovement.change, StockMovement.resulting)
                               .where(StockMovement.variant_id == variant_id).order_by(StockMovement.id)).all()
    running = 0
    for change, resulting in chain:
        running += change
        assert resulting == running
