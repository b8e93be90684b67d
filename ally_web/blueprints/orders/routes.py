"""A customer's order page, reached by its unguessable token (no sign-in)."""

from flask import abort

from ally_web.blueprints.orders import bp
from ally_web.htmx import render
from ally_web.services import orders as order_service


@bp.get("/<token>")
def show(token: str):
    order = order_service.find_by_token(token)
    if order is None:
        abort(404)
    return render("orders/show.html", order=order, order_state=order_service.order_status(order))
