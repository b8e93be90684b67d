"""Address checks for checkout: which fields each country needs and what they look like."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ally_web.core.errors import DomainError

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP",
}
CA_PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}

POSTAL_PATTERNS = {
    "US": (re.compile(r"\d{5}(-\d{4})?"), "a ZIP code like 10001 or 10001-1234"),
    "CA": (re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"), "a postal code like M5V 2T6"),
    "GB": (re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"), "a postcode like SW1A 1AA"),
    "FR": (re.compile(r"\d{5}"), "a 5-digit code postal"),
    "SE": (re.compile(r"\d{3} ?\d{2}"), "a postnummer like 114 55"),
    "CH": (re.compile(r"\d{4}"), "a 4-digit postal code"),
    "AU": (re.compile(r"\d{4}"), "a 4-digit postcode"),
    "NZ": (re.compile(r"\d{4}"), "a 4-digit postcode"),
    "MX": (re.compile(r"\d{5}"), "a 5-digit código postal"),
}
# Hong Kong, Macao and the UAE have no postal codes.
NO_POSTAL_CODE = {"HK", "MO", "AE"}


@dataclass
class Address:
    name: str
    phone: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


def clean(value: str | None, limit: int) -> str:
    """Trim, squeeze inner whitespace, drop control characters, cut to the column size."""
    text = "".join(ch for ch in (value or "") if ch.isprintable())
    return " ".join(text.split())[:limit]


def check_address(address: Address) -> dict[str, str]:
    """Field errors for this address ({} when it looks deliverable)."""
    errors: dict[str, str] = {}
    if not address.name:
        errors["name"] = "Please enter the name for delivery."
    if not address.line1:
        errors["line1"] = "Please enter the street address."
    if not address.city:
        errors["city"] = "Please enter the town or city."
    country = address.country
    region = address.region.upper()
    if country == "US" and region not in US_STATES:
        errors["region"] = "Please enter the two-letter state code, like NY."
    elif country == "CA" and region not in CA_PROVINCES:
        errors["region"] = "Please enter the two-letter province code, like ON."
    if country not in NO_POSTAL_CODE:
        postal = address.postal_code.upper()
        pattern, example = POSTAL_PATTERNS.get(country, (re.compile(r"[A-Z0-9 -]{3,10}"), "your postal code"))
        if not pattern.fullmatch(postal):
            errors["postal_code"] = f"Please enter {example}."
    return errors


def normalized(address: Address) -> Address:
    """Upper-case the codes that are codes."""
    if address.country in ("US", "CA"):
        address.region = address.region.upper()
    address.postal_code = address.postal_code.upper()
    return address


def require_valid(address: Address) -> Address:
    errors = check_address(address)
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
    return normalized(address)
