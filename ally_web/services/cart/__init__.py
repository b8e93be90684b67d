"""My Cart, kept in the signed session cookie (prices and stock read fresh)."""

from ally_web.services.cart.session_cart import (
    MAX_LINES,
    Cart,
    CartLine,
    add_to_cart,
    cart_count,
    clear_cart,
    load_cart,
    remove_from_cart,
    set_quantity,
)

__all__ = [
    "MAX_LINES",
    "Cart",
    "CartLine",
    "add_to_cart",
    "cart_count",
    "clear_cart",
    "load_cart",
    "remove_from_cart",
    "set_quantity",
]
