"""The product page's form: the chosen pair into the cart (posted to the cart)."""

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from ally_web import policy
from ally_web.routing import MAX_ID


class AddToCartForm(FlaskForm):
    variant_id = HiddenField(validators=[InputRequired("Please choose a colour, size and width.")])
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired("Please enter how many pairs."),
            NumberRange(1, policy.CART_MAX_QUANTITY, f"Choose between 1 and {policy.CART_MAX_QUANTITY} pairs."),
        ],
    )

    def variant_id_value(self) -> int | None:
        raw = (self.variant_id.data or "").strip()
        # ASCII digits only: str.isdigit() also accepts "¹" and "٣", which int() refuses.
        if re.fullmatch(r"[0-9]{1,10}", raw) and 1 <= int(raw) <= MAX_ID:
            return int(raw)
        return None
