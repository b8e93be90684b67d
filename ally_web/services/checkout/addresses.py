"""Address checks for checkout: which fields each country needs and what they look like."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from ally_web.core.errors import DomainError

# US states, the District of Columbia and the inhabited territories, and Canada's
# provinces and territories, from ISO 3166-2 as the pycountry package keeps it. The
# US Minor Outlying Islands have no mail delivery. The three US military "states"
# (APO/FPO/DPO mail) are postal codes, not ISO subdivisions.
_NO_MAIL = {"UM"}
US_MILITARY = {"AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific"}
REGION_COUNTRIES = ("US", "CA")


@lru_cache(maxsize=4)
def region_choices(country: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the states and territories (US) or provinces and territories
    (Canada), by name; empty for other countries."""
    if country not in REGION_COUNTRIES:
        return ()
    found = [
        (sub.code.split("-", 1)[1], _display_name(sub.name))
        for sub in pycountry.subdivisions.get(country_code=country) or ()
    ]
    found = [(code, name) for code, name in found if code not in _NO_MAIL]
    if country == "US":
        found.extend(US_MILITARY.items())
    return tuple(sorted(found, key=lambda pair: pair[1]))


def _display_name(name: str) -> str:
    """ISO writes some names inverted ("Virgin Islands, U.S."): put them the usual way round."""
    if ", " in name:
        head, tail = name.split(", ", 1)
        return f"{tail} {head}"
    return name


def _key(text: str) -> str:
    """What typed text is compared by: no accents, dots, hyphens or case; single spaces."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.replace(".", "").replace("-", " ").replace(",", " ")
    return " ".join(plain.casefold().split())


@lru_cache(maxsize=4)
def _region_index(country: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, name in region_choices(country):
        index[_key(code)] = code
        index[_key(f"{country}-{code}")] = code
        index[_key(name)] = code
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        index.setdefault(_key(sub.name), sub.code.split("-", 1)[1])  # the ISO spelling too
    return index


def region_code(country: str, typed: str | None) -> str | None:
    """The code of the state or province typed in any usual way ("New York", "new york",
    "NY", "N.Y.", "Québec"), or None when it is not one of ``country``'s."""
    if country not in REGION_COUNTRIES or not typed:
        return None
    found = _region_index(country).get(_key(typed))
    return found if found is not None and found not in _NO_MAIL else None


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
    if country == "US" and region_code(country, address.region) is None:
        errors["region"] = "Please choose your state or territory from the list, like New York or NY."
    elif country == "CA" and region_code(country, address.region) is None:
        errors["region"] = "Please choose your province or territory from the list, like Ontario or ON."
    if country not in NO_POSTAL_CODE:
        postal = address.postal_code.upper()
        pattern, example = POSTAL_PATTERNS.get(country, (re.compile(r"[A-Z0-9 -]{3,10}"), "your postal code"))
        if not pattern.fullmatch(postal):
            errors["postal_code"] = f"Please enter {example}."
    return errors


def normalized(address: Address) -> Address:
    """Store states and provinces by their code (NY, ON) and postal codes in capitals."""
    if address.country in REGION_COUNTRIES:
        address.region = region_code(address.country, address.region) or address.region.upper()
    address.postal_code = address.postal_code.upper()
    return address


def require_valid(address: Address) -> Address:
    errors = check_address(address)
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
    return normalized(address)
