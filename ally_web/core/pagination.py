"""One page of a long list (the staff pages), and reading `?page=` safely."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
PER_PAGE = 25
MAX_PAGE_DIGITS = 9  # anything longer is past the last page anyway


@dataclass(frozen=True)
class Page(Generic[T]):
    number: int
    pages: int
    total: int
    items: list[T] = field(default_factory=list)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page(raw: Any) -> int | None:
    """`?page=` as typed: a number from 1 up (huge ones are clamped later), or None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > MAX_PAGE_DIGITS:
        return 10**MAX_PAGE_DIGITS
    number = int(text)
    return number if number >= 1 else None


def page_of(total: int, requested: int, per_page: int = PER_PAGE) -> tuple[int, int]:
    """(page number clamped to 1..pages, number of pages) for `total` rows."""
    pages = max(1, math.ceil(total / per_page))
    return min(max(requested, 1), pages), pages
