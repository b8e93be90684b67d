"""Two job runners at once on PostgreSQL: a delivered trial box's window opens once,
with one email (the move is a compare-and-set on the box's state); pairs never sent
back are charged once (a conditional UPDATE in the charge's transaction)."""

from __future__ import annotations

import threading

import pytest
from flask import current_app
from sqlalchemy import func, select

from ally_web.core import clock
from ally_web.core.actors import CARRIER
from ally_web.extensions import db
from ally_web.models import OutboxMessage, ScanKind, TrialBox, TrialState
from ally_web.services import orders as order_service
from ally_web.services import trial
from tests.conftest import DATABASE, running_app

on_postgres = pytest.mark.skipif(not DATABASE["url"].startswith("postgresql"),
                                 reason="row locks: runs in the PostgreSQL suite (--db postgres)")


def two_runners_at_once(app, job) -> list[int]:
    """Run ``job()`` in two threads released together, each with its own app context
    (its own session and connection); returns what each run returned."""
    start = threading.Barrier(2)
    results: list[int] = []
    failures: list[BaseException] = []

    def runner() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                results.append(job())
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    return sorted(results)


@on_postgres
def test_two_runners_at_once_open_the_window_once(real_database_url):
    from tests.test_trial_curation import shipped

    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        box = shipped(email="race@example.com")
        with current_app.test_request_context():
            order_service.record_scan(trial.box_shipment(box), ScanKind.DELIVERED, clock.now(), CARRIER)
        db.session.commit()
        assert two_runners_at_once(app, lambda: trial.open_windows(clock.now())) == [0, 1]
        db.session.expire_all()
        assert db.session.get(TrialBox, box.id).state is TrialState.DELIVERED
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "trial_window_open")) == 1


@on_postgres
def test_two_runners_at_once_charge_pairs_never_sent_back_once(real_database_url):
    from datetime import datetime

    from ally_web.core.actors import CUSTOMER
    from ally_web.models import TrialCharge
    from tests.trial_flow import delivered_box

    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        with clock.freeze(datetime(2026, 12, 7, 15, 0)):
            box = delivered_box(email="never-sent@example.com")
            trial.decide(box, {pair.id: "return" for pair in box.current_pairs}, CUSTOMER)
            db.session.commit()
        with clock.freeze(datetime(2026, 12, 18, 9, 0)):
            late = clock.now()
        assert two_runners_at_once(app, lambda: trial.charge_unreturned(late)) == [0, 1]
        assert db.session.scalar(select(func.count()).select_from(TrialCharge)
                                 .where(TrialCharge.box_id == box.id, TrialCharge.slot == "unreturned")) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "trial_not_sent_back")) == 1
