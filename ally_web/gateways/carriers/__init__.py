"""Carriers: tracking numbers, tracking links and shipping labels.

The store talks to carriers through the `Carrier` protocol. The default
implementations, `LocalFedEx` and `LocalUPS`, call no carrier API: they check a
tracking number's format, build the public tracking link, and draw a 4×6 inch PDF
label locally with reportlab (``labels.py``). A real carrier integration can implement the same
protocol later without changing the callers.

    carrier = get_carrier("ups")
    number = carrier.validate_tracking_number("1z 999 aa1 0123 4567 84")
    pdf = carrier.make_label(LabelRequest(carrier="UPS", tracking_number=number, ...))

Labels are deterministic: the same request gives the same bytes.
"""

from __future__ import annotations

import re
import secrets
from typing import Protocol, runtime_checkable

from ally_web import policy
from ally_web.core.errors import DomainError
from ally_web.gateways.carriers.labels import (
    ALLY_STUDIO,
    LABEL_SIZE,
    Address,
    LabelRequest,
    check_request,
    draw_label,
    label_text,
    qr_svg,
)

__all__ = [
    "ALLY_STUDIO",
    "Address",
    "Carrier",
    "LabelRequest",
    "LocalFedEx",
    "LocalUPS",
    "LABEL_SIZE",
    "carrier_names",
    "get_carrier",
    "label_text",
    "qr_svg",
]

# Everything a tracking number may contain that is only formatting: spaces (any
# kind) and dashes (ASCII and typographic), as people copy them from emails.
_FORMATTING = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


# --- The interface ---------------------------------------------------------------


@runtime_checkable
class Carrier(Protocol):
    """A shipping carrier as the store sees it."""

    name: str

    def validate_tracking_number(self, number: str) -> str:
        """Return the normalized number, or raise DomainError(field="tracking_number")."""
        ...

    def tracking_url(self, number: str) -> str:
        """The carrier's public tracking page for `number` (validated first)."""
        ...

    def make_label(self, label: LabelRequest) -> bytes:
        """A one-page 4×6 inch PDF shipping label."""
        ...

    def issue_tracking_number(self) -> str:
        """A new tracking number for a label the store prints itself (a prepaid return
        label): a real carrier's API hands one out."""
        ...


# --- Default, local implementations ----------------------------------------------


class _LocalCarrier:
    """Shared behaviour: format check, tracking link, locally drawn label."""

    name: str = ""
    _pattern: re.Pattern[str]
    _format_help: str = ""
    _url_template: str = ""

    def validate_tracking_number(self, number: str) -> str:
        normalized = _FORMATTING.sub("", number).upper() if isinstance(number, str) else ""
        if not normalized:
            raise DomainError(f"Enter the {self.name} tracking number: {self._format_help}.",
                              field="tracking_number")
        # Format only: check digits are not verified, so a number the carrier
        # issued in a variant we do not know is never refused for its last digit.
        if not self._pattern.fullmatch(normalized):
            raise DomainError(f"That is not a {self.name} tracking number. A {self.name} "
                              f"tracking number is {self._format_help}.", field="tracking_number")
        return normalized

    def tracking_url(self, number: str) -> str:
        return self._url_template.format(number=self.validate_tracking_number(number))

    def make_label(self, label: LabelRequest) -> bytes:
        named = label.carrier.strip().casefold() if isinstance(label.carrier, str) else ""
        if named != self.name.casefold():
            raise DomainError(f"This label is for {label.carrier}, not {self.name}.",
                              field="carrier")
        number = self.validate_tracking_number(label.tracking_number)
        check_request(label)
        return draw_label(self.name, number, label)

    def issue_tracking_number(self) -> str:
        # No carrier API here: a number in the carrier's format, random enough never
        # to repeat, as a sandbox account would hand out.
        return self._issue()

    def _issue(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LocalUPS(_LocalCarrier):
    """UPS without an API: "1Z" + 16 letters or digits, e.g. 1Z999AA10123456784."""

    name = "UPS"
    _pattern = re.compile(r"1Z[0-9A-Z]{16}", re.ASCII)
    _format_help = '"1Z" followed by 16 letters or digits (18 characters), e.g. 1Z999AA10123456784'
    _url_template = "https://www.ups.com/track?tracknum={number}"

    def _issue(self) -> str:
        return f"1ZALLY{secrets.randbelow(10**12):012d}"


class LocalFedEx(_LocalCarrier):
    """FedEx without an API: 12, 15, 20 or 22 digits."""

    name = "FedEx"
    _pattern = re.compile(r"[0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22}", re.ASCII)
    _format_help = "12, 15, 20 or 22 digits, e.g. 123456789012"
    _url_template = "https://www.fedex.com/fedextrack/?trknbr={number}"

    def _issue(self) -> str:
        return f"9{secrets.randbelow(10**11):011d}"


_DEFAULTS: dict[str, type[_LocalCarrier]] = {"fedex": LocalFedEx, "ups": LocalUPS}


def carrier_names() -> tuple[str, ...]:
    """The carriers the store ships with, as the policy names them."""
    return tuple(policy.US_CARRIERS)


def get_carrier(name: str) -> Carrier:
    """The carrier called `name` ("FedEx" or "UPS", any case)."""
    key = name.strip().casefold() if isinstance(name, str) else ""
    allowed = {n.casefold() for n in carrier_names()}
    if key not in allowed or key not in _DEFAULTS:
        raise DomainError(f"Choose a carrier: {' or '.join(carrier_names())}.", field="carrier")
    return _DEFAULTS[key]()


