"""The storefront: home, the shop, and product pages with the variant picker."""

import re

from flask import abort, request, send_from_directory

from ally_web.blueprints.shop import bp
from ally_web.blueprints.shop.forms import AddToCartForm
from ally_web.core import clock
from ally_web.htmx import render
from ally_web.services import catalog


@bp.get("/")
def home():
    return render("shop/home.html", styles=catalog.style_cards())


@bp.get("/shop")
def index():
    return render("shop/index.html", styles=catalog.style_cards())


def product_context(slug: str, args, form: AddToCartForm | None = None) -> dict:
    """Everything the product page shows for the shopper's current picks."""
    style = catalog.get_style(slug)
    if style is None or not style.colours:
        abort(404)
    choice = catalog.choose_variant(
        style, args.get("colour"), args.get("size"), args.get("width")
    )
    today = clock.now()
    notices = catalog.upcoming_notices(today.date())
    avail = catalog.availability(choice.variant, today, notices) if choice.variant else None
    if form is None and choice.variant:
        # Only a chosen pair can be added: without one, no form and no form token.
        form = AddToCartForm(formdata=None, variant_id=choice.variant.id)
    return dict(
        style=style,
        choice=choice,
        availability=avail,
        form=form,
    )


@bp.get("/products/<slug>")
def product(slug: str):
    context = product_context(slug, request.args)
    status = 422 if context["choice"].errors else 200
    return render("shop/product.html", block="variant_view", status=status, **context)


MEDIA_NAME = re.compile(r"^[0-9a-f]{32}\.(svg|png|jpg)$")


@bp.get("/media/<name>")
def media(name: str):
    """A colour picture staff uploaded (already checked and cleaned when stored).
    SVGs also get a CSP of their own, so even opened directly they run nothing."""
    if not MEDIA_NAME.match(name):
        abort(404)
    response = send_from_directory(catalog.media_dir(), name, max_age=86400)
    if name.endswith(".svg"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
