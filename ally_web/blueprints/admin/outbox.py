"""Admin: the email outbox, newest first, and one message as it was (or will be) sent.

Any signed-in staff member may look (the blueprint requires sign-in). The HTML part
is only ever shown as escaped source, never rendered into the staff page.
"""

from __future__ import annotations

from flask import abort, request

from ally_web.blueprints.admin import bp
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.pagination import requested_page
from ally_web.htmx import render
from ally_web.services import notifications


def _requested_page() -> int:
    """`?page=`: digits from 1 up; anything else is not a page (404)."""
    number = requested_page(request.args.get("page", "1"))
    if number is None:
        abort(404)
    return number


@bp.get("/outbox")
def outbox_list():
    page = notifications.list_outbox(_requested_page())
    return render("admin/outbox.html", messages=page.items, page=page, logout_form=LogoutForm())


@bp.get("/outbox/<id:message_id>")
def outbox_message(message_id: int):
    message = notifications.get_message(message_id)
    if message is None:
        abort(404)
    return render(
        "admin/outbox.html",
        message=message,
        mail_from=notifications.mail_from(),
        max_attempts=notifications.max_attempts(),
        logout_form=LogoutForm(),
    )
