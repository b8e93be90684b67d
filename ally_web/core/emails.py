"""Email addresses: validated, stored trimmed with the domain lower-cased, compared
in one canonical form (docs/rules.md, "Email addresses")."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from ally_web.core.errors import DomainError

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def normalize_email(raw: str | None, field: str = "email") -> str:
    """The address as stored: trimmed, domain lower-cased. Raises DomainError."""
    raw = (raw or "").strip()
    if not raw:
        raise DomainError("Please enter your email address.", field=field)
    if len(raw) > 254:
        raise DomainError("That email address is too long.", field=field)
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(
            "Please enter an email address like name@example.com.", field=field
        ) from None
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def canonical_email(email: str | None) -> str:
    """The form addresses are compared in: trimmed and all lower case."""
    return (email or "").strip().lower()


def one_per_customer_key(email: str) -> str:
    """For "one per customer" rules: also drop a +tag and, for Gmail, the dots."""
    local, _, domain = canonical_email(email).rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
