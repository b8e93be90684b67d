"""`flask ally jobs`: the one idempotent command a timer runs.

It may run on every machine at once. Each job must be safe to run twice and to crash
half way, and takes its work with `services.claims.claim` (row locks, `FOR UPDATE
SKIP LOCKED`, on PostgreSQL). Outbox delivery: a message is claimed (claimed_at =
now, attempts + 1) and committed *before* it is sent, then marked sent and committed
straight after. So:

* two runs at once never both send a message (a claimed row stops matching, and on
  PostgreSQL a row being claimed is skipped by the other runner);
* a run that crashes after claiming leaves a claim that goes stale after
  CLAIM_TIMEOUT, and a later run retries the message (same Message-ID);
* a failed attempt keeps its claim too, so retries wait CLAIM_TIMEOUT (a backoff);
* after `MAIL_MAX_ATTEMPTS` attempts the message is given up (shown in the admin
  Outbox) instead of retried forever.

On SQLite, which has no row locks and serves one machine, only one runner works at a
time: a second one finds the runner lock held, logs so and does nothing.

The one window left is a crash between the mail server accepting the message (its
250 reply to DATA) and the commit of sent_at, which the mailer triggers at once
(`on_accepted`), before even saying goodbye to the server: a crash inside that window
sends the message again later, with the same Message-ID.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import or_

from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.mail import Mailer, get_mailer
from ally_web.models.outbox import OutboxMessage
from ally_web.services import made_to_order, returns, trial
from ally_web.services.claims import claim
from ally_web.services.notifications import max_attempts as configured_max_attempts
from ally_web.services.notifications import new_message_id

log = logging.getLogger("ally_web.jobs")

CLAIM_TIMEOUT = timedelta(minutes=10)
ERROR_LIMIT = 2000  # characters of the last error kept


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # failed this run, will be retried
    gave_up: int = 0  # failed this run for the last time

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed, {self.gave_up} gave up"


def _claimable(now: datetime):
    stale = now - CLAIM_TIMEOUT
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.gave_up_at.is_(None),
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale),
    )


def _claim_next(now: datetime) -> int | None:
    """Take the next due message for this run (None when none is left): claimed_at =
    now, attempts + 1, committed. Rows another runner is claiming are skipped."""
    taken = claim(OutboxMessage, *_claimable(now), order_by=[OutboxMessage.id],
                  stamp={"claimed_at": now, "attempts": OutboxMessage.attempts + 1})
    return taken[0] if taken else None


def _reload(message_id: int) -> OutboxMessage:
    """The message as the database has it now (it was claimed, so it exists)."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None, "a claimed message cannot vanish"
    return message


def deliver_outbox(
    mailer: Mailer,
    *,
    batch: int = 50,
    now: datetime | None = None,
    max_attempts: int | None = None,
) -> DeliveryReport:
    """Send up to `batch` due messages, committing after each one.

    Commits: call it outside a request, with nothing else pending in the session.
    """
    # Each claim is stamped when it is taken (not when the run began), so a long batch
    # never holds a claim that already looks stale to a second run.
    current = clock.now if now is None else (lambda: now)
    if max_attempts is None:
        max_attempts = configured_max_attempts()
    report = DeliveryReport()
    for _ in range(batch):
        message_id = _claim_next(current())
        if message_id is None:
            break
        message = _reload(message_id)
        if not message.message_id:  # a row written without enqueue_email
            message.message_id = new_message_id()
        db.session.commit()  # the claim is durable before anything leaves

        accepted = False

        def mark_sent(message: OutboxMessage = message) -> None:
            # Called the moment the server has accepted the message: nothing in between.
            nonlocal accepted
            message.sent_at = current()
            message.last_error = None
            db.session.commit()
            accepted = True

        try:
            mailer.send(message, on_accepted=mark_sent)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
            if accepted:  # delivered; only what came after failed (the goodbye)
                log.warning("Outbox message %s was sent; then: %s: %s", message_id, type(error).__name__, error)
                report.sent += 1
                continue
            db.session.rollback()
            message = _reload(message_id)
            message.last_error = f"{type(error).__name__}: {error}"[:ERROR_LIMIT]
            if message.attempts >= max_attempts:
                message.gave_up_at = current()
                report.gave_up += 1
                log.error("Gave up on outbox message %s after %s attempts: %s",
                          message_id, message.attempts, message.last_error)
            else:
                report.failed += 1
                log.warning("Outbox message %s failed (attempt %s): %s",
                            message_id, message.attempts, message.last_error)
            # The claim stays: the retry waits until it is stale (CLAIM_TIMEOUT).
            db.session.commit()
            continue

        if not accepted:  # a mailer that does not report acceptance
            mark_sent()
        report.sent += 1
    return report


