"""Email addresses: stored trimmed with the domain lower-cased, compared canonically."""

import pytest

from ally_web.core.emails import (
    canonical_email,
    normalize_email,
    one_per_customer_key,
)
from ally_web.core.errors import DomainError


def test_normalize_trims_and_lowercases_only_the_domain():
    assert normalize_email("  Jane.Doe@Example.COM ") == "Jane.Doe@example.com"


@pytest.mark.parametrize("raw", ["", "   ", "no-at-sign", "a@b", "a@@b.com", "<script>@x.com", "x" * 300 + "@a.com", None])
def test_invalid_addresses_raise_a_field_error(raw):
    with pytest.raises(DomainError) as error:
        normalize_email(raw)
    assert error.value.field == "email"


def test_canonical_and_one_per_customer_forms():
    assert canonical_email(" Jane.Doe@Example.com ") == "jane.doe@example.com"
    assert one_per_customer_key("Jane.Doe+shoes@GMail.com") == "janedoe@gmail.com"
    assert one_per_customer_key("jane.doe+x@example.com") == "jane.doe@example.com"
