"""Admin: returns. The list by state; one request's page to review a damaged pair
(with the customer's photos), record the parcel received, inspect each pair
(accepted, or refused as worn), which refunds what was accepted and emails the
customer, and ship the refused pairs back."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ally_web.blueprints.admin import bp
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.errors import DomainError
from ally_web.core.formatting import money
from ally_web.downloads import private_photo
from ally_web.extensions import db
from ally_web.gateways.carriers import carrier_names
from ally_web.htmx import hx_redirect, render
from ally_web.models import ReturnRequest, ReturnState
from ally_web.services import returns

OPEN = (ReturnState.IN_REVIEW, ReturnState.LABEL_ISSUED, ReturnState.AWAITING_TRACKING, ReturnState.IN_TRANSIT,
        ReturnState.RECEIVED)


def _load(request_id: int) -> ReturnRequest:
    found = returns.get_request(request_id)
    if found is None:
        abort(404)
    return found


@bp.get("/returns")
def returns_list():
    everything = request.args.get("all") == "1"
    return render("admin/returns.html", requests=returns.list_requests(None if everything else OPEN),
                  to_send_back=[] if everything else returns.requests_to_send_back(),
                  everything=everything, logout_form=LogoutForm())


def _page(found: ReturnRequest, status: int = 200, errors: dict[str, str] | None = None, message: str | None = None):
    return render("admin/return.html", status=status, req=found, order=found.order, reasons=returns.REASONS,
                  refund_for=returns.refund_for, refused=returns.refused_items(found), carriers=carrier_names(),
                  errors=errors or {}, message=message,
                  typed=request.form if request.method == "POST" else {}, csrf_form=FlaskForm(formdata=None),
                  logout_form=LogoutForm())


@bp.get("/returns/<id:request_id>")
def return_detail(request_id: int):
    return _page(_load(request_id))


def _done(found: ReturnRequest, words: str):
    db.session.commit()
    flash(words, "success")
    return hx_redirect(url_for("admin.return_detail", request_id=found.id))


def _refused(found: ReturnRequest, error: DomainError):
    db.session.rollback()
    field = error.field or "page"
    return _page(found, 422, {field: error.message}, error.message if field == "page" else None)


@bp.post("/returns/<id:request_id>/review")
def return_review(request_id: int):
    found = _load(request_id)
    if not FlaskForm().validate_on_submit():
        return _page(found, 422, message="The form expired; please try again.")
    approved = request.form.get("decision") == "approve"
    try:
        returns.review(found, approved, request.form.get("reason", ""), current_user.actor)
    except DomainError as error:
        return _refused(found, error)
    return _done(found, "Approved: the label has been issued." if approved else "Refused; the customer can see why.")


@bp.post("/returns/<id:request_id>/received")
def return_received(request_id: int):
    found = _load(request_id)
    if not FlaskForm().validate_on_submit():
        return _page(found, 422, message="The form expired; please try again.")
    try:
        returns.mark_received(found, current_user.actor)
    except DomainError as error:
        return _refused(found, error)
    return _done(found, "Received. Inspect each pair next.")


@bp.post("/returns/<id:request_id>/inspect")
def return_inspect(request_id: int):
    found = _load(request_id)
    if not FlaskForm().validate_on_submit():
        return _page(found, 422, message="The form expired; please try again.")
    decisions = {}
    for item in found.items:
        verdict = request.form.get(f"item-{item.id}")
        if verdict in ("accept", "refuse"):
            decisions[item.id] = returns.Decision(verdict == "accept", request.form.get(f"note-{item.id}", ""))
    try:
        refunded = returns.inspect(found, decisions, current_user.actor)
    except DomainError as error:
        return _refused(found, error)
    return _done(found, f"Inspected; {money(refunded)} refunded and the customer emailed." if refunded
                 else "Inspected; nothing to refund. The customer has been emailed.")


@bp.post("/returns/<id:request_id>/send-back")
def return_send_back(request_id: int):
    found = _load(request_id)
    if not FlaskForm().validate_on_submit():
        return _page(found, 422, message="The form expired; please try again.")
    try:
        parcel = returns.send_back(found, request.form.get("carrier", ""), request.form.get("tracking_number", ""),
                                   current_user.actor)
    except DomainError as error:
        return _refused(found, error)
    return _done(found, f"Sent back by {parcel.carrier} ({parcel.tracking_number}); the customer has been emailed.")


@bp.get("/returns/<id:request_id>/photos/<id:photo_id>")
def return_photo(request_id: int, photo_id: int):
    """A photo a customer sent with a damaged pair: staff only (like every admin
    page, never stored by a cache), never at a public address."""
    found = _load(request_id)
    photo = next((p for item in found.items for p in item.photos if p.id == photo_id), None)
    path = returns.photo_file(photo) if photo else None
    if photo is None or path is None:
        abort(404)
    return private_photo(path, returns.content_type(photo))


@bp.get("/returns/feedback")
def returns_feedback():
    """How pairs fit, by style and size, from every request's reasons."""
    return render("admin/fit_feedback.html", rows=returns.feedback_summary(), reasons=returns.REASONS,
                  logout_form=LogoutForm())
