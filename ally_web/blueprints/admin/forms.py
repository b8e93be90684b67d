from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from ally_web.models import StaffRole


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Please enter a name."), Length(max=120)])
    email = EmailField("Email", validators=[InputRequired("Please enter an email address."), Length(max=254)])
    role = RadioField(
        "Role",
        choices=[SelectChoice(StaffRole.STYLIST.value, "Stylist"), SelectChoice(StaffRole.ADMIN.value, "Admin")],
        default=StaffRole.STYLIST.value,
        validators=[InputRequired("Please choose a role.")],
    )
    password = PasswordField(
        "First password", validators=[InputRequired("Please set a first password."), Length(max=200)]
    )
