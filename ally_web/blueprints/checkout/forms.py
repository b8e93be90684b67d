from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import Length

from ally_web.services.pricing import country_choices as countries_we_ship_to

OTHER_COUNTRY = "other"


def country_choices() -> list[tuple[str, str]]:
    return [*countries_we_ship_to(), (OTHER_COUNTRY, "Another country…")]


class CheckoutForm(FlaskForm):
    """What the shopper types. Lengths are checked here; every rule is checked by
    the checkout service, which reports all field errors at once."""

    email = EmailField("Email", validators=[Length(max=254, message="That email address is too long.")])
    name = StringField("Full name", validators=[Length(max=120)])
    phone = StringField("Phone (for the carrier)", validators=[Length(max=40)])
    line1 = StringField("Street address", validators=[Length(max=200)])
    line2 = StringField("Apartment, suite, floor (optional)", validators=[Length(max=200)])
    city = StringField("Town or city", validators=[Length(max=120)])
    region = StringField("State, province or region", validators=[Length(max=120)])
    postal_code = StringField("ZIP or postal code", validators=[Length(max=20)])
    country = SelectField("Country", choices=country_choices, default="US", validate_choice=False)
    shipping_method = StringField("Shipping", default="us-standard", validators=[Length(max=20)])
    payment_mode = StringField("Payment", default="card", validators=[Length(max=20)])
    confirms_age = BooleanField("I am 18 or older")
    confirms_us_residence = BooleanField("I live in the United States")

    FIELDS = ("email", "name", "phone", "line1", "line2", "city", "region", "postal_code", "country")


class SummaryForm(FlaskForm):
    """The checkout form's fields the summary fragment reads: those that price the
    order, and the confirmations that go with paying in installments. The fragment is
    asked for on every change of address or option, and binding six fields instead of
    thirteen saves most of a form's cost."""

    class Meta:
        csrf = False  # CSRFProtect has checked the request's token before any view runs

    country = CheckoutForm.country
    region = CheckoutForm.region
    shipping_method = CheckoutForm.shipping_method
    payment_mode = CheckoutForm.payment_mode
    confirms_age = CheckoutForm.confirms_age
    confirms_us_residence = CheckoutForm.confirms_us_residence
