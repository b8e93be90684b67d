"""Staff pages. Every endpoint here needs a signed-in staff member."""

from flask import Blueprint
from flask_login import current_user

from ally_web.extensions import db, login_manager
from ally_web.services import staff as staff_auth

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_staff():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if staff_auth.touch_session(current_user):
        db.session.commit()
    return None


from ally_web.blueprints.admin import (  # noqa: E402,F401
    audit,
    catalog,
    fit_sessions,
    made_to_order,
    orders,
    outbox,
    returns,
    routes,  # noqa: E402,F401
    staff,
    trials,
)
