"""Someone guessing at a staff account: counted per email, to warn its owner.

The sign-in limits (blueprints/auth) key on the client address, and on email and
address together, so guessing from many addresses slows each of them down but never
locks the owner out. What those limits cannot see, failures for one email from every
address, is counted here in the rate-limit store, for detection only: when they reach
``LOGIN_ALERT_FAILURES`` within an hour, the staff member that email belongs to is
emailed, at most once an hour. The guesser's answer is the same whether or not the
email is a staff member's, and whether or not a warning went out.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import RateLimitItemPerHour
from sqlalchemy import select

from ally_web.core.emails import canonical_email
from ally_web.extensions import db, limiter
from ally_web.models import Staff
from ally_web.services.notifications import enqueue_email

log = logging.getLogger(__name__)

FAILURES = "staff-sign-in-failures"
WARNED = "staff-sign-in-warned"


def _counted(email: str, threshold: int) -> bool:
    """Count one failure; True the first time in an hour the count reaches `threshold`."""
    if not (limiter.enabled and limiter.initialized):
        return False  # no rate-limit store (RATELIMIT_ENABLED=false): nothing to count in
    try:
        store = limiter.limiter
        if store.hit(RateLimitItemPerHour(max(threshold, 2) - 1), FAILURES, email):
            return False  # still under the threshold
        return store.hit(RateLimitItemPerHour(1), WARNED, email)
    except Exception:  # noqa: BLE001 - detection must never break signing in
        log.exception("Could not count a failed staff sign-in; no warning is sent for it.")
        return False


def note_failed_sign_in(email: str) -> None:
    """Record a failed sign-in for `email`; enqueue the owner's warning when one is due.
    Flushes, never commits (the caller commits, so the warning is saved)."""
    key = canonical_email(email)[:254]
    threshold = int(current_app.config["LOGIN_ALERT_FAILURES"])
    if not key or not _counted(key, threshold):
        return
    staff = db.session.scalar(select(Staff).where(Staff.email == key, Staff.active.is_(True)))
    if staff is None:
        return
    log.warning("Staff account %s had %s failed sign-ins within an hour; its owner is warned.", staff.id, threshold)
    enqueue_email(to=staff.email, subject="Someone is trying to sign in to your ALLY staff account",
                  template="staff_sign_in_warning", kind="staff_sign_in_warning",
                  staff=staff, failures=threshold)
