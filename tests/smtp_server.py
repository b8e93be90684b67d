"""A real SMTP server on the loopback interface, for tests that send email.

Use the `smtp_server` fixture (exposed through `pytest_plugins` in conftest.py, or
`from tests.smtp_server import smtp_server` in a test module): `.url` is an
`smtp://127.0.0.1:PORT` to put in `SMTP_URL` or give to `SMTPMailer`, and
`.messages` collects what arrived, parsed as `email.message.EmailMessage`.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One delivery: the envelope as the server saw it, and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class CollectingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    host: str
    port: int
    handler: CollectingHandler = field(repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    host = "127.0.0.1"
    handler = CollectingHandler()
    # The port is found free and then handed over; another process taking it in
    # between is unlikely on a test machine, and Controller.start() would say so.
    controller = Controller(handler, hostname=host, port=free_port(host), ready_timeout=5)
    controller.start()
    try:
        yield SMTPServer(host=host, port=controller.port, handler=handler)
    finally:
        controller.stop()
