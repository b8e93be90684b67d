"""The audit log: who changed what in the back office, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ally_web.extensions import Model
from ally_web.models.orders import ActorMixin


class AuditEntry(ActorMixin, Model):
    """One staff change: an action ("price.changed"), its subject as words a person
    reads ("The Classic Pump"), and the details (old and new values) as data."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
