from flask import Blueprint

bp = Blueprint("cart", __name__, url_prefix="/cart")

from ally_web.blueprints.cart import routes  # noqa: E402,F401
