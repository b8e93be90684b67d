"""Admin: trial boxes. The queues (boxes to curate, ready, on their way, pairs
coming back, declined charges), and one box's page: the customer's answers and fit
profile, the stock around their size, the pairs chosen with their checklist, box
ready, reopen, cancel (admins), ship with both labels, carrier scans; after delivery
the window and the customer's choice, the returned pairs received and inspected,
the charges; and the timeline.

Every view parses, calls one service of ``services.trial``, commits once and
redirects (303, or HX-Redirect for htmx); a refused request rolls back and shows the
page again with 422 and the message beside the field, keeping what was typed. The
stock grid answers htmx with its own block when the colour changes.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ally_web import policy
from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.access import admin_required
from ally_web.blueprints.admin.order_forms import CancelForm, FulfilForm, ScanForm
from ally_web.blueprints.admin.trial_forms import ButtonForm, ChecklistForm, PairForm
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core import clock
from ally_web.core.errors import DomainError, NotFound
from ally_web.core.formatting import money
from ally_web.downloads import private_file, private_photo
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.models import TrialBox, TrialState
from ally_web.services import orders, returns, trial


def _box(box_id: int) -> TrialBox:
    box = trial.get_box(box_id)
    if box is None:
        abort(404)
    return box


def _refused(error: DomainError, form=None) -> str | None:
    """Roll back; put the message beside its field, or return it for the form's top."""
    db.session.rollback()
    field = form[error.field] if form is not None and error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return None
    return error.message


def _back(box_id: int, anchor: str = ""):
    return hx_redirect(url_for("admin.trial_detail", box_id=box_id) + anchor)


@bp.get("/trials")
def trials_list():
    return _list()


def _list(status: int = 200, declined_error: str = ""):
    return render(
        "admin/trials.html", status=status, declined_error=declined_error,
        rows=trial.queue(),
        ready=trial.boxes_in(TrialState.CURATED),
        on_their_way=trial.boxes_in(TrialState.SHIPPED),
        coming_back=trial.boxes_with_returns(),
        declined=trial.failed_charges(),
        button_form=ButtonForm(formdata=None),
        kind_words=trial.KIND_WORDS,
        logout_form=LogoutForm(),
    )


def _page(box: TrialBox, status: int = 200, *, pair_form: PairForm | None = None,
          checklist_forms: dict[int, ChecklistForm] | None = None, ship_form: FulfilForm | None = None,
          cancel_form: CancelForm | None = None, scan_form: ScanForm | None = None,
          errors: dict[str, str] | None = None, verdicts: dict[int, tuple[str, str]] | None = None):
    order = box.order
    assert order is not None
    colours = trial.trial_colours(box)
    grid = trial.stock_around(box, request.args.get("colour", type=str))
    if pair_form is None:
        pair_form = PairForm(formdata=None, colours=colours)
        if grid is not None and grid.asked is not None:  # their own size, to start from
            pair_form.size.data, pair_form.width.data = str(grid.asked[0]), grid.asked[1]
        pair_form.colour.data = grid.colour.slug if grid is not None else None
        pair_form.condition.data = "sample" if box.answers.get("condition") == "sample" else "new"
    pairs = trial.round_pairs(box)
    forms = checklist_forms or {}
    for pair in pairs:
        if pair.id not in forms:
            forms[pair.id] = ChecklistForm(formdata=None, obj=pair, prefix=f"pair-{pair.id}")
    scan_form = scan_form or ScanForm(formdata=None)
    scan_form.shipment_id.choices = [SelectChoice(str(s.id), f"{s.carrier} {s.tracking_number}")
                                     for s in order.shipments if s.delivered_at is None]
    return render(
        "admin/trial.html", block="stock" if request.method == "GET" else None, status=status,
        box=box, order=order, round=trial.current_round(box), pairs=pairs,
        previous=[p for p in box.pairs if p not in pairs],
        answers=trial.answers_for_staff(box), profile=trial.fit_profile(box), grid=grid, colours=colours,
        in_their_size=trial.colours_in_their_size(box),
        choosing=box.state in trial.QUEUE_STATES, pair_form=pair_form, checklist_forms=forms,
        button_form=ButtonForm(formdata=None), ship_form=ship_form or FulfilForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None), scan_form=scan_form,
        cancellable=trial.TRIAL.can_move(box.state, TrialState.CANCELLED) and not order.parcels,
        shipment=trial.box_shipment(box), return_label=trial.return_label(box), last_day=trial.last_day(box),
        tracking_links={s.id: orders.tracking_url(s) for s in order.shipments},
        shipment_states={s.id: orders.shipment_progress(s) for s in order.shipments},
        label_of=trial.pair_label, errors=errors or {}, logout_form=LogoutForm(),
        window=trial.window_of(box), coming_back=trial.coming_back(box), kind_words=trial.KIND_WORDS,
        verdicts=verdicts or {},
    )


