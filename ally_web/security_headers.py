"""Headers every response carries."""

from flask import Response, current_app, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Blueprints whose pages show personal data or staff work (order status and lookup,
# checkout and its return, the sandbox payment page, sign-in, every /admin page):
# never kept by the browser's cache or a proxy. Catalog pages stay cacheable.
NO_STORE_BLUEPRINTS = frozenset({"orders", "checkout", "sandbox", "auth", "admin"})


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    hsts_seconds = current_app.config.get("HSTS_SECONDS", 0)
    if hsts_seconds:  # production only: over plain HTTP in development it would be a trap
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
    if request.blueprint in NO_STORE_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
