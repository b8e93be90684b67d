"""Error pages that work for whole pages and for htmx partials.

A full-page request gets the whole error page. An htmx partial gets a short message
retargeted into the page's message region, so an error never replaces the widget
the person was using. Two errors need a fresh page instead of a message: an expired
CSRF token and a staff sign-in that ended; htmx is told to navigate (HX-Redirect),
so a login form or error page is never swapped into a fragment.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, flash, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ally_web.extensions import db, limiter
from ally_web.htmx import hx_redirect, is_htmx, is_partial, same_site_path

log = logging.getLogger(__name__)

# Machine callers (the payment provider, the carrier-tracking service) read JSON.
JSON_PATH_PREFIXES = ("/webhooks/",)

TITLES = {
    400: "That request could not be read",
    403: "That page is for staff only",
    404: "We could not find that page",
    405: "That action is not available here",
    413: "That was too much to send",
    422: "Please check the form",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def _wants_json() -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def _render_error(status: int, message: str, retry_after: int | None = None):
    if _wants_json():
        response = make_response(jsonify(error=message), status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
    context = dict(
        status=status,
        title=TITLES.get(status, "Something went wrong"),
        message=message,
        retry_after=retry_after,
    )
    if request_ctx.url_adapter is None:
        # The request was refused before it reached this site (an untrusted Host):
        # no page can be built for it, so the answer is plain text.
        return make_response(f"{context['title']}.", status, {"Content-Type": "text/plain; charset=utf-8"})
    if is_partial():
        response = make_response(render_template("errors/_message.html", **context), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(render_template("errors/error.html", **context), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _retry_after_seconds() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "This form was open for too long. Please try again; nothing was changed."
        # An htmx request answers 204 + HX-Redirect, which monitoring never counts as an
        # error: the log is where a burst of these (an attack, a broken page) shows.
        log.warning("CSRF check failed on %s %s%s: %s", request.method, request.path,
                    " (htmx)" if is_htmx() else "", error.description)
        if is_htmx():
            flash(message, "error")
            return hx_redirect(same_site_path(request.headers.get("HX-Current-URL")) or "/")
        return _render_error(400, message)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        wait = _retry_after_seconds()
        minutes = math.ceil(wait / 60)
        when = f"{wait} seconds" if wait < 120 else f"{minutes} minutes"
        return _render_error(
            429, f"Please wait {when} and try again.", retry_after=wait
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if _wants_json():
            message = error.description or TITLES.get(status, "")
        elif status == 404:
            message = "The page may have moved, or the address has a typo."
        elif status == 405:
            message = "Please use the buttons on the page."
        else:
            message = error.description or TITLES.get(status, "")
        response = _render_error(status, message)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def unexpected_error(error: InternalServerError):
        # Flask logs the original exception; tests see it raised instead.
        db.session.rollback()
        return _render_error(
            500,
            "We have been told about it. Please try again in a moment, "
            "or write to us if it keeps happening.",
        )
