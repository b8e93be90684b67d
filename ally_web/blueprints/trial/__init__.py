from flask import Blueprint

bp = Blueprint("trial", __name__)

from ally_web.blueprints.trial import routes  # noqa: E402,F401
