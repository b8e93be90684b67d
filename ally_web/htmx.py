"""htmx request helpers.

A view that answers htmx differently must say so in `Vary`, or a cache (or the
browser's back button) could hand a fragment to a full-page visit. Every helper that
looks at the htmx headers marks the response for `Vary`; `add_vary` applies it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import Response, g, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import Headers

VARY_HEADERS = ("HX-Request", "HX-Request-Type", "HX-History-Restore-Request")


def is_htmx() -> bool:
    """Did htmx send this request (partial or boosted full page)?"""
    g.htmx_vary = True
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """Should the answer be a fragment rather than a whole page?

    htmx 4 says `HX-Request-Type: full` when it will swap the whole body, and
    history restores always need the whole page.
    """
    return (
        is_htmx()
        and request.headers.get("HX-Request-Type", "partial") != "full"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render the whole page, or only `block` of it for an htmx partial request."""
    if block and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def hx_redirect(location: str, status: int = 303) -> Response:
    """Send the browser to `location`: a full navigation, also from inside a partial."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return make_response(redirect(location, status))


def trigger(response: Response, event: str, detail: Any = None) -> Response:
    """Ask htmx to fire `event` on the body once the response lands."""
    events: dict[str, Any] = {}
    if "HX-Trigger" in response.headers:
        events = json.loads(response.headers["HX-Trigger"])
    events[event] = detail if detail is not None else True
    response.headers["HX-Trigger"] = json.dumps(events, separators=(",", ":"))
    return response


def same_site_path(url: str | None) -> str | None:
    """The path of `url` if it points at this site, else None (headers are client input)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != request.host):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    if "\\" in url or any(ord(ch) < 32 for ch in url):  # browsers read "/\\x" as "//x"
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def add_vary(response: Response) -> Response:
    """after_request hook: declare the htmx headers the answer depended on."""
    if g.get("htmx_vary"):
        add_to_vary(response.headers, VARY_HEADERS, response.headers.get("Vary"))
    return response


def add_to_vary(headers: Headers, names: Sequence[str], current: str | None) -> None:
    """Add `names` to a response's `Vary`, whose value so far is `current` (None when
    it has none), in one write. Werkzeug's `response.vary.add` parses and rewrites the
    header on every call: three of them cost about 40 µs a page."""
    if current is None:
        headers.add("Vary", ", ".join(names))
        return
    present = {part.strip().lower() for part in current.split(",")}
    missing = [name for name in names if name.lower() not in present]
    if missing and "*" not in present:  # "*" already says: it depends on everything
        headers["Vary"] = ", ".join([current, *missing]) if current.strip() else ", ".join(missing)
