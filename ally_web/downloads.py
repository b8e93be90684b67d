"""Private files the pages hand out: shipping and return labels (PDF) and the drop-off
QR code. Each is for one customer or one staff member, so no cache keeps it."""

from __future__ import annotations

from flask import Response, make_response

PDF = "application/pdf"


def private_file(body: bytes, filename: str | None = None, mimetype: str = PDF) -> Response:
    """``body`` to save as ``filename`` (shown in the page when there is no name),
    with ``Cache-Control: no-store``."""
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
