"""Sandbox Pay: the test payment provider's hosted page, served inside the app.

It plays the part of a real provider's page (the shop itself never renders a card
field) and is enabled only while ``PAYMENTS_PROVIDER`` is ``"sandbox"``; the
production configuration refuses that setting.
"""

from flask import Blueprint

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox-pay")

from ally_web.blueprints.sandbox import routes  # noqa: E402,F401
