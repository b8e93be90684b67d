"""/trial: the at-home trial questionnaire, the card on the provider's page, and the
trial box's own page (its window and decisions).

The questionnaire is four plain forms, one per step (POST → 303 to the next step, or
422 with every message beside its field and everything typed kept). The draft's token
lives in the shopper's session, so going back or coming back later from the same
browser shows every answer. With JavaScript, each step checks what was typed as the
shopper goes (``/trial/<step>/check`` answers with the form again, messages beside
the fields already filled).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, session, url_for

from ally_web.blueprints.trial import bp
from ally_web.blueprints.trial.forms import FORMS, DecideForm
from ally_web.core.actors import CUSTOMER
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.downloads import private_file, private_photo
from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway
from ally_web.htmx import hx_redirect, is_partial, render
from ally_web.models import Order, TrialBox
from ally_web.order_links import with_order_link
from ally_web.services import fit_sessions, orders, returns, trial

DRAFT_KEY = "trial_draft"
STALE_FORM = "This page was open too long. Please try again."
STEPS = trial.questionnaire.STEPS


def _draft() -> TrialBox | None:
    return trial.find_draft(session.get(DRAFT_KEY))


def _given(form) -> dict[str, object]:
    """The step's answers as typed (checkbox groups as lists)."""
    return {name: (request.form.getlist(name) if name == "foot_notes" else field.data)
            for name, field in form._fields.items() if name != "csrf_token"}


