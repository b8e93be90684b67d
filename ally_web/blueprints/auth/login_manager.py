"""How Flask-Login finds the signed-in staff member and where it sends visitors."""

from flask import request, url_for
from flask_login import LoginManager

from ally_web.htmx import hx_redirect, is_htmx, same_site_path
from ally_web.services.staff import Anonymous, load_user


def _unauthorized():
    """Send visitors to sign in; inside an htmx partial, as a full navigation."""
    target = request.full_path if request.method == "GET" else request.path
    if is_htmx():
        current = request.headers.get("HX-Current-URL")
        target = same_site_path(current) or url_for("admin.dashboard")
    return hx_redirect(url_for("auth.login", next=target.rstrip("?")))


def configure_login_manager(login_manager: LoginManager) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = None  # the server-side session does this job
