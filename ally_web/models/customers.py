"""Customers: who ordered, and the ALLY size confirmed for them (any style)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ally_web.extensions import Model


class Customer(Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # as typed: trimmed, domain lower-cased
    email_canonical: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    # The confirmed ALLY size, null until a fit is confirmed; it serves every style.
    size_halves: Mapped[int | None]
    width: Mapped[str | None] = mapped_column(String(1))
    size_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def size_known(self) -> bool:
        return self.size_halves is not None and self.width is not None
