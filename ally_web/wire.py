"""A page on the wire: compressed, then tagged with the hash of the bytes sent.

Flask-Compress compresses (brotli or gzip, as the browser accepts); the ETag is taken
afterwards, so each encoding of a page has its own tag and a cache never hands gzip
bytes to a browser that sent a brotli tag. A request that carries no validator (most
of them) is answered without comparing anything.
"""

from __future__ import annotations

from flask import Response, request

from ally_web.extensions import compress
from ally_web.security_headers import NO_STORE_BLUEPRINTS

# The request headers that make an answer conditional (RFC 9110 §13.1).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                       "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")


def compress_and_tag(response: Response) -> Response:
    """after_request hook, registered first so that it runs last, on the finished page."""
    return add_etag(compress.after_request(response))


def add_etag(response: Response) -> Response:
    """An ETag on every page that may be cached, and 304 when the browser's copy is
    the same (the body is hashed, so a page that differs per visitor - its form
    token - simply never matches another visitor's copy). Static files tag
    themselves (static_assets.py)."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and "ETag" not in response.headers
        and "no-store" not in response.headers.get("Cache-Control", "")
        and request.blueprint not in NO_STORE_BLUEPRINTS
    ):
        response.add_etag()
        if any(header in request.environ for header in CONDITIONAL_HEADERS):
            response.make_conditional(request)
    return response
