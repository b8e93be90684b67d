"""The cart page's forms (adding comes from the product page: shop/forms.py)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ally_web import policy


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired("Please enter how many pairs."),
            NumberRange(0, policy.CART_MAX_QUANTITY, f"Choose between 0 and {policy.CART_MAX_QUANTITY} pairs."),
        ],
    )


class RemoveForm(FlaskForm):
    """Only the CSRF token: removing a line needs no other input."""
