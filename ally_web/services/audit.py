"""The audit log: every back-office change, with who made it.

Any service that changes something staff are answerable for (a price, a style, a
stock count) calls ``record_audit`` in the same transaction as the change, so the
log and the change are committed, or rolled back, together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.pagination import PER_PAGE, Page, page_of
from ally_web.extensions import db
from ally_web.models import AuditEntry


def record_audit(actor: Actor, action: str, subject: str, details: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry: `action` is a dotted name ("price.changed"), `subject` what a
    person reads ("The Classic Pump in Almond"), `details` plain JSON values."""
    entry = AuditEntry(at=clock.now(), action=action, subject=subject[:200], details=details or {})
    entry.actor = actor
    db.session.add(entry)
    return entry


def list_audit(requested_page: int, per_page: int = PER_PAGE) -> Page[AuditEntry]:
    """Every entry, newest first, one page of them (two queries)."""
    total = db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    number, pages = page_of(total, requested_page, per_page)
    entries = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((number - 1) * per_page)
    ).all()
    return Page(number=number, pages=pages, total=total, items=list(entries))
