"""The random tokens behind links that open a page without signing in (an order, a
checkout, a return request): 43 characters of URL-safe base64."""

TOKEN_MAX_LENGTH = 64  # generous; anything longer is not one of ours and is not looked up


def could_be_token(value: str | None) -> bool:
    """Worth looking up: not empty, and not longer than any token we issue."""
    return value is not None and 0 < len(value) <= TOKEN_MAX_LENGTH
