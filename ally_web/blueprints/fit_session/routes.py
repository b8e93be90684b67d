"""/fit-session: a trial box's 15-minute video fit session.

Reached from the trial's pages and emails (the order's signed link), or with email
and order number through the order lookup (``then=fit-session``). The page shows why
booking is not open yet, or the booked session and the free times of one day at a
time (the day switches live with htmx; without JavaScript a button shows its times).
"""

from __future__ import annotations

from flask import flash, make_response, request, url_for

from ally_web.blueprints.fit_session import bp
from ally_web.blueprints.fit_session.forms import CancelForm, SlotForm
from ally_web.blueprints.orders.forms import FIT_SESSION, LookupForm
from ally_web.core.actors import CUSTOMER
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.models import Order
from ally_web.order_links import with_order_link
from ally_web.services import fit_sessions

with_order = with_order_link(
    "fit_session.start", expired="That link has expired. Please find your order again to book your fit session.",
    invalid="That link isn't valid. Please find your order with your email and order number.")


def _page(order: Order, link: str, status: int = 200, form: SlotForm | None = None, day: str | None = None):
    page = fit_sessions.page_for(order)
    form = form or SlotForm(formdata=None)
    chosen = page.day(day, form.day.data)
    return render("fit_session/show.html", block="slot_times", status=status, order=order, link=link, page=page,
                  chosen=chosen, form=form, cancel_form=CancelForm(formdata=None),
                  video_link_set=bool(fit_sessions.video_link()))


@bp.get("/fit-session")
def start():
    return render("orders/lookup.html", form=LookupForm(formdata=None, then=FIT_SESSION))


@bp.get("/fit-session/<link>")
@with_order
def show(order: Order, link: str):
    return _page(order, link, day=request.args.get("day", "")[:10])


def _day_of(form: SlotForm) -> str | None:
    slot = fit_sessions.parse_key(form.slot.data or "")
    return slot.day.isoformat() if slot is not None else None


def _change(order: Order, link: str, booked: bool):
    form = SlotForm()
    if not form.validate_on_submit():
        return _page(order, link, 422, form, _day_of(form))
    try:
        if booked:
            booking = fit_sessions.reschedule(order, form.slot.data or "")
        else:
            booking = fit_sessions.book(order, form.slot.data or "", CUSTOMER)
    except DomainError as error:
        db.session.rollback()
        if error.field == "slot":
            form.slot.errors = [error.message]
        else:
            form.form_errors.append(error.message)
        return _page(order, link, 409 if isinstance(error, fit_sessions.SlotTaken) else 422, form, _day_of(form))
    words = fit_sessions.Slot(booking.starts_at).words
    db.session.commit()
    flash(f"{'Moved' if booked else 'Booked'}: your fit session is on {words} (New York time). "
          "We've emailed you the invitation with the video link.", "success")
    return hx_redirect(url_for("fit_session.show", link=link))


@bp.post("/fit-session/<link>/book")
@with_order
def book(order: Order, link: str):
    return _change(order, link, booked=False)


@bp.post("/fit-session/<link>/reschedule")
@with_order
def reschedule(order: Order, link: str):
    return _change(order, link, booked=True)


@bp.post("/fit-session/<link>/cancel")
@with_order
def cancel(order: Order, link: str):
    form = CancelForm()
    if not form.validate_on_submit():
        form.form_errors.append("The form expired; please try again.")
        return _page(order, link, 422)
    try:
        fit_sessions.cancel(order, CUSTOMER)
    except DomainError as error:
        db.session.rollback()
        slot_form = SlotForm(formdata=None)
        slot_form.form_errors.append(error.message)
        return _page(order, link, 422, slot_form)
    db.session.commit()
    flash("Your fit session is cancelled; we've emailed you to take it out of your calendar. "
          "You can book another time below.", "success")
    return hx_redirect(url_for("fit_session.show", link=link))


@bp.get("/fit-session/<link>/fit-session.ics")
@with_order
def invitation(order: Order, link: str):
    """The booked session's invitation, to add to a calendar again."""
    booking = fit_sessions.fit_session_for(order)
    if booking is None:
        flash("You have no fit session booked.", "notice")
        return hx_redirect(url_for("fit_session.show", link=link))
    response = make_response(fit_sessions.ics(booking, fit_sessions.REQUEST))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=REQUEST"
    response.headers["Content-Disposition"] = 'attachment; filename="ALLY-fit-session.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
