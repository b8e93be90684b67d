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


def test_two_transactions_moving_the_same_two_variants_in_opposite_orders_both_land(race_app):
    """A checkout takes A then B while a return puts back B then A. Each stops after
    its first stock statement until the other has made its own or is waiting for a
    row lock: taken in the callers' orders, the rows would deadlock (PostgreSQL
    aborts one); taken in variant-id order, one waits for the other and both land."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite lets one writer at a time hold the whole database)")
    from sqlalchemy import event, text

    first, second = db.session.scalars(select(Variant).order_by(Variant.id).limit(2)).all()
    ids = first.id, second.id
    staff = Actor.staff(None, "Sam")
    for variant in (first, second):
        catalog.count_stock(variant.id, 5, variant.stock, "Race start", staff, audit=False)
    db.session.commit()
    pids: dict[str, int] = {}
    reached = {"checkout": threading.Event(), "return": threading.Event()}
    names: dict[int, str] = {}
    outcomes: dict[str, str] = {}
    watcher = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def other_is_past_or_waiting(other: str) -> bool:
        if reached[other].is_set():
            return True
        waits = watcher.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": pids[other]}).scalar()
        return waits == "Lock"

    def rendezvous(conn, cursor, statement, parameters, context, executemany):
        name = names.get(threading.get_ident())
        stock_statement = statement.startswith("UPDATE variants") or (
            "FROM variants" in statement and "FOR UPDATE" in statement)
        if name is None or not stock_statement or reached[name].is_set():
            return
        reached[name].set()
        other = "return" if name == "checkout" else "checkout"
        for _ in range(3000):  # a condition, polled; bounded so a bug fails instead of hanging
            if other_is_past_or_waiting(other):
                return
            threading.Event().wait(0.01)
        raise AssertionError(f"{other} neither moved stock nor waited for a lock")

    def run(name: str, work, barrier: threading.Barrier):
        with race_app.app_context():
            pids[name] = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            names[threading.get_ident()] = name
            barrier.wait()
            try:
                work()
                db.session.commit()
                outcomes[name] = "done"
            except Exception as error:  # noqa: BLE001 - a deadlock is the failure this test looks for
                db.session.rollback()
                outcomes[name] = repr(error)

    def checkout():
        taken, short = catalog.take_stock([(ids[0], 1), (ids[1], 1)], note="Race order")
        assert short is None and len(taken) == 2

    def give_back():
        catalog.put_back([(ids[1], 1), (ids[0], 1)], reason=MovementReason.RETURNED, actor=staff, note="Race return")

    event.listen(db.engine, "after_cursor_execute", rendezvous)
    try:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=run, args=("checkout", checkout, barrier)),
                   threading.Thread(target=run, args=("return", give_back, barrier))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(db.engine, "after_cursor_execute", rendezvous)
        watcher.close()
    assert outcomes == {"checkout": "done", "return": "done"}, outcomes
    db.session.expire_all()
    for variant_id in ids:
        assert db.session.scalar(select(Variant.stock).where(Variant.id == variant_id)) == 5
        assert catalog.ledger_explains(variant_id)
        reasons = db.session.scalars(select(StockMovement.reason).where(StockMovement.variant_id == variant_id)
                                     .order_by(StockMovement.id.desc()).limit(2)).all()
        assert sorted(reasons) == sorted([MovementReason.SOLD, MovementReason.RETURNED])
