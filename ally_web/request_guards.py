"""Checks every request passes before any view sees it."""

from flask import abort, request

NUL = "\x00"


def refuse_nul_bytes() -> None:
    """No field of ours can hold a NUL byte, and PostgreSQL refuses to store or even
    compare one: turn it into a clear 400 here rather than a database error later."""
    values = [request.path, *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values.extend(request.form.values())
    if any(NUL in value for value in values):
        abort(400, "Part of what was sent contains characters we cannot accept. Please retype it.")
