"""Role checks for staff pages."""

from functools import wraps

from flask import abort
from flask_login import current_user


def admin_required(view):
    """Only admins may manage staff, refunds and lead-time notices."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, "Only an admin can do this. Ask an admin on your team.")
        return view(*args, **kwargs)

    return wrapped
