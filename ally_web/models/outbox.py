"""The email outbox: messages written in the same transaction as the change that
caused them, delivered later by `flask ally jobs` (docs/rules.md, "Emails to customers")."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ally_web.extensions import Model


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first attempt, or one is under way
    FAILED = "failed"  # an attempt failed; the next run after the claim goes stale retries
    SENT = "sent"
    GAVE_UP = "gave up"  # too many failed attempts; nothing retries it


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # What the sender scans: unsent messages it has not given up on.
        Index("ix_outbox_messages_pending", "sent_at", "gave_up_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "order_confirmation"
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # One text attachment at most (a calendar invitation): its file name, its MIME
    # type with parameters ("text/calendar; method=REQUEST") and its text.
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_text: Mapped[str | None] = mapped_column(Text)
    # The Message-ID header, fixed at enqueue: a re-send after a crash repeats it,
    # so mail systems can tell it is the same message.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]
    # Set (with attempts + 1) by the sender that is about to send; a claim older
    # than jobs.CLAIM_TIMEOUT is considered abandoned (a crash) and may be retaken.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    gave_up_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def status(self) -> OutboxStatus:
        if self.sent_at is not None:
            return OutboxStatus.SENT
        if self.gave_up_at is not None:
            return OutboxStatus.GAVE_UP
        if self.last_error:
            return OutboxStatus.FAILED
        return OutboxStatus.QUEUED

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to={self.to_address!r} {self.status.value}>"