def _page(step: str, box: TrialBox | None, form=None, status: int = 200, errors: dict[str, str] | None = None,
          block: str | None = None):
    if form is None:
        typed = (box.answers.get("typed", {}) if box else {})
        form = FORMS[step](formdata=None, data={k: v for k, v in typed.items() if v is not None})
    for name, message in (errors or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
    reached = box.step if box else "fit"
    return render("trial/questionnaire.html", block=block, status=status, step=step, box=box, form=form,
                  steps=STEPS, titles=trial.questionnaire.STEP_TITLES, reached=reached,
                  reachable=lambda s: trial.questionnaire.reachable(s, reached),
                  answers=trial.answers_in_words(box) if box else None, style=trial.trial_style())


@bp.get("/trial")
def start():
    box = _draft()
    return _page(box.step if box else "fit", box)


@bp.get("/trial/step/<step>")
def step(step: str):
    if step not in STEPS:
        abort(404)
    box = _draft()
    if not trial.questionnaire.reachable(step, box.step if box else "fit"):
        flash("Please answer the questions in order; here is where you are.", "notice")
        return redirect(url_for("trial.start"), 303)
    return _page(step, box)


@bp.post("/trial/step/<step>")
def save(step: str):
    if step not in STEPS or step == "card":
        abort(404)
    form = FORMS[step]()
    box = _draft()
    if not form.validate():
        return _page(step, box, form, 422, {n: e[0] for n, e in form.errors.items() if e})
    if box is None:
        box = trial.start_draft()
        session[DRAFT_KEY] = box.token
        session.permanent = True  # come back later from the same browser
    try:
        following = trial.save_step(box, step, _given(form))
    except trial.AnswersInvalid as invalid:
        db.session.commit()  # keep what was typed, for a later visit too
        return _page(step, box, form, 422, invalid.errors)
    except DomainError as error:
        flash(error.message, "notice")
        return redirect(url_for("trial.start"), 303)
    db.session.commit()
    return redirect(url_for("trial.step", step=following), 303)


@bp.post("/trial/step/<step>/check")
def check(step: str):
    """htmx: the step's form again, with a message beside each field filled in wrong
    (empty fields are not scolded until the shopper sends the step)."""
    if step not in STEPS or step == "card":
        abort(404)
    form = FORMS[step]()
    given = _given(form)
    errors = {name: message for name, message in trial.check_step(step, given).items() if given.get(name)}
    if not is_partial():
        return _page(step, _draft(), form, 422 if errors else 200, errors)
    return _page(step, _draft(), form, 200, errors, block="step_form")


@bp.post("/trial/card")
def card():
    box = _draft()
    form = FORMS["card"]()
    if box is None or box.step != "card":
        flash("Please answer the questions first.", "notice")
        return redirect(url_for("trial.start"), 303)
    if not form.validate():
        return _page("card", box, form, 422, {"form": "Your session expired. Please press the button again."})
    url = trial.start_card_setup(box, get_gateway(), return_url=url_for("trial.card_return", _external=True),
                                 cancel_url=url_for("trial.card_return", _external=True))
    db.session.commit()
    return hx_redirect(url)


@bp.get("/trial/card/return")
def card_return():
    session_id = request.args.get("session", "")[:64]
    try:
        box = trial.complete_card_setup(session_id, get_gateway())
    except NotFound:
        abort(404)
    except trial.CardRefused:
        db.session.commit()  # the draft keeps why: the card step shows it
        return redirect(url_for("trial.step", step="card"), 303)
    except ChangedMeanwhile:  # the same return address loaded twice at once
        db.session.rollback()
        found = trial.find_by_setup_session(session_id)
        if found is None:
            abort(404)
        box = found
    if box.order is None:
        abort(404)
    db.session.commit()
    session.pop(DRAFT_KEY, None)
    flash(f"Your trial box #{box.order.number} is requested. We've emailed you what happens next.", "success")
    return redirect(orders.status_url(box.order, orders.LOOKUP, external=False), 303)



# --- The trial box's own page: the window, the decisions, paying after a decline ------

with_box_link = with_order_link(
    "orders.lookup", expired="That link has expired. Please find your trial box with your email and its number.",
    invalid="That link isn't valid. Please find your trial box with your email and its number.")


def _box_of(order: Order) -> TrialBox:
    box = trial.box_for_order(order) if order.is_trial else None
    if box is None:
        abort(404)
    return box


def _choices_typed(box: TrialBox) -> dict[int, str]:
    return {p.id: request.form.get(f"pair-{p.id}", "") for p in box.current_pairs}


def _box_page(order: Order, link: str, box: TrialBox, status: int = 200, errors: dict[str, str] | None = None,
              choices: dict[int, str] | None = None, block: str | None = None):
    choices = choices if choices is not None else {p.id: str(p.decision or "") for p in box.current_pairs}
    return render("trial/box.html", block=block, status=status, order=order, link=link, box=box,
                  window=trial.window_of(box), view=orders.status_view(order), choices=choices,
                  total_cents=trial.kept_total(box.current_pairs, choices), errors=errors or {},
                  answers=trial.answers_in_words(box), unpaid=trial.open_charges(box),
                  return_parcel=trial.return_parcel(box), rounds_note=trial.rounds_note(box),
                  sizes=trial.size_choices(), kind_words=trial.KIND_WORDS,
                  unanswered=trial.ended_unanswered(box), offers=trial.pair_offers(box),
                  send_back_by=trial.send_back_by(box),
                  fit_session=fit_sessions.fit_session_for(order),
                  fit_session_url=fit_sessions.fit_session_url(order, external=False))


@bp.get("/trial/box/<link>")
@with_box_link
def box(order: Order, link: str):
    return _box_page(order, link, _box_of(order))


@bp.post("/trial/box/<link>/total")
@with_box_link
def total(order: Order, link: str):
    """htmx: the amount to be charged for the pairs marked "keep" so far."""
    box = _box_of(order)
    return _box_page(order, link, box, choices=_choices_typed(box), block="decision_total")


@bp.post("/trial/box/<link>/decide")
@with_box_link
def decide(order: Order, link: str):
    box = _box_of(order)
    choices = _choices_typed(box)
    if request.form.get("action") == "total":  # without JavaScript: show the total, decide nothing
        return _box_page(order, link, box, choices=choices)
    if not DecideForm().validate():
        return _box_page(order, link, box, 422, {"form": STALE_FORM}, choices)
    try:
        trial.decide(box, {pid: choice for pid, choice in choices.items()}, CUSTOMER)
    except trial.DecisionInvalid as invalid:
        db.session.rollback()
        return _box_page(order, link, _box_of(order), 422, invalid.errors, choices)
    except DomainError as error:
        db.session.rollback()
        return _box_page(order, link, _box_of(order), 422, {"form": error.message}, choices)
    db.session.commit()
    flash("Thank you: your choice is in. We've emailed you what happens next.", "success")
    return hx_redirect(url_for("trial.box", link=link))


@bp.post("/trial/box/<link>/exchange")
@with_box_link
def exchange(order: Order, link: str):
    box = _box_of(order)
    wishes = {p.id: (request.form.get(f"size-{p.id}", "")[:10], request.form.get(f"width-{p.id}", "")[:2])
              for p in box.current_pairs}
    if not DecideForm().validate():
        return _box_page(order, link, box, 422, {"exchange": STALE_FORM})
    try:
        trial.ask_exchange(box, wishes, request.form.get("note", "")[:1000], CUSTOMER)
    except trial.DecisionInvalid as invalid:
        db.session.rollback()
        return _box_page(order, link, _box_of(order), 422, invalid.errors)
    except DomainError as error:
        db.session.rollback()
        return _box_page(order, link, _box_of(order), 422, {"exchange": error.message})
    db.session.commit()
    flash("Your new sizes are asked for: our fitting team is on it.", "success")
    return hx_redirect(url_for("trial.box", link=link))


@bp.get("/trial/box/<link>/return-label.pdf")
@with_box_link
def return_label(order: Order, link: str):
    parcel = trial.return_parcel(_box_of(order))
    if parcel is None:
        abort(404)
    return private_file(orders.label_pdf(parcel), f"ALLY-trial-{order.number}-return.pdf")


@bp.get("/trial/box/<link>/photos/<int:photo_id>")
@with_box_link
def damage_photo(order: Order, link: str, photo_id: int):
    """Our photo of a pair that came back damaged, for the customer charged the fee:
    only from the box's signed link, kept by no shared cache."""
    found = trial.damage_photo(_box_of(order), photo_id)
    if found is None:
        abort(404)
    photo, path = found
    return private_photo(path, returns.content_type(photo))


@bp.post("/trial/box/<link>/pay/<int:charge_id>")
@with_box_link
def pay(order: Order, link: str, charge_id: int):
    box = _box_of(order)
    charge = next((c for c in box.charges if c.id == charge_id), None)
    if charge is None:
        abort(404)
    if not DecideForm().validate():
        return _box_page(order, link, box, 422, {"pay": STALE_FORM})
    back = url_for("trial.paid", _external=True)
    try:
        url = trial.start_payment(charge, get_gateway(), return_url=back, cancel_url=back)
    except DomainError as error:
        return _box_page(order, link, box, 422, {"pay": error.message})
    db.session.commit()
    return hx_redirect(url)


@bp.get("/trial/paid")
def paid():
    session_id = request.args.get("session", "")[:64]
    try:
        charge = trial.complete_payment(session_id, get_gateway())
    except NotFound:
        abort(404)
    except DomainError as error:
        unpaid = trial.charge_for_payment(session_id)
        if unpaid is None or unpaid.box.order is None:
            abort(404)
        flash(error.message, "error")
        return redirect(orders.status_url(unpaid.box.order, orders.LOOKUP, external=False), 303)
    db.session.commit()
    order = charge.box.order
    assert order is not None
    if charge.state == "paid":
        flash("Thank you: your payment went through. Your receipt is on its way.", "success")
    else:
        flash("Your card is being charged right now, so nothing was taken by this payment.", "notice")
    return redirect(orders.status_url(order, orders.LOOKUP, external=False), 303)
