"""Headers every response carries."""

from flask import Response, current_app, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Blueprints whose pages show personal data or staff work (order status and lookup,
# checkout and its return, the sandbox payment page, sign-in, every /admin page, a
# trial box's fit session): never kept by the browser's cache or a proxy. Catalog
# pages stay cacheable.
NO_STORE_BLUEPRINTS = frozenset({"orders", "checkout", "sandbox", "auth", "admin", "fit_session"})


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)


def add_security_headers(response: Response) -> Response:
    """Every security header the view did not set itself (a picture's own CSP stays)."""
    wanted = list(SECURITY_HEADERS)
    hsts_seconds = current_app.config.get("HSTS_SECONDS", 0)
    if hsts_seconds:  # production only: over plain HTTP in development it would be a trap
        wanted.append(("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"))
    # One pass over the headers: a setdefault per header would read them all each time.
    present = {key.lower() for key, _ in response.headers.items()}
    for key, value in wanted:
        if key.lower() not in present:
            response.headers.add(key, value)
    if request.blueprint in NO_STORE_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
