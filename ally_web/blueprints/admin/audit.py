"""Admin: the audit log, newest first (any signed-in staff member may read it)."""

from flask import abort, request

from ally_web.blueprints.admin import bp
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.pagination import requested_page
from ally_web.htmx import render
from ally_web.services import audit


@bp.get("/audit")
def audit_list():
    number = requested_page(request.args.get("page", "1"))
    if number is None:
        abort(404)
    page = audit.list_audit(number)
    return render("admin/audit.html", entries=page.items, page=page, logout_form=LogoutForm())
