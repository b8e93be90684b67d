"""Customers clicking the same fit session slot at once: exactly one gets it, the
others are told it has just gone (409), never a 500; and one box clicking two slots
at once gets one session. Real requests in threads on real commits: PostgreSQL with
--db postgres (a SQLite file otherwise), like the other races in the suite."""

from __future__ import annotations

import threading

import pytest
from flask import current_app
from sqlalchemy import func, select

from ally_web.extensions import db
from ally_web.models import FitSessionBooking
from ally_web.services.orders import links
from tests.conftest import running_app
from tests.support.trial_boxes import make_trial_box, open_fit_studio

CUSTOMERS = 6
SLOT = "2026-11-27T15:15Z"  # Fri Nov 27, 10:15 AM New York


@pytest.fixture
def race_app(real_database_url):
    with running_app(SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        yield app


def link_for(order) -> str:
    with current_app.test_request_context():
        return links.make_link(order)


def post_at_once(app, posts: list[tuple[str, dict]]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(posts))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(url: str, data: dict) -> None:
        client = app.test_client()  # each request pushes its own app context (own session)
        barrier.wait()
        try:
            response = client.post(url, data=data)
            outcome = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's exception
            outcome = (500, repr(error))
        with lock:
            answers.append(outcome)

    threads = [threading.Thread(target=post, args=args) for args in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == len(posts), answers
    return answers


def test_six_customers_click_one_slot_at_once_and_one_gets_it(race_app):
    open_fit_studio()
    urls = [f"/fit-session/{link_for(make_trial_box(email=f'c{i}@example.com').order)}/book" for i in range(CUSTOMERS)]
    answers = post_at_once(race_app, [(url, {"slot": SLOT}) for url in urls])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [303] + [409] * (CUSTOMERS - 1), [(s, b[:300]) for s, b in answers]
    assert all("Fri Nov 27, 10:15 AM has just been booked by someone else" in body
               for status, body in answers if status == 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(FitSessionBooking.id))) == 1


def test_one_box_clicking_two_slots_at_once_gets_one_session(race_app):
    open_fit_studio()
    url = f"/fit-session/{link_for(make_trial_box().order)}/book"
    answers = post_at_once(race_app, [(url, {"slot": SLOT}), (url, {"slot": "2026-11-27T15:30Z"})])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [303, 422], [(s, b[:300]) for s, b in answers]
    assert any("You already have a fit session on Fri Nov 27" in body for _, body in answers)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(FitSessionBooking.id))) == 1
