"""Policy pages, written from the numbers in `policy`."""

from ally_web.blueprints.pages import bp
from ally_web.core import clock
from ally_web.htmx import render
from ally_web.services import pricing


@bp.get("/faq")
def faq():
    now = clock.now()
    return render("pages/faq.html", now=now, counts_from=pricing.calendar.order_day(now),
                  example=pricing.calendar.in_stock_promise(now))


@bp.get("/contact")
def contact():
    return render("pages/contact.html")
