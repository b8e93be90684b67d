from flask import Blueprint

bp = Blueprint("fit", __name__)

from ally_web.blueprints.fit import routes  # noqa: E402,F401