@bp.get("/trials/<id:box_id>")
def trial_detail(box_id: int):
    box = _box(box_id)
    if trial.sync_box(box, current_user.actor):  # the delivery scan just landed: open the window now
        db.session.commit()
    return _page(box)


@bp.post("/trials/<id:box_id>/pairs")
def trial_add_pair(box_id: int):
    box = _box(box_id)
    form = PairForm(colours=trial.trial_colours(box))
    if not form.validate_on_submit():
        return _page(box, 422, pair_form=form)
    try:
        pair = trial.add_pair(box, form.colour.data, form.size_halves(), form.width.data, form.condition.data,
                              current_user.actor)
    except DomainError as error:
        message = _refused(error, form)
        return _page(_box(box_id), 422, pair_form=form, errors={"pair": message} if message else None)
    label = trial.pair_label(pair)
    db.session.commit()
    flash(f"Added {label}. Tick its checklist once it is cleaned, photographed and protected.", "success")
    return _back(box_id, "#pairs-title")


@bp.post("/trials/<id:box_id>/pairs/<id:pair_id>/remove")
def trial_remove_pair(box_id: int, pair_id: int):
    box = _box(box_id)
    if not ButtonForm().validate_on_submit():
        return _page(box, 422, errors={"pairs": "The form expired; please try again."})
    try:
        pair = trial.remove_pair(box, pair_id, current_user.actor)
    except DomainError as error:
        return _page(_box(box_id), 422, errors={"pairs": _refused(error) or ""})
    words = f"Removed {trial.pair_label(pair)}{'; it is back on the shelf' if pair.condition == 'new' else ''}."
    db.session.commit()
    flash(words, "success")
    return _back(box_id, "#pairs-title")


@bp.post("/trials/<id:box_id>/pairs/<id:pair_id>/checklist")
def trial_checklist(box_id: int, pair_id: int):
    box = _box(box_id)
    form = ChecklistForm(prefix=f"pair-{pair_id}")
    if not form.validate_on_submit():
        return _page(box, 422, errors={"pairs": "The form expired; please try again."})
    try:
        pair = trial.set_checklist(box, pair_id, form.ticked(), current_user.actor)
    except DomainError as error:
        return _page(_box(box_id), 422, errors={"pairs": _refused(error) or ""})
    words = "done" if pair.checklist_done else "saved"
    label = trial.pair_label(pair)
    db.session.commit()
    flash(f"Checklist {words} for {label}.", "success")
    return _back(box_id, "#pairs-title")


@bp.post("/trials/<id:box_id>/ready")
def trial_ready(box_id: int):
    box = _box(box_id)
    if not ButtonForm().validate_on_submit():
        return _page(box, 422, errors={"ready": "The form expired; please try again."})
    try:
        trial.box_ready(box, current_user.actor)
    except DomainError as error:
        return _page(_box(box_id), 422, errors={"ready": _refused(error) or ""})
    db.session.commit()
    flash("The box is ready. Ship it below with the carrier's tracking number.", "success")
    return _back(box_id, "#ship-title")


@bp.post("/trials/<id:box_id>/reopen")
def trial_reopen(box_id: int):
    box = _box(box_id)
    if not ButtonForm().validate_on_submit():
        return _page(box, 422, errors={"ready": "The form expired; please try again."})
    try:
        trial.reopen(box, current_user.actor)
    except DomainError as error:
        return _page(_box(box_id), 422, errors={"ready": _refused(error) or ""})
    db.session.commit()
    flash("Reopened: the pairs can change again.", "success")
    return _back(box_id, "#pairs-title")


