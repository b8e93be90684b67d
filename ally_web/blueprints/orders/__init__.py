from flask import Blueprint

bp = Blueprint("orders", __name__)

from ally_web.blueprints.orders import routes  # noqa: E402,F401
