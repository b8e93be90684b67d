"""How Flask-Login finds the signed-in staff member and where it sends visitors."""

from flask import Flask, request, session, url_for
from flask_login import LoginManager, current_user

from ally_web.htmx import hx_redirect, is_htmx, same_site_path
from ally_web.services.staff import Anonymous, load_user


def _unauthorized():
    """Send visitors to sign in; inside an htmx partial, as a full navigation."""
    target = request.full_path if request.method == "GET" else request.path
    if is_htmx():
        current = request.headers.get("HX-Current-URL")
        target = same_site_path(current) or url_for("admin.dashboard")
    return hx_redirect(url_for("auth.login", next=target.rstrip("?")))


def configure_login_manager(app: Flask, login_manager: LoginManager) -> None:
    # Templates get `current_user` as the lazy proxy, resolved by the pages that use it
    # (the staff pages), instead of Flask-Login's context processor, which loads the
    # user for every page and fragment shoppers are shown.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    app.add_template_global(staff_signed_in)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = None  # the server-side session does this job


def staff_signed_in() -> bool:
    """Whether a signed-in staff member is looking (the store's header then links to
    the staff pages). A session that holds no sign-in is answered without loading a
    user: Flask-Login hashes the visitor's address and browser on every load, and
    nearly every page is seen by shoppers. Staff sign in without "remember me", so
    the session (Flask-Login's ``_user_id``) is the only place a sign-in can be."""
    return "_user_id" in session and current_user.is_authenticated
