"""Admin: the email outbox, newest first, and one message as it was (or will be) sent.

Any signed-in staff member may look (the blueprint requires sign-in). The HTML part
is only ever shown as escaped source, never rendered into the staff page.
"""

from __future__ import annotations

from flask import abort, current_app, request
from sqlalchemy import func, select

from ally_web.blueprints.admin import bp
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.pagination import PER_PAGE, Page, page_of, requested_page
from ally_web.extensions import db
from ally_web.htmx import render
from ally_web.jobs import DEFAULT_MAX_ATTEMPTS
from ally_web.models.outbox import OutboxMessage
from ally_web.services.notifications import mail_from


def _requested_page() -> int:
    """`?page=`: digits from 1 up; anything else is not a page (404)."""
    number = requested_page(request.args.get("page", "1"))
    if number is None:
        abort(404)
    return number


@bp.get("/outbox")
def outbox_list():
    requested = _requested_page()
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    number, pages = page_of(total, requested)
    page = Page(number=number, pages=pages, total=total)
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(PER_PAGE)
        .offset((page.number - 1) * PER_PAGE)
    ).all()
    return render(
        "admin/outbox.html",
        messages=messages, page=page, logout_form=LogoutForm(),
    )


@bp.get("/outbox/<id:message_id>")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render(
        "admin/outbox.html",
        message=message,
        mail_from=mail_from(),
        max_attempts=current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
        logout_form=LogoutForm(),
    )
