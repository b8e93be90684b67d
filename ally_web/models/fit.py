"""Fit results: what a customer said about a fitting pair, and what staff confirmed.

Every answer is kept, per customer, so the fit profile grows with each fitting pair
(and, later, with trial decisions and returns); answers sent again before staff
confirm replace the result's, and the earlier ones are kept as its revisions. The
size a customer's result is confirmed at becomes their ALLY size
(``Customer.size_halves`` and ``width``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ally_web.extensions import Model

if TYPE_CHECKING:
    from ally_web.models.orders import OrderLine


class SentAnswers:
    """What one sending of a fit result holds: the answers, the card's reading, the
    suggestion and the size asked for. A result and each of its revisions have them."""

    # {"left": {question: answer}, "right": {...}} (services/made_to_order/fit_questions.py)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card_size_halves: Mapped[int | None]  # what the measurement card read, if given
    card_width: Mapped[str | None] = mapped_column(String(1))
    # What the answers pointed to when sent, and why, in words.
    suggested_size_halves: Mapped[int]
    suggested_width: Mapped[str] = mapped_column(String(1))
    suggestion_reason: Mapped[str] = mapped_column(Text, default="")
    # What the customer asked for, and why when it differs from the suggestion.
    chosen_size_halves: Mapped[int]
    chosen_width: Mapped[str] = mapped_column(String(1))
    chosen_reason: Mapped[str] = mapped_column(Text, default="")


SENT_ANSWERS = tuple(SentAnswers.__annotations__)  # the columns a revision copies


class FitResult(SentAnswers, Model):
    __tablename__ = "fit_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    # One result per made-to-order pair; sending again replaces the answers.
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set by staff: the size the pair is made in.
    confirmed_size_halves: Mapped[int | None]
    confirmed_width: Mapped[str | None] = mapped_column(String(1))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_note: Mapped[str] = mapped_column(Text, default="")

    line: Mapped[OrderLine] = relationship(back_populates="fit_result")
    # What was sent before, oldest first: a new sending never erases what came earlier.
    earlier: Mapped[list[FitResultRevision]] = relationship(
        back_populates="result", order_by="FitResultRevision.id", cascade="all, delete-orphan")


class FitResultRevision(SentAnswers, Model):
    """A fit result as it stood before the customer sent it again (before staff
    confirmed it): the answers are part of their fit profile too."""

    __tablename__ = "fit_result_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    fit_result_id: Mapped[int] = mapped_column(ForeignKey("fit_results.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    sent_at: Mapped[datetime]  # when these answers were sent
    replaced_at: Mapped[datetime]  # when newer ones took their place

    result: Mapped[FitResult] = relationship(back_populates="earlier")
