"""/fit-result: a customer tells us how their fitting pair fits.

Reached from the fitting pair's email (a signed link), from the order's status page
(the same link), or with email and order number through the order lookup (its rate
limits and identical answers; ``orders.lookup`` sends a found order here).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from ally_web.blueprints.fit import bp
from ally_web.blueprints.fit.forms import FitForm
from ally_web.blueprints.orders.forms import FIT_RESULT, LookupForm
from ally_web.core.actors import CUSTOMER
from ally_web.core.errors import DomainError
from ally_web.downloads import private_file
from ally_web.extensions import db
from ally_web.htmx import is_partial, render
from ally_web.models import FitResult, Order, OrderLine
from ally_web.order_links import with_order_link
from ally_web.services import made_to_order, orders


@dataclass
class LineFit:
    """One made-to-order pair on the page: its form (if it can still be sent) and
    the size the answers point to."""

    line: OrderLine
    form: FitForm
    suggestion: made_to_order.Suggestion
    result: FitResult | None
    open: bool
    complete: bool  # every question answered for both feet


with_order = with_order_link(
    "fit.start", expired="That link has expired. Please find your order again to confirm your fit.",
    invalid="That link isn't valid. Please find your order with your email and order number.")


def _entry(line: OrderLine, form: FitForm | None = None) -> LineFit:
    result = line.fit_result
    if form is None:
        form = FitForm(formdata=None, prefix=f"p{line.id}")
        sent = made_to_order.answers_of(result)
        if sent is not None:
            form.fill(sent)
    answers = form.answers()
    return LineFit(line, form, made_to_order.suggestion_for(line, answers), result,
                   made_to_order.open_for_result(line), not made_to_order.missing_answers(answers.answers))


def _page(order: Order, link: str, status: int = 200, posted: LineFit | None = None, error: str | None = None):
    entries = [posted if posted and posted.line.id == line.id else _entry(line)
               for line in made_to_order.fitting_lines(order)]
    return make_response(render_template(
        "fit/show.html", order=order, link=link, entries=entries, error=error, feet=made_to_order.FEET,
        status_url=url_for("orders.show", link=link)), status)


def _line(order: Order, line_id: int) -> OrderLine:
    line = made_to_order.fitting_line(order, line_id)
    if line is None:
        abort(404)
    return line


@bp.get("/fit-result")
def start():
    return render("orders/lookup.html", form=LookupForm(formdata=None, then=FIT_RESULT))


@bp.get("/fit-result/<link>")
@with_order
def show(order: Order, link: str):
    return _page(order, link)


@bp.post("/fit-result/<link>/<id:line_id>")
@with_order
def submit(order: Order, link: str, line_id: int):
    line = _line(order, line_id)
    form = FitForm(prefix=f"p{line.id}")
    entry = _entry(line, form)
    if not form.validate_on_submit():
        return _page(order, link, 422, entry, "Please look at the marked answers; what you chose is kept.")
    if request.form.get("action") == "suggest":  # without JavaScript: show the suggestion, send nothing
        return _page(order, link, 200, entry)
    try:
        made_to_order.submit_fit_result(line, form.answers(), CUSTOMER)
    except made_to_order.FitResultInvalid as invalid:
        db.session.rollback()
        for name, message in invalid.errors.items():
            if name in form:
                form[name].errors = [message]
        return _page(order, link, 422, _entry(line, form), invalid.message)
    except DomainError as error:
        db.session.rollback()
        return _page(order, link, 422, _entry(line, form), error.message)
    db.session.commit()
    flash("Thank you: your fit result is with our stylists. We'll email you once they confirm your size.", "success")
    return redirect(url_for("fit.show", link=link, _anchor=f"fit-{line.id}"), 303)


@bp.post("/fit-result/<link>/<id:line_id>/suggestion")
@with_order
def suggestion(order: Order, link: str, line_id: int):
    """The suggestion box, worked out again as answers change (htmx)."""
    line = _line(order, line_id)
    if not is_partial():
        return redirect(url_for("fit.show", link=link), 303)
    form = FitForm(prefix=f"p{line.id}")
    return make_response(render_template("fit/_suggestion.html", entry=_entry(line, form)))


@bp.get("/fit-result/<link>/<id:line_id>/return-label.pdf")
@with_order
def return_label(order: Order, link: str, line_id: int):
    """The fitting pair's prepaid return label, for a customer who lost the one in the box."""
    line = _line(order, line_id)
    if line.fitting_return is None:
        abort(404)
    return private_file(orders.label_pdf(line.fitting_return), f"ALLY-{order.number}-fitting-pair-return.pdf")
