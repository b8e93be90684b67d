"""Which link tokens are worth a database lookup (core/tokens.py)."""

from ally_web.core.tokens import TOKEN_MAX_LENGTH, could_be_token


def test_only_token_shaped_values_are_looked_up():
    assert could_be_token("x" * 43) and could_be_token("x" * TOKEN_MAX_LENGTH)
    assert not could_be_token(None) and not could_be_token("")
    assert not could_be_token("x" * (TOKEN_MAX_LENGTH + 1))
