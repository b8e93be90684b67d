from flask import Blueprint

bp = Blueprint("shop", __name__)

from ally_web.blueprints.shop import routes  # noqa: E402,F401
