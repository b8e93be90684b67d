"""The staff dashboard."""

from ally_web.blueprints.admin import bp
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.htmx import render
from ally_web.services import catalog, made_to_order, orders


@bp.get("/")
def dashboard():
    low, low_total = catalog.low_stock()
    return render(
        "admin/dashboard.html",
        logout_form=LogoutForm(),
        stock=catalog.stock_summary(),
        low=low,
        low_total=low_total,
        to_fulfil=orders.count_orders("to_fulfil"),
        made_to_order=made_to_order.queue_counts(),
    )
