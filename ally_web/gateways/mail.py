"""Sending one outbox message: over SMTP when `SMTP_URL` is set, else to the log.

Only `flask ally jobs` calls these (ally_web.jobs.deliver_outbox), never a request.
`SMTP_URL` forms:

    smtp://host:port                  plain SMTP (a local relay, a dev catcher); port 25
    smtp+starttls://user:pass@host    SMTP upgraded with STARTTLS; port 587
    smtps://user:pass@host            SMTP over TLS from the start; port 465

User and password are percent-decoded (write `@` in a password as `%40`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import ContentTypeHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from flask import Flask

if TYPE_CHECKING:
    from ally_web.models.outbox import OutboxMessage

DEFAULT_MAIL_FROM = "ALLY <hello@ally.nyc>"
SMTP_TIMEOUT = 10  # seconds, for connecting and for each command

log = logging.getLogger("ally_web.mail")


class Mailer(Protocol):
    def send(self, message: OutboxMessage, on_accepted: Callable[[], None] | None = None) -> None:
        """Hand the message over, or raise; a raise before `on_accepted` means "not
        sent, try again later". `on_accepted` is called the moment the mail server has
        taken the message (its 250 reply to DATA), before anything else happens, so the
        caller can record it as sent while the crash window is as small as it gets."""


def build_email(message: OutboxMessage, sender: str = DEFAULT_MAIL_FROM) -> EmailMessage:
    """The MIME message: text, plus an HTML alternative when there is one.

    Message-ID and Date come from the outbox row, so a re-send is byte-for-byte the
    same message as far as the headers go.
    """
    if not message.message_id:
        raise ValueError("An outbox message needs its Message-ID before it is sent.")
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    if message.attachment_text is not None:
        _attach(email, message)
    return email


def _attach(email: EmailMessage, message: OutboxMessage) -> None:
    """The row's one text attachment (a calendar invitation, say), type parameters kept."""
    content_type = HeaderRegistry()("Content-Type", message.attachment_type or "text/plain")
    if not isinstance(content_type, ContentTypeHeader) or content_type.maintype != "text":
        raise ValueError("An outbox attachment must be text.")
    email.add_attachment(message.attachment_text, subtype=content_type.subtype,
                         filename=message.attachment_name or "attachment.txt", params=dict(content_type.params))


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}

    @classmethod
    def from_url(cls, url: str) -> SMTPSettings:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in cls.SCHEMES:
            raise ValueError(f"SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme or '(none)'}://")
        if not parts.hostname:
            raise ValueError("SMTP_URL needs a host, e.g. smtp://127.0.0.1:1025")
        security, default_port = cls.SCHEMES[scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError("SMTP_URL has a port that is not a number from 1 to 65535") from None
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )


class SMTPMailer:
    """One connection per message (a batch is small; a timer runs it)."""

    def __init__(self, url: str, sender: str = DEFAULT_MAIL_FROM, timeout: float = SMTP_TIMEOUT) -> None:
        self.settings = SMTPSettings.from_url(url)
        self.sender = sender
        self.timeout = timeout

    def __repr__(self) -> str:  # never the password
        s = self.settings
        return f"<SMTPMailer {s.security} {s.host}:{s.port}>"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        if s.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: OutboxMessage, on_accepted: Callable[[], None] | None = None) -> None:
        email = build_email(message, self.sender)
        envelope_from = parseaddr(self.sender)[1] or None
        smtp = self._connect()
        try:
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password or "")
            # One recipient: a refusal raises SMTPRecipientsRefused. Returns on the
            # server's 250 reply to DATA: from here on the message is delivered.
            smtp.send_message(email, from_addr=envelope_from, to_addrs=[message.to_address])
            if on_accepted is not None:
                on_accepted()
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError) as error:
            # Accepted already: a goodbye that fails is no reason to send it again.
            log.warning("Message %s was accepted; closing the connection failed: %s", message.message_id, error)
        finally:
            smtp.close()


class LogMailer:
    """Development: "sends" by logging the message (logger ally_web.mail, INFO)."""

    def __init__(self, sender: str = DEFAULT_MAIL_FROM) -> None:
        self.sender = sender

    def send(self, message: OutboxMessage, on_accepted: Callable[[], None] | None = None) -> None:
        build_email(message, self.sender)  # fail here as SMTP would on a bad header
        log.info(
            "Email %s\nFrom: %s\nTo: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
            message.kind, self.sender, message.to_address, message.subject,
            message.message_id, message.text_body,
        )
        if on_accepted is not None:
            on_accepted()


def get_mailer(app: Flask) -> Mailer:
    """SMTPMailer when `SMTP_URL` is set, else LogMailer."""
    sender = app.config.get("MAIL_FROM") or DEFAULT_MAIL_FROM
    url = app.config.get("SMTP_URL")
    if url:
        return SMTPMailer(url, sender=sender, timeout=float(app.config.get("SMTP_TIMEOUT_SECONDS") or SMTP_TIMEOUT))
    return LogMailer(sender=sender)
