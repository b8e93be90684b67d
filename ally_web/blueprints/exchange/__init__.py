from flask import Blueprint

bp = Blueprint("exchange", __name__)

from ally_web.blueprints.exchange import routes  # noqa: E402,F401
