"""The rules of the business, as data.

Every number the FAQ states lives here once. The services enforce these values and
the pages explain them by reading the same names, so text and behaviour cannot
drift apart. Settings the FAQ leaves open are marked "brand setting": they are the
brand's to choose, and the values here are starting points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from ally_web.core.clock import STORE_TIMEZONE  # noqa: F401  (the store's zone, kept with its clock)
from ally_web.core.formatting import CURRENCY  # noqa: F401  (prices are charged in US dollars)

# --- Contact -----------------------------------------------------------------------

CONTACT_EMAIL = "hello@ally.nyc"
CONTACT_PHONE = "(609) 736-0658"
CONTACT_PHONE_E164 = "+16097360658"

# --- Store time -----------------------------------------------------------------

# An order placed on a business day before this time counts from that day.
ORDER_DAY_CUTOFF = time(14, 0)


@dataclass(frozen=True)
class DayRange:
    """An inclusive range of days, e.g. "ships in 1–2 business days"."""

    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}–{self.high}" if self.low != self.high else str(self.low)


# --- Delivery (US) -------------------------------------------------------------

US_SHIPPING_CENTS = 0
US_CARRIERS = ("FedEx", "UPS")
IN_STOCK_SHIPS = DayRange(1, 2)  # business days after the order day
IN_STOCK_TRANSIT = DayRange(3, 5)  # business days after shipping
TRACKING_SENT_WITHIN_HOURS = 24

# --- Made-to-order -------------------------------------------------------------

FITTING_PAIR_SHIPS = DayRange(1, 2)  # business days; black fitting heels + kit + label
MADE_TO_ORDER_PRODUCTION_DAYS = 14  # calendar days after the fit is confirmed
# Brand settings: when to remind a customer about a fitting pair that arrived (no fit
# result yet), and when a fitting pair not back at the studio is overdue: from this
# many store days after its delivery day (delivered Monday, 10 → overdue from the
# Thursday after next). The one threshold for both the staff board's mark and the
# customer's reminder.
FIT_RESULT_REMINDER_DAYS = 3  # days after the fitting pair's delivery
FITTING_PAIR_OVERDUE_DAYS = 10  # store days after the fitting pair's delivery day

# --- Returns and exchanges -----------------------------------------------------

RETURN_WINDOW_DAYS = 14  # calendar days, delivery day is day 0
MADE_TO_ORDER_RETURNABLE = True
# Brand settings: the carrier of prepaid US return labels; whether a faulty pair's
# refund includes what the customer paid for shipping and duties.
RETURN_LABEL_CARRIER = "UPS"
REFUND_SHIPPING_WHEN_FAULTY = True
# Brand settings: how long an exchange's new pair is held for a parcel that has not
# come, and how many days before the end the customer is reminded.
EXCHANGE_HOLD_DAYS = 30
EXCHANGE_HOLD_REMINDER_DAYS = 7
# Brand settings: photos of a damaged or faulty pair, sent with the request (1 to
# RETURN_PHOTOS_PER_PAIR of them, each up to RETURN_PHOTO_MAX_BYTES as sent; kept
# re-encoded, the longer side scaled down to RETURN_PHOTO_MAX_SIDE pixels). The
# request form alone may carry RETURN_REQUEST_MAX_BYTES (every other form stops at
# 1 MB): a proxy in front must let that much through.
RETURN_PHOTOS_PER_PAIR = 4
RETURN_PHOTO_MAX_BYTES = 8 * 1024 * 1024
RETURN_PHOTO_MAX_SIDE = 2400
RETURN_REQUEST_MAX_BYTES = RETURN_PHOTOS_PER_PAIR * RETURN_PHOTO_MAX_BYTES + 1024 * 1024

# --- At-home trial -------------------------------------------------------------

TRIAL_SHIPS = DayRange(2, 3)  # business days
TRIAL_TRANSIT = DayRange(2, 5)  # business days
TRIAL_WINDOW_DAYS = 7  # full days from delivery; shipping is not counted
TRIAL_SIZE_EXCHANGE_HOURS = 24
TRIAL_SIZES_IN_BOX = DayRange(1, 2)
TRIAL_REFUSES_PREPAID_CARDS = True
TRIAL_HOLD_RELEASE_BUSINESS_DAYS = DayRange(1, 2)  # how long banks take to drop a hold
FIT_SESSION_MINUTES = 15
# Brand settings: how far ahead a fit session can be booked, and the notice the
# stylists need (no slot starts sooner than this from now).
FIT_SESSION_NOTICE_HOURS = 2
FIT_SESSION_BOOKING_DAYS = 14
# Brand settings the FAQ leaves open.
TRIAL_HOLD_CENTS = 100  # brand setting: the card check placed at sign-up
SAMPLE_PAIR_DISCOUNT_PERCENT = 30  # brand setting
TRIAL_DAMAGE_FEE_CENTS = 5000  # brand setting
TRIAL_REMINDER_HOURS = (48, 24)  # brand setting: reminders this long before the window ends
# Brand setting: pairs chosen to go back must reach the carrier (the return label's
# first scan) by the end of this many days after the window's last day; a pair not
# on its way by then is the customer's, charged at its keep price.
TRIAL_RETURN_SCAN_DAYS = 3
# Brand setting: after a declined final charge (or damage fee), the card is tried again
# this many hours after each decline (24 h, then 48 h more); after the last, staff follow up.
TRIAL_CHARGE_RETRY_HOURS = (24, 48)

# --- International -------------------------------------------------------------

INTERNATIONAL_COUNTRIES = {
    "CA": "Canada",
    "MX": "Mexico",
    "CH": "Switzerland",
    "GB": "United Kingdom",
    "AU": "Australia",
    "NZ": "New Zealand",
    "HK": "Hong Kong",
    "MO": "Macao",
    "CN": "China",
    "AE": "United Arab Emirates",
    "FR": "France",
    "SE": "Sweden",
}
INTERNATIONAL_EXPRESS = DayRange(1, 5)  # business days, customs not included
INTERNATIONAL_STANDARD = DayRange(6, 14)
INTERNATIONAL_RETURNS_PAID_BY_CUSTOMER = True

# --- US sales tax (brand setting) ------------------------------------------------
# The states where the brand collects destination sales tax; their rates and
# exemptions are in data/us_sales_tax.json, for the brand to confirm.
SALES_TAX_STATES: tuple[str, ...] = ("NY",)  # brand setting

# --- Payments and rewards ------------------------------------------------------

INSTALLMENT_COUNT = 4
INSTALLMENT_INTERVAL_WEEKS = 2
INSTALLMENT_MIN_AGE = 18
REFERRAL_FRIEND_CENTS = 2000
REFERRAL_REFERRER_CENTS = 2000
WELCOME_DISCOUNT_CENTS = 2500

# --- Catalog -------------------------------------------------------------------

SIZES = tuple(s / 2 for s in range(10, 25))  # US 5 to 12, with halves
SIZE_HALVES = tuple(int(s * 2) for s in SIZES)  # the same in half sizes (10 to 24), as stored
WIDTHS = {"N": "Narrow", "M": "Medium", "W": "Wide"}
CART_MAX_QUANTITY = 10  # brand setting: pairs of one variant per cart line
LOW_STOCK_PAIRS = 1  # brand setting: the dashboard lists sizes with this many pairs or fewer
STOCK_MOVEMENT_MAX = 500  # pairs in one stock movement: more is a typing slip
COLOUR_PICTURE_MAX_BYTES = 768 * 1024  # brand setting: largest colour picture (requests stop at 1 MB)
COLOUR_PICTURE_MAX_PIXELS = 4000  # longest side of an uploaded PNG or JPEG
# Any uploaded picture (colours, return photos): width × height above this is refused
# before it is decoded, so a small file cannot unpack into gigabytes.
PICTURE_MAX_AREA = 50_000_000
COUNT_FILE_MAX_BYTES = 512 * 1024  # a count file for every variant is far smaller
# Brand settings: the customs tariff code (HS: footwear, leather uppers) and country of
# origin a new style is declared with; every style is made by the same factory.
STYLE_HS_CODE = "6403.59"
STYLE_ORIGIN_COUNTRY = "CN"

# --- International shipping tiers (brand settings) --------------------------------
# Each country belongs to a tier; a tier prices Standard and Express shipping, and
# steps up once the order's goods are worth more (heavier, insured parcels).


@dataclass(frozen=True)
class ShippingTier:
    standard_cents: int
    express_cents: int
    step_over_cents: int  # goods value above which the step-up applies
    step_up_cents: int


INTERNATIONAL_TIERS = {
    "north-america": ShippingTier(2500, 4500, 50000, 1000),
    "europe": ShippingTier(3500, 6000, 50000, 1500),
    "asia-pacific": ShippingTier(4000, 7000, 50000, 1500),
}
COUNTRY_TIER = {
    "CA": "north-america", "MX": "north-america",
    "GB": "europe", "FR": "europe", "SE": "europe", "CH": "europe",
    "AU": "asia-pacific", "NZ": "asia-pacific", "HK": "asia-pacific",
    "MO": "asia-pacific", "CN": "asia-pacific", "AE": "asia-pacific",
}

# --- Installments (brand settings within the provider's rules) -----------------------

INSTALLMENT_MIN_CENTS = 5000
INSTALLMENT_MAX_CENTS = 200000
