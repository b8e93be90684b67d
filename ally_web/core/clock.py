"""The store clock: the one source of "now" the app reads, in New York time.

Every customer-facing date is a New York date (the studio, the warehouse and the
carriers' pick-ups are there), so the clock answers in that zone. Tests stop it
with ``freeze``; the server thread of the browser suite reads the same module
global, so a frozen clock holds for the whole app.
"""

from __future__ import annotations

import threading
from datetime import datetime
from functools import cache
from types import TracebackType
from zoneinfo import ZoneInfo

__all__ = ["STORE_TIMEZONE", "freeze", "now", "store_tz", "to_store_time", "unfreeze"]

STORE_TIMEZONE = "America/New_York"


@cache
def store_tz() -> ZoneInfo:
    """The store's time zone; every customer-facing date is a New York date."""
    return ZoneInfo(STORE_TIMEZONE)


def to_store_time(moment: datetime) -> datetime:
    """Return ``moment`` as an aware store-time datetime.

    Naive datetimes are taken to already be store time, because that is how staff
    and fixtures write them; aware ones are converted so the cutoff applies to the
    New York wall clock, not the server's.
    """
    tz = store_tz()
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


_lock = threading.Lock()
_frozen_at: datetime | None = None


def now() -> datetime:
    """The current store time; the one clock the app reads, so tests can set it."""
    frozen = _frozen_at
    if frozen is not None:
        return frozen
    return datetime.now(store_tz())


class _Freeze:
    """Handle returned by ``freeze``: the clock is already frozen; ``with`` restores it."""

    def __init__(self, at: datetime, previous: datetime | None) -> None:
        self.at = at
        self._previous = previous

    def __enter__(self) -> datetime:
        return self.at

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _frozen_at
        with _lock:
            _frozen_at = self._previous


def freeze(at: datetime) -> _Freeze:
    """Stop the clock at ``at`` (naive means store time) until ``unfreeze`` or ``with`` exit.

    Takes effect immediately, so it works as a plain call; as a context manager it
    restores whatever was frozen before, so nested freezes unwind correctly.
    """
    global _frozen_at
    moment = to_store_time(at)
    with _lock:
        previous = _frozen_at
        _frozen_at = moment
    return _Freeze(moment, previous)


def unfreeze() -> None:
    """Let the clock run again with real time."""
    global _frozen_at
    with _lock:
        _frozen_at = None
