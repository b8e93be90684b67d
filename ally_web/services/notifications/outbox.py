"""Emails go into the outbox, in the caller's transaction; `flask ally jobs` sends them.

Nothing here talks to a mail server: if the change that wanted the email is rolled
back, so is the email, and a slow or broken mail server never slows a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import func, select

from ally_web.core import clock
from ally_web.core.pagination import PER_PAGE, Page, page_of
from ally_web.extensions import db
from ally_web.models.outbox import OutboxMessage

DEFAULT_MAIL_FROM = "ALLY <hello@ally.nyc>"
DEFAULT_MAX_ATTEMPTS = 5


def max_attempts() -> int:
    """Delivery attempts before an email is given up (config `MAIL_MAX_ATTEMPTS`)."""
    return int(current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def mail_from() -> str:
    """The From header every email carries (config `MAIL_FROM`)."""
    return current_app.config.get("MAIL_FROM") or DEFAULT_MAIL_FROM


def new_message_id() -> str:
    """A fresh Message-ID on the sender's domain (no DNS lookup, unlike make_msgid's default)."""
    domain = parseaddr(mail_from())[1].rpartition("@")[2] or "ally.nyc"
    return make_msgid(domain=domain)


@dataclass(frozen=True)
class Attachment:
    """A text file sent with an email, e.g. ``Attachment("invite.ics",
    "text/calendar; method=REQUEST", ics_text)``. Only text types: the outbox keeps it as text."""

    name: str
    content_type: str
    text: str

    def __post_init__(self) -> None:
        if not self.content_type.startswith("text/"):
            raise ValueError("The outbox sends text attachments only.")
        _one_line(self.name, "attachment name")
        _one_line(self.content_type, "attachment type")


def _one_line(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(f"An email needs a {what}.")
    if "\r" in value or "\n" in value:
        raise ValueError(f"An email {what} must be one line.")
    return value


def _render_optional(name: str, context: dict[str, Any]) -> str | None:
    """Render `name` if that template exists; a missing include inside it still raises."""
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound as error:
        if error.name == name:
            return None
        raise
    return render_template(name, **context)


def enqueue_email(
    *,
    to: str,
    subject: str,
    template: str,
    kind: str,
    order_id: int | None = None,
    attachment: Attachment | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render `emails/<template>.txt` (and `.html` if present) and add it to the outbox.

    Adds and flushes the row but never commits: it is saved, or not, with the
    caller's change. `context` goes to both templates (plus `subject`).
    """
    context.setdefault("subject", subject)
    text_body = render_template(f"emails/{template}.txt", **context)
    html_body = _render_optional(f"emails/{template}.html", context)
    message = OutboxMessage(
        kind=kind,
        order_id=order_id,
        to_address=_one_line(to, "recipient"),
        subject=_one_line(subject, "subject"),
        text_body=text_body,
        html_body=html_body,
        message_id=new_message_id(),
        created_at=clock.now(),
        attempts=0,
    )
    if attachment is not None:
        message.attachment_name = attachment.name
        message.attachment_type = attachment.content_type
        message.attachment_text = attachment.text
    db.session.add(message)
    db.session.flush()
    return message


# --- Reading the outbox (staff) ----------------------------------------------------------


def list_outbox(requested_page: int, per_page: int = PER_PAGE) -> Page[OutboxMessage]:
    """Every email, newest first, one page of them (two queries)."""
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    number, pages = page_of(total, requested_page, per_page)
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Page(number=number, pages=pages, total=total, items=list(messages))


def get_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)
