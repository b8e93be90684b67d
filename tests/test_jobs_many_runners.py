"""`flask ally jobs` on every machine at once: each email goes out exactly once.

On PostgreSQL two real runner processes work through one outbox; one of them is
killed half way, holding a claim on the message it was sending; after that claim goes
stale, a later run sends it. Every message arrives exactly once. On SQLite a second
runner does nothing while the first holds the runner lock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from ally_web.extensions import db
from ally_web.gateways.mail import SMTPMailer
from ally_web.jobs import CLAIM_TIMEOUT, run_jobs, sqlite_runner_lock
from ally_web.models.outbox import OutboxMessage
from ally_web.services.claims import claim
from ally_web.services.notifications.outbox import enqueue_email
from tests.conftest import DATABASE, running_app
from tests.smtp_server import CollectingHandler, SMTPServer, free_port
from tests.support.servers import BIN, ROOT, app_env

MESSAGES = 30
SENT_BEFORE_THE_KILL = 3

on_postgres = pytest.mark.skipif(not DATABASE["url"].startswith("postgresql"),
                                 reason="row locks: runs in the PostgreSQL suite (--db postgres)")


class StallingHandler(CollectingHandler):
    """Accepts `stall_after` messages, then holds the next one at RCPT (before the
    server has accepted anything) until released: the runner is stuck mid-send."""

    def __init__(self, stall_after: int) -> None:
        super().__init__()
        self.stall_after = stall_after
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if len(self.received) >= self.stall_after:
            self.stalled.set()
            await asyncio.to_thread(self.release.wait, 300)
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _smtp(handler):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5)
    controller.start()
    return controller, SMTPServer("127.0.0.1", controller.port, handler)


def _runner(url: str, smtp_url: str, smtp_timeout: int = 10) -> subprocess.Popen:
    env = app_env(DATABASE_URL=url, SMTP_URL=smtp_url, LOG_FORMAT="json", SMTP_TIMEOUT_SECONDS=str(smtp_timeout))
    return subprocess.Popen([str(BIN / "flask"), "ally", "jobs"], env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@on_postgres
def test_two_runners_at_once_and_one_killed_half_way_send_each_email_exactly_once(real_database_url):
    stalling, steady = StallingHandler(SENT_BEFORE_THE_KILL), CollectingHandler()
    first_controller, first_server = _smtp(stalling)
    second_controller, second_server = _smtp(steady)
    first = second = None
    try:
        with running_app(seed=False, SQLALCHEMY_DATABASE_URI=real_database_url) as app:
            for n in range(MESSAGES):
                enqueue_email(to=f"shopper{n}@example.com", subject=f"Message {n}", template="plain",
                              kind="test", body="Hello.")
            db.session.commit()
            ids = set(db.session.scalars(select(OutboxMessage.message_id)))

            # The stalled runner must still be stuck when it is killed, however long the
            # other takes on a busy machine: its mail server answers only when released.
            first = _runner(real_database_url, first_server.url, smtp_timeout=300)
            assert stalling.stalled.wait(60), first.communicate(timeout=10)[0] if first.poll() is not None else ""
            second = _runner(real_database_url, second_server.url)  # runs while the first is alive
            output, _ = second.communicate(timeout=120)
            assert second.returncode == 0, output
            os.killpg(first.pid, signal.SIGKILL)  # half way: it holds a claim, mid-send
            first.wait(timeout=30)

            db.session.expire_all()
            unsent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
            assert len(unsent) == 1 and unsent[0].claimed_at is not None  # the killed runner's claim
            assert len(first_server.messages) == SENT_BEFORE_THE_KILL
            assert len(second_server.messages) == MESSAGES - SENT_BEFORE_THE_KILL - 1

            # A later run, once the dead runner's claim is stale, sends the last one.
            later = datetime.now(UTC) + CLAIM_TIMEOUT
            with app.app_context():
                report = run_jobs(now=later, mailer=SMTPMailer(second_server.url))
            assert report.ok and report.results["outbox"].sent == 1

            arrived = Counter(m["Message-ID"] for m in [*first_server.messages, *second_server.messages])
            assert set(arrived) == ids
            assert set(arrived.values()) == {1}  # every email exactly once
            assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
    finally:
        stalling.release.set()
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        first_controller.stop()
        second_controller.stop()


@on_postgres
def test_a_row_another_runner_is_claiming_is_skipped_not_waited_for(real_database_url):
    with running_app(seed=False, SQLALCHEMY_DATABASE_URI=real_database_url):
        for n in range(2):
            enqueue_email(to=f"s{n}@example.com", subject="Hi", template="plain", kind="test", body="Hello.")
        db.session.commit()
        first_id, second_id = sorted(db.session.scalars(select(OutboxMessage.id)))
        db.session.execute(text("SET lock_timeout = '5s'"))  # waiting on the lock fails the test, never hangs it
        db.session.commit()
        # Another runner is in the middle of claiming the first message: it holds its row lock.
        with db.engine.connect() as other:
            other.execute(select(OutboxMessage.id).where(OutboxMessage.id == first_id).with_for_update())
            taken = claim(OutboxMessage, OutboxMessage.claimed_at.is_(None), order_by=[OutboxMessage.id],
                          stamp={"claimed_at": datetime.now(UTC)})
            other.rollback()
        assert taken == [second_id]


def test_on_sqlite_a_second_runner_does_nothing_while_the_first_works(real_database_url, caplog):
    if not real_database_url.startswith("sqlite"):
        pytest.skip("the runner lock is SQLite's")
    with running_app(seed=False, SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        enqueue_email(to="s@example.com", subject="Hi", template="plain", kind="test", body="Hello.")
        db.session.commit()
        with sqlite_runner_lock() as mine:  # the first runner, still working
            assert mine
            report = run_jobs()
        assert "outbox" not in report.results and "skipped" in report.results
        assert "one runner works at a time" in caplog.text
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 1
        with app.app_context():
            assert run_jobs().results["outbox"].sent == 1  # once the first is done
