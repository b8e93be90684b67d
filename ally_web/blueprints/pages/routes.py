"""Policy pages, written from the numbers in `policy`."""

from ally_web.blueprints.pages import bp
from ally_web.htmx import render


@bp.get("/faq")
def faq():
    return render("pages/faq.html")


@bp.get("/contact")
def contact():
    return render("pages/contact.html")
