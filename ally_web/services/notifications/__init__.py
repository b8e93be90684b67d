"""Emails: written to the outbox in the caller's transaction, sent later by
``flask ally jobs``; and the outbox as staff read it."""

from ally_web.services.notifications.outbox import (
    DEFAULT_MAIL_FROM,
    DEFAULT_MAX_ATTEMPTS,
    Attachment,
    enqueue_email,
    get_message,
    list_outbox,
    mail_from,
    max_attempts,
    new_message_id,
)

__all__ = [
    "Attachment",
    "DEFAULT_MAIL_FROM",
    "DEFAULT_MAX_ATTEMPTS",
    "enqueue_email",
    "get_message",
    "list_outbox",
    "mail_from",
    "max_attempts",
    "new_message_id",
]
