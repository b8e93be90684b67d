"""A page on the wire: compressed, then tagged with the hash of the bytes sent.

Pages and fragments go out in brotli or gzip, whichever the browser prefers (brotli
on a tie); the ETag is taken afterwards, so each encoding of a page has its own tag
and a cache never hands gzip bytes to a browser that sent a brotli tag. A request that
carries no validator (most of them) is answered without comparing anything.

This is the store's own hook rather than Flask-Compress's: measured on the product
page, that hook spent two thirds of its time reading and rewriting the response's
headers (each lookup scans them all) and a third compressing. Here the headers are read
once and new ones are appended.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli
from flask import Response, current_app, g, request
from werkzeug.http import generate_etag, quote_etag

from ally_web.htmx import add_to_vary
from ally_web.security_headers import NO_STORE_BLUEPRINTS

COMPRESSIBLE = frozenset({
    "text/html", "text/plain", "text/css", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/xml", "image/svg+xml",
})
ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, quality=current_app.config["PAGE_BROTLI_LEVEL"]),
    "gzip": lambda body: gzip.compress(body, current_app.config["PAGE_GZIP_LEVEL"], mtime=0),
}
# The request headers that make an answer conditional (RFC 9110 §13.1).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                       "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE")


def compress_and_tag(response: Response) -> Response:
    """after_request hook, registered first so that it runs last, on the finished page."""
    present = {key.lower(): value for key, value in response.headers.items()}
    mimetype = present.get("content-type", "").partition(";")[0].strip()
    if mimetype in COMPRESSIBLE and "content-encoding" not in present:
        _compress(response, present)
    _add_etag(response, present)
    return response


def _compress(response: Response, present: dict[str, str]) -> None:
    # The answer depends on Accept-Encoding even when this one goes out as it is.
    add_to_vary(response.headers, ("Accept-Encoding",), present.get("vary"))
    if response.is_streamed or response.direct_passthrough or not 200 <= response.status_code < 300:
        return
    body = response.get_data()
    if len(body) < current_app.config["PAGE_COMPRESS_MIN_BYTES"]:
        return
    # The browser's highest-ranked encoding; on a tie brotli, the smaller (first here).
    encoding = request.accept_encodings.best_match(ENCODERS)
    if encoding is not None:
        response.set_data(ENCODERS[encoding](body))
        response.headers.add("Content-Encoding", encoding)


def _add_etag(response: Response, present: dict[str, str]) -> None:
    """An ETag on every page that may be cached and can be the same twice, and 304 when
    the browser's copy is the same (the body is hashed). A page that carries a form
    token is never the same twice - the token is signed with the second it was made -
    so it gets none: hashing it would be work for nothing. Static files tag
    themselves (static_assets.py)."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and "etag" not in present
        and "no-store" not in present.get("cache-control", "")
        and request.blueprint not in NO_STORE_BLUEPRINTS
        and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in g  # Flask-WTF keeps the token there
    ):
        response.headers.add("ETag", quote_etag(generate_etag(response.get_data())))
        if any(header in request.environ for header in CONDITIONAL_HEADERS):
            response.make_conditional(request)
