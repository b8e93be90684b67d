from flask import Blueprint

bp = Blueprint("pages", __name__)

from ally_web.blueprints.pages import routes  # noqa: E402,F401
