"""Headers every response carries."""

from flask import Response, current_app

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    hsts_seconds = current_app.config.get("HSTS_SECONDS", 0)
    if hsts_seconds:  # production only: over plain HTTP in development it would be a trap
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
    return response
