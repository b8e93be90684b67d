"""Staff sign-in and sign-out."""

from flask import current_app, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ally_web.blueprints.auth import bp
from ally_web.blueprints.auth.forms import LoginForm, LogoutForm
from ally_web.core.emails import canonical_email
from ally_web.core.errors import DomainError
from ally_web.extensions import db, limiter
from ally_web.htmx import hx_redirect, render, same_site_path
from ally_web.services import staff as staff_auth


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["LOGIN_EMAIL_RATE_LIMIT"]


def _submitted_email_from_this_address() -> str:
    """The email typed, with the client address: guessing from elsewhere never locks
    the owner out (a count per email alone is kept only to warn them)."""
    return f"login-email:{canonical_email(request.form.get('email'))[:254]}:{get_remote_address()}"


def _next_url() -> str:
    target = same_site_path(request.values.get("next"))
    if target and target.startswith("/admin"):
        return target
    return url_for("admin.dashboard")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_email_limit, methods=["POST"], key_func=_submitted_email_from_this_address)
def login():
    if current_user.is_authenticated:
        return redirect(_next_url(), 303)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = staff_auth.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            form.form_errors.append(error.message)
            staff_auth.note_failed_sign_in(form.email.data)
            db.session.commit()  # the owner's warning, when one is due
        else:
            session.clear()  # a fresh session at sign-in: nothing carries over
            user = staff_auth.start_session(staff)
            login_user(user)
            db.session.commit()
            return hx_redirect(_next_url())
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, next=_next_url(), status=status)


@bp.post("/sign-out")
def logout():
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        staff_auth.end_session(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return hx_redirect(url_for("auth.login"))
