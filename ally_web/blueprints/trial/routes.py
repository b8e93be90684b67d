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
from ally_web.blueprints.trial.forms import FORMS
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.lifecycle import ChangedMeanwhile
from ally_web.extensions import db
from ally_web.gateways.payments import get_gateway
from ally_web.htmx import hx_redirect, is_partial, render
from ally_web.models import TrialBox
from ally_web.services import orders, trial

DRAFT_KEY = "trial_draft"
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
                  answers=trial.answers_in_words(box) if box else None)


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
    except trial.CardRefused as refused:
        db.session.commit()  # the draft keeps why, for the card step
        flash(refused.message, "error")
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

