"""Checks every request passes before any view sees it."""

from flask import abort, current_app, redirect, request
from werkzeug.wrappers import Response

NUL = "\x00"


def redirect_to_https() -> Response | None:
    """Production (HTTPS_REDIRECT): a plain-HTTP request goes to the same address over
    HTTPS, on the same host, before anything else (HSTS then keeps the browser there).
    Behind a proxy that ends TLS, PROXY_FIX_HOPS must be set or every request loops."""
    if not current_app.config.get("HTTPS_REDIRECT") or request.is_secure:
        return None
    if request.blueprint == "health":  # the load balancer probes the app over plain HTTP
        return None
    target = "https://" + request.url.split("://", 1)[1]
    # 301 for reads; 308 keeps the method and body of anything else.
    return redirect(target, 301 if request.method in ("GET", "HEAD") else 308)


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
