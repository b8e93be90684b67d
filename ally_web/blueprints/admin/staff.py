"""Admin: the staff list and new staff accounts."""

from flask import flash, url_for

from ally_web.blueprints.admin import bp
from ally_web.blueprints.admin.access import admin_required
from ally_web.blueprints.admin.forms import StaffForm
from ally_web.blueprints.auth.forms import LogoutForm
from ally_web.core.emails import normalize_email
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.htmx import hx_redirect, render
from ally_web.models import StaffRole
from ally_web.services import staff as staff_auth


def _page(form: StaffForm, status: int = 200):
    return render(
        "admin/staff.html", block="staff_form", status=status,
        form=form, staff=staff_auth.list_staff(), logout_form=LogoutForm(),
    )


@bp.get("/staff")
@admin_required
def staff_list():
    return _page(StaffForm(formdata=None))


@bp.post("/staff")
@admin_required
def staff_create():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            staff = staff_auth.create_staff(
                normalize_email(form.email.data), form.name.data, form.password.data, StaffRole(form.role.data)
            )
        except DomainError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{staff.name} can now sign in as {staff.role.value}.", "success")
            return hx_redirect(url_for("admin.staff_list"))
    return _page(form, 422)
