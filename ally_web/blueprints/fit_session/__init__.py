from flask import Blueprint

bp = Blueprint("fit_session", __name__)

from ally_web.blueprints.fit_session import routes  # noqa: E402,F401
