"""Logs an operator can search: one JSON object a line, each with the request id.

Every request gets an id: the load balancer's `X-Request-ID` when it sent a sane one
(so one id follows a request through the proxy, gunicorn's access log and the app),
otherwise a fresh random one. It is sent back in the `X-Request-ID` header and put on
every log line written while the request runs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from outside: short, plain characters only, so an id can never
# forge a log line or smuggle markup into a log viewer.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id"}


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


def assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def send_request_id(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _install_request_id_on_every_record() -> None:
    """Every log record, from any logger and to any handler, carries `request_id`
    (None outside a request). Done once per process, around the current factory."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id,
    whatever was passed with `extra=`, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(app: Flask) -> None:
    """Send the app's and the libraries' logs to stderr in LOG_FORMAT ("json" or
    "text"), unless the process configured logging already (tests, gunicorn's
    logconfig): then those handlers are kept."""
    _install_request_id_on_every_record()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        use_json = app.config.get("LOG_FORMAT", "text") == "json"
        handler.setFormatter(JsonFormatter() if use_json else logging.Formatter(TEXT_FORMAT))
        root.addHandler(handler)
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        # Flask's own handler would print every app record a second time, unformatted.
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin, each start


def register_request_ids(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