# --- The job list -------------------------------------------------------------------

# Each takes the run's `now` and returns something printable; each must be idempotent.
# They run in order, each committed on its own; outbox delivery always runs last so
# the emails they enqueue go out in the same run.
Job = Callable[[datetime], object]
JOBS: list[tuple[str, Job]] = []


def register_job(name: str, job: Job) -> Job:
    if any(existing == name for existing, _ in JOBS):
        raise ValueError(f"A job named {name!r} is already registered.")
    JOBS.append((name, job))
    return job


# Made-to-order: each reminder goes once (claimed on its line), so runs may overlap.
register_job("fit result reminders", made_to_order.send_fit_reminders)
register_job("fitting pair return reminders", made_to_order.send_fitting_return_reminders)
# Returns: a scanned prepaid label puts its request in transit (compare-and-set, so runs may overlap).
register_job("return parcels", returns.follow_return_parcels)
register_job("exchange holds", returns.chase_missing_parcels)
# At-home trial: a delivered parcel opens the box's window (a compare-and-set on its
# state, with its email); then reminders (claimed on the box), expiry (compare-and-set on the box),
# then the charges that made due (claimed on the charge, one key per attempt), then
# closing what is finished.
register_job("trial windows", trial.open_windows)
register_job("trial reminders", trial.send_reminders)
register_job("trial expiry", trial.expire_boxes)
register_job("trial pairs not sent back", trial.charge_unreturned)
register_job("trial charges", trial.charge_due)
register_job("trial closing", trial.close_finished)


@dataclass
class JobsReport:
    results: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@contextmanager
def sqlite_runner_lock() -> Iterator[bool]:
    """On a SQLite file, one runner at a time: yields False when another runner holds
    the lock (a file beside the database, released when its process ends, even by a
    crash). PostgreSQL needs no lock: its runners share the work with row locks."""
    url = db.session.get_bind().engine.url  # (tests bind the session to a connection)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield True
        return
    with open(f"{url.database}.jobs-lock", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def run_jobs(now: datetime | None = None, mailer: Mailer | None = None) -> JobsReport:
    """Run every job once. A job that raises is rolled back and reported; the rest still run."""
    with sqlite_runner_lock() as mine:
        if not mine:
            log.warning("Another job runner is working on this SQLite database; on SQLite one runner works "
                        "at a time (on PostgreSQL every machine may run the jobs at once). This run did nothing.")
            return JobsReport(results={"skipped": "another runner holds the SQLite runner lock"})
        return _run_every_job(now, mailer)


def _run_every_job(now: datetime | None, mailer: Mailer | None) -> JobsReport:
    given = now
    report = JobsReport()

    def outbox(at: datetime) -> DeliveryReport:
        # Stamps each claim with the live clock unless the caller fixed `now`.
        return deliver_outbox(mailer or get_mailer(current_app), now=given)

    for name, job in [*JOBS, ("outbox", outbox)]:
        try:
            report.results[name] = job(given or clock.now())
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one broken job must not stop the others
            db.session.rollback()
            log.exception("Job %s failed", name)
            report.errors[name] = f"{type(error).__name__}: {error}"
    return report


def _show_info_logs() -> None:
    """Let the command's INFO lines (and the LogMailer's emails) reach the console,
    unless logging was configured already."""
    app_logger = logging.getLogger(current_app.name)
    if app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.INFO)
    current_app.logger  # noqa: B018 - Flask adds its stderr handler if none would handle INFO


@click.command("jobs")
@click.option("--every", type=click.IntRange(min=1), metavar="SECONDS", default=None,
              help="Run again every SECONDS until stopped (for the demo). Default: run once.")
@with_appcontext
def jobs_command(every: int | None) -> None:
    """Run the timed jobs once: reminders, charges, renewals, then send the outbox."""
    _show_info_logs()
    while True:
        report = run_jobs()
        for name, result in report.results.items():
            click.echo(f"{name}: {result}")
        for name, error in report.errors.items():
            click.echo(f"{name}: FAILED {error}", err=True)
        db.session.remove()
        if every is None:
            if not report.ok:
                raise click.exceptions.Exit(1)
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return
