"""Admin: fit sessions. The weekly hours (New York time), the dates that differ, the
video link invitations carry, and the sessions booked from now on.

Every view parses, calls one service of ``services.fit_sessions``, commits once and
redirects (303, or HX-Redirect for htmx); a refused change rolls back and shows the
page again with 422 and the message beside the field, keeping what was typed.
"""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.fit_session_forms import (
    ExceptionForm,
    HoursForm,
    RemoveExceptionForm,
    VideoLinkForm,
    parse_time,
)
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core import clock
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.services import fit_sessions

PAGE = "admin.fit_sessions_page"


def _page(status: int = 200, *, hours_form: HoursForm | None = None, link_form: VideoLinkForm | None = None,
          exception_form: ExceptionForm | None = None, error: str | None = None):
    if hours_form is None:
        hours_form = HoursForm(formdata=None)
        hours_form.fill(fit_sessions.weekly_hours())
    if link_form is None:
        link_form = VideoLinkForm(formdata=None, video_link=fit_sessions.video_link())
    bookings = fit_sessions.upcoming_bookings()
    return render(
        "admin/fit_sessions.html", status=status, hours_form=hours_form, link_form=link_form,
        exception_form=exception_form or ExceptionForm(formdata=None), remove_form=RemoveExceptionForm(formdata=None),
        exceptions=fit_sessions.exceptions_from(clock.now().date()), error=error,
        bookings=[(b, fit_sessions.Slot(b.starts_at)) for b in bookings],
        video_link=fit_sessions.video_link(), logout_form=LogoutForm(), time_words=fit_sessions.time_words,
        day_words=fit_sessions.day_words,
    )


def _refused(error: DomainError, form) -> str | None:
    """Roll back; put the message beside its field, or return it for the page top."""
    db.session.rollback()
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
        return None
    return error.message


@bp.get("/fit-sessions")
def fit_sessions_page():
    return _page()


@bp.post("/fit-sessions/hours")
def fit_sessions_hours():
    form = HoursForm()
    days = form.day_hours() if form.validate_on_submit() else None
    if days is None:
        return _page(422, hours_form=form, error="Please look at the marked times; what you typed is kept.")
    try:
        fit_sessions.save_weekly_hours(days, current_user.actor)
    except DomainError as error:
        return _page(422, hours_form=form, error=_refused(error, form))
    db.session.commit()
    flash("Weekly hours saved. Customers see the new times at once; sessions already booked stay as they are.",
          "success")
    return hx_redirect(url_for(PAGE))


@bp.post("/fit-sessions/video-link")
def fit_sessions_video_link():
    form = VideoLinkForm()
    if not form.validate_on_submit():
        return _page(422, link_form=form)
    try:
        fit_sessions.set_video_link(form.video_link.data or "", current_user.actor)
    except DomainError as error:
        return _page(422, link_form=form, error=_refused(error, form))
    db.session.commit()
    flash("Video link saved: every invitation from now on carries it.", "success")
    return hx_redirect(url_for(PAGE))


@bp.post("/fit-sessions/exceptions")
def fit_sessions_exception_add():
    form = ExceptionForm()
    valid = form.validate_on_submit()
    opens, closes = parse_time(form.opens), parse_time(form.closes)
    if not valid or form.opens.errors or form.closes.errors:
        return _page(422, exception_form=form)
    try:
        exception = fit_sessions.add_exception(form.day.data, bool(form.closed.data), opens, closes,
                                               form.note.data or "", current_user.actor)
    except DomainError as error:
        field = {"opens_exception": "opens", "closes_exception": "closes"}.get(error.field or "", error.field)
        return _page(422, exception_form=form, error=_refused(DomainError(error.message, field), form))
    booked = fit_sessions.bookings_on(exception.day)
    db.session.commit()
    flash(f"{fit_sessions.day_words(exception.day)} saved." + (
        f" {booked} session{'s are' if booked > 1 else ' is'} already booked that day: please contact "
        f"{'those customers' if booked > 1 else 'the customer'} if it no longer suits." if booked else ""),
        "success")
    return hx_redirect(url_for(PAGE))


@bp.post("/fit-sessions/exceptions/<id:exception_id>/remove")
def fit_sessions_exception_remove(exception_id: int):
    form = RemoveExceptionForm()
    if not form.validate_on_submit():
        return _page(422, error="The form expired; please try again.")
    try:
        exception = fit_sessions.remove_exception(exception_id, current_user.actor)
    except DomainError as error:
        return _page(422, error=_refused(error, form))
    db.session.commit()
    flash(f"{fit_sessions.day_words(exception.day)} follows the weekly hours again.", "success")
    return hx_redirect(url_for(PAGE))
