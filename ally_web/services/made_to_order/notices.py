"""Lead-time notices: extra made-to-order days while the factory is slower (Lunar
New Year, say), with the message shoppers read wherever a made-to-order date shows.

Admins create, edit and schedule them. Saving one re-dates every pair already in
production: its due date is worked out again from the day its production started
with the notices as they are now, and a customer whose date moved is told, with the
old and the new date. Pairs not yet started pick notices up when they start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import EventKind, LeadTimeNotice, MadeToOrderState, Order, OrderLine, OrderState
from ally_web.services.audit import record_audit
from ally_web.services.lifecycle import record_event
from ally_web.services.made_to_order.production import due_date, set_due_date
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url

MAX_EXTRA_DAYS = 90
MAX_TITLE_LENGTH = 120
MAX_MESSAGE_LENGTH = 1000


@dataclass
class NoticeInput:
    title: str
    message: str
    extra_days: int | None
    starts_on: date | None
    ends_on: date | None


def list_notices() -> list[LeadTimeNotice]:
    return list(db.session.scalars(select(LeadTimeNotice).order_by(LeadTimeNotice.starts_on.desc(), LeadTimeNotice.id)))


def get_notice(notice_id: int) -> LeadTimeNotice | None:
    return db.session.get(LeadTimeNotice, notice_id)


def _check(given: NoticeInput) -> dict[str, str]:
    errors = {}
    if not (given.title or "").strip():
        errors["title"] = "Please give the notice a title shoppers will read, e.g. Lunar New Year."
    elif len(given.title.strip()) > MAX_TITLE_LENGTH:
        errors["title"] = f"Please keep the title under {MAX_TITLE_LENGTH} characters."
    if not (given.message or "").strip():
        errors["message"] = "Please write the message shoppers will read."
    elif len(given.message.strip()) > MAX_MESSAGE_LENGTH:
        errors["message"] = f"Please keep the message under {MAX_MESSAGE_LENGTH} characters."
    if given.extra_days is None or not 1 <= given.extra_days <= MAX_EXTRA_DAYS:
        errors["extra_days"] = f"Please give the extra days, from 1 to {MAX_EXTRA_DAYS}."
    if given.starts_on is None:
        errors["starts_on"] = "Please give the first day."
    if given.ends_on is None:
        errors["ends_on"] = "Please give the last day."
    elif given.starts_on is not None and given.ends_on < given.starts_on:
        errors["ends_on"] = "The last day must be on or after the first day."
    return errors


class NoticeInvalid(DomainError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Please correct the marked fields.")
        self.errors = errors


def save_notice(notice: LeadTimeNotice | None, given: NoticeInput, actor: Actor) -> tuple[LeadTimeNotice, int]:
    """Create (``notice`` None) or change a notice, then re-date the pairs in
    production. Returns the notice and how many pairs' due dates moved.
    Raises NoticeInvalid with a message per field."""
    errors = _check(given)
    if errors:
        raise NoticeInvalid(errors)
    created = notice is None
    if notice is None:
        notice = LeadTimeNotice()
        db.session.add(notice)
    notice.title, notice.message = given.title.strip(), given.message.strip()
    notice.extra_days = given.extra_days  # type: ignore[assignment]
    notice.starts_on, notice.ends_on = given.starts_on, given.ends_on  # type: ignore[assignment]
    db.session.flush()  # the change raises the notices' cache version (models/cache_versions.py)
    moved = redate_production(actor)
    record_audit(actor, "notice.created" if created else "notice.changed", notice.title, {
        "extra_days": notice.extra_days, "starts_on": notice.starts_on.isoformat(),
        "ends_on": notice.ends_on.isoformat(), "pairs_redated": moved})
    return notice, moved


def redate_production(actor: Actor) -> int:
    """Work out again the due date of every pair in the workshop; tell each customer
    whose date moved. Returns how many moved."""
    lines = db.session.scalars(
        select(OrderLine).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.mto_state == MadeToOrderState.IN_PRODUCTION, Order.state == OrderState.PLACED,
               OrderLine.production_started_on.is_not(None))
        .options(joinedload(OrderLine.order))
    ).unique().all()
    moved = 0
    for line in lines:
        assert line.production_started_on is not None
        before = line.ships_by
        due = due_date(line, line.production_started_on)
        if due.ships_by == before and due.notice_title == line.notice_title:
            continue
        set_due_date(line, due)
        if due.ships_by == before:
            continue  # the same day, for another reason: nothing to tell
        moved += 1
        order = line.order
        record_event(order, EventKind.DUE_DATE_MOVED, actor, clock.now(), line_id=line.id,
                     ships_by=due.ships_by.isoformat(), previous=before.isoformat() if before else None,
                     notice=due.notice_title or "")
        enqueue_email(
            to=order.email, subject=f"A new date for your ALLY pair (order #{order.number})",
            template="due_date_moved", kind="due_date_moved", order_id=order.id,
            order=order, line=line, previous=before, due=due, status_url=status_url(order),
        )
    db.session.flush()
    return moved
