"""My Cart: a page without JavaScript, a drawer and a live header count with htmx."""

from flask import flash, redirect, render_template, request, url_for

from ally_web.blueprints.cart import bp
from ally_web.blueprints.cart.forms import QuantityForm, RemoveForm
from ally_web.blueprints.shop.forms import AddToCartForm
from ally_web.blueprints.shop.routes import product_context
from ally_web.core.errors import DomainError, NotFound
from ally_web.htmx import is_partial, render, trigger
from ally_web.services import cart as cart_service

CART_CHANGED = "cart-changed"


def _cart_response(status: int = 200, **context):
    """The cart page, or for htmx only the panel that was acted on."""
    context.setdefault("cart", cart_service.load_cart())
    context.setdefault("line_errors", {})
    context.setdefault("typed", {})
    return render("cart/cart.html", block="cart_panel", status=status, **context)


@bp.get("")
def show():
    if is_partial():
        return render("cart/cart.html", block="drawer", cart=cart_service.load_cart(), line_errors={}, typed={})
    return _cart_response()


@bp.get("/count")
def count():
    if not is_partial():
        return redirect(url_for("cart.show"), 303)
    return render_template("cart/_count.html")


@bp.post("/add")
def add():
    form = AddToCartForm()
    picks = {k: request.form.get(k, "")[:40] for k in ("colour", "size", "width")}
    if form.validate_on_submit():
        variant_id = form.variant_id_value()
        try:
            if variant_id is None:
                raise DomainError("Please choose a colour, size and width.", field="variant_id")
            variant = cart_service.add_to_cart(variant_id, form.quantity.data)
        except DomainError as error:
            errors = form.quantity.errors if error.field == "quantity" else form.form_errors
            errors.append(error.message)
        else:
            message = f"Added {variant.colour.style.name} in {variant.colour.name}, size {variant.size_label}."
            if is_partial():
                response = render("cart/cart.html", block="drawer", cart=cart_service.load_cart(already_read=[variant]),
                                  line_errors={}, typed={}, status_message=message)
                return trigger(response, CART_CHANGED)
            flash(message, "success")
            return redirect(url_for("cart.show"), 303)
    slug = request.form.get("style", "")[:80]
    context = product_context(slug, picks, form=form)
    response = render("shop/product.html", block="variant_view", status=422, **context)
    if is_partial():
        response.headers["HX-Retarget"] = "#variant-view"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.post("/lines/<id:variant_id>")
def update(variant_id: int):
    form = QuantityForm()
    if form.validate_on_submit():
        try:
            cart_service.set_quantity(variant_id, form.quantity.data)
        except NotFound as error:
            return _cart_response(422, panel_error=error.message)
        except DomainError as error:
            form.quantity.errors.append(error.message)
        else:
            return _after_change("Your cart is updated.")
    typed = {variant_id: (request.form.get("quantity") or "")[:100]}
    return _cart_response(422, line_errors={variant_id: form.quantity.errors[0]}, typed=typed)


@bp.post("/lines/<id:variant_id>/remove")
def remove(variant_id: int):
    form = RemoveForm()
    if not form.validate_on_submit():
        return _cart_response(400)
    cart_service.remove_from_cart(variant_id)
    return _after_change("Removed from your cart.")


def _after_change(message: str):
    if is_partial():
        return trigger(_cart_response(status_message=message), CART_CHANGED)
    flash(message, "success")
    return redirect(url_for("cart.show"), 303)
