"""URL converters."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id a 32-bit INTEGER column holds


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 10 digits, anything bigger is simply not found."""

    regex = r"\d{1,10}"

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)