@bp.post("/trials/<id:box_id>/cancel")
@admin_required
def trial_cancel(box_id: int):
    box = _box(box_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _page(box, 422, cancel_form=form)
    try:
        trial.cancel(box, form.reason.data, current_user.actor)
    except DomainError as error:
        message = _refused(error, form)
        return _page(_box(box_id), 422, cancel_form=form, errors={"cancel": message} if message else None)
    db.session.commit()
    flash("The trial is cancelled: new pairs are back on the shelf, the card hold is released and the customer "
          "has been emailed.", "success")
    return _back(box_id)


@bp.post("/trials/<id:box_id>/ship")
def trial_ship(box_id: int):
    box = _box(box_id)
    form = FulfilForm()
    if not form.validate_on_submit():
        return _page(box, 422, ship_form=form)
    try:
        shipment = trial.ship(box, form.carrier.data, form.tracking_number.data, current_user.actor)
    except DomainError as error:
        message = _refused(error, form)
        return _page(_box(box_id), 422, ship_form=form, errors={"ship": message} if message else None)
    db.session.commit()
    flash(f"Shipped by {shipment.carrier} ({shipment.tracking_number}); the customer has been emailed. "
          "Print both labels below: the return label goes in the box.", "success")
    return _back(box_id, "#parcel-title")


def _pdf(pdf: bytes, name: str):
    return private_file(pdf, f"{name}.pdf")


@bp.get("/trials/<id:box_id>/label.pdf")
def trial_label(box_id: int):
    box = _box(box_id)
    try:
        pdf = trial.shipping_label_pdf(box)
    except DomainError:
        abort(404)
    return _pdf(pdf, f"ALLY-{box.order.number}-trial-box")  # type: ignore[union-attr]


@bp.get("/trials/<id:box_id>/return-label.pdf")
def trial_return_label(box_id: int):
    """The prepaid return label that goes in the box."""
    box = _box(box_id)
    try:
        pdf = trial.return_label_pdf(box)
    except DomainError:
        abort(404)
    return _pdf(pdf, f"ALLY-{box.order.number}-trial-return")  # type: ignore[union-attr]


@bp.post("/trials/<id:box_id>/scans")
def trial_scan(box_id: int):
    """Record a carrier scan by hand; a delivery scan opens the window at once."""
    box = _box(box_id)
    form = ScanForm()
    if form.validate_on_submit():
        try:
            trial.record_scan(box, form.shipment_id_value(), form.kind.data, clock.now(), current_user.actor,
                              form.location.data or "")
        except DomainError as error:
            message = _refused(error, form)
            if message:
                form.kind.errors = [message]
            box = _box(box_id)
        else:
            db.session.commit()
            flash("Scan recorded.", "success")
            return _back(box_id, "#parcel-title")
    return _page(box, 422, scan_form=form)


@bp.post("/trials/<id:box_id>/received")
def trial_received(box_id: int):
    """The return parcel is at the studio."""
    box = _box(box_id)
    if not ButtonForm().validate_on_submit():
        return _page(box, 422, errors={"returns": "The form expired; please try again."})
    try:
        count = trial.receive(box, current_user.actor)
    except DomainError as error:
        return _page(_box(box_id), 422, errors={"returns": _refused(error) or ""})
    db.session.commit()
    flash(f"{count} pair{'s' if count != 1 else ''} received. Inspect each one below.", "success")
    return _back(box_id, "#returns-title")


def _verdicts_typed(box: TrialBox) -> dict[int, tuple[str, str]]:
    """Each returned pair's verdict as typed: ("accept" | "damage" | "", the note)."""
    return {p.id: (request.form.get(f"verdict-{p.id}", ""), request.form.get(f"note-{p.id}", ""))
            for p in trial.coming_back(box)}


@bp.url_value_preprocessor
def allow_damage_photos(endpoint: str | None, values: dict | None) -> None:
    """The inspection form carries photos of damaged pairs: it may be as large as a
    return request. Set before anything reads the body (the CSRF check does)."""
    if endpoint == "admin.trial_inspect":
        request.max_content_length = policy.RETURN_REQUEST_MAX_BYTES


def _photos_sent(box: TrialBox) -> dict[int, list[returns.Upload]]:
    """The photos chosen for each returned pair."""
    return {pair.id: returns.read_uploads(request.files.getlist(f"photos-{pair.id}"))
            for pair in trial.coming_back(box)}


@bp.post("/trials/<id:box_id>/inspect")
def trial_inspect(box_id: int):
    """Each received pair accepted, or the damage fee charged with a reason and photos."""
    box = _box(box_id)
    typed = _verdicts_typed(box)
    if not ButtonForm().validate_on_submit():
        return _page(box, 422, errors={"returns": "The form expired; please try again."}, verdicts=typed)
    verdicts = {pair_id: ({"accept": True, "damage": False}.get(verdict), note)
                for pair_id, (verdict, note) in typed.items()}
    try:
        fees = trial.inspect(box, verdicts, current_user.actor, photos=_photos_sent(box))
    except DomainError as error:
        db.session.rollback()
        field = error.field or "returns"
        return _page(_box(box_id), 422, errors={field: error.message}, verdicts=typed)
    db.session.commit()
    flash("Inspection saved; the customer has been emailed" + (
        f", and {fees} damage fee{'s' if fees != 1 else ''} will be charged." if fees else "."), "success")
    return _back(box_id, "#returns-title")


@bp.get("/trials/<id:box_id>/photos/<id:photo_id>")
def trial_photo(box_id: int, photo_id: int):
    """A photo of a pair that came back damaged: staff only, never cached."""
    found = trial.damage_photo(_box(box_id), photo_id)
    if found is None:
        abort(404)
    photo, path = found
    return private_photo(path, returns.content_type(photo))


@bp.post("/trials/charges/<id:charge_id>/retry")
def trial_charge_retry(charge_id: int):
    """A declined charge, tried again at the next jobs run (after a word with the customer)."""
    if not ButtonForm().validate_on_submit():
        return _list(422, "The form expired; please try again.")
    try:
        charge = trial.retry_now(charge_id, current_user.actor)
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        return _list(422, error.message)
    db.session.commit()
    flash(f"The card will be tried again for {money(charge.amount_cents)} at the next jobs run.", "success")
    return hx_redirect(url_for("admin.trials_list") + "#declined-title")
