"""Private files the pages hand out: shipping and return labels (PDF), the drop-off
QR code, and photos of damaged pairs. Each is for one customer or one staff member,
so no cache keeps it."""

from __future__ import annotations

from pathlib import Path

from flask import Response, make_response, send_file

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


def private_photo(path: Path, mimetype: str) -> Response:
    """A kept photo shown in the page (``If-Modified-Since`` answered with 304), with
    ``Cache-Control: private, no-store``."""
    response = send_file(path, mimetype=mimetype, max_age=0, conditional=True)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response
