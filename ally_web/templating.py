"""Filters and globals the templates use to show values (never to decide)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, has_request_context, request
from jinja2.runtime import Macro
from markupsafe import Markup

from ally_web import policy
from ally_web.core.formatting import clock_time, day, long_day, moment, money, money_in, size
from ally_web.event_text import event_detail, event_text, event_title

HTMX_VERSION = "4.0.1"


def country(code: str) -> str:
    """GB → United Kingdom (the countries we ship to); other codes stay as they are."""
    return "United States" if code == "US" else policy.INTERNATIONAL_COUNTRIES.get(code, code)


def picture_filter(url_for: Callable[..., str]) -> Callable[[str], str]:
    """The `picture` filter, building its addresses with the templates' `url_for`."""

    def picture(image: str) -> str:
        """The URL of a colour picture: one the site ships (static/), or one staff
        uploaded (media/<random name>, served by the shop's media route)."""
        if image.startswith("media/"):
            return url_for("shop.media", name=image.removeprefix("media/"))
        return url_for("static", filename=image)

    return picture


# A page builds twenty-odd addresses (navigation, footer, static files, forms), the
# same ones on every request; building one costs more than a whole SQL query on a
# busy machine. Templates get them from a per-process memo instead. Only addresses
# that depend on nothing but their arguments are kept: never external ones (they
# carry the request's host), and never ones with long values (signed one-off links).
URL_MEMO_SIZE = 2048
URL_MEMO_VALUE_LENGTH = 64


def memoized_url_for(build: Callable[..., str]) -> Callable[..., str]:
    memo: dict[tuple, str] = {}

    def url_for(endpoint: str, **values: Any) -> str:
        if not has_request_context():
            return build(endpoint, **values)
        current = request._get_current_object()  # type: ignore[attr-defined]  # one lookup, two reads
        # A relative endpoint (".show") depends on the blueprint; every address on
        # the application's root (SCRIPT_NAME) when mounted under a prefix.
        key = (current.root_path, current.blueprint if endpoint[:1] == "." else None, endpoint, *values.items())
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: nothing to keep
            return build(endpoint, **values)
        url = build(endpoint, **values)
        # Only what was checked on the way in is ever found on the way out.
        if len(memo) < URL_MEMO_SIZE and not values.get("_external") and all(
            isinstance(v, int) or (isinstance(v, str) and len(v) <= URL_MEMO_VALUE_LENGTH)
            for v in values.values()
        ):
            memo[key] = url
        return url

    return url_for


# The parts of the page frame every page shows alike - the static files, the main
# links, the footer - cost about 25 µs a page to render: some fifteen addresses, each
# a call from the template. They are rendered once per process and mount point. A
# kept partial sees only the globals below (no request, session or visitor), so
# whatever differs between pages or visitors cannot end up in one. A partial that
# shows one of a few choices (the product page's size list with a size selected) is
# kept once per choice: the values it is given are part of what it is kept under.
KEPT_GLOBALS = ("url_for", "policy", "htmx_path")
KEPT_MEMO_SIZE = 256  # a few partials, times their choices, times the mount prefixes


def kept_partials(app: Flask) -> Callable[..., Markup]:
    memo: dict[tuple, Markup] = {}

    def kept(name: str, **values: Hashable) -> Markup:
        key = (name, request.root_path if has_request_context() else None, *values.items())
        try:
            return memo[key]
        except KeyError:
            pass
        template = app.jinja_env.get_template(name)
        static = {global_name: app.jinja_env.globals[global_name] for global_name in KEPT_GLOBALS}
        context = template.new_context({**static, **values}, shared=True)
        html = Markup(app.jinja_env.concat(template.root_render_func(context)))
        if len(memo) < KEPT_MEMO_SIZE:
            memo[key] = html
        return html

    return kept


# The macro libraries every template calls by name (errors_for, field, plan_paths,
# pager...), registered as globals once. A `{% from ... import %}` costs about 11 µs
# on every render - Jinja compares the importing template's globals with the library's
# each time - and the product page, the cart and the checkout summary imported two.
MACRO_LIBRARIES = ("_macros/forms.html", "_macros/made_to_order.html", "_macros/pager.html")


def register_macros(app: Flask) -> None:
    for library in MACRO_LIBRARIES:
        module = app.jinja_env.get_template(library).module
        app.jinja_env.globals.update(
            {name: value for name, value in vars(module).items() if isinstance(value, Macro)})


def register_template_helpers(app: Flask) -> None:
    url_for = memoized_url_for(app.url_for)
    app.jinja_env.globals["url_for"] = url_for
    app.add_template_filter(money)
    app.add_template_filter(picture_filter(url_for), "picture")
    app.add_template_filter(money_in)
    app.add_template_filter(day)
    app.add_template_filter(long_day)
    app.add_template_filter(moment)
    app.add_template_filter(clock_time)
    app.add_template_filter(size)
    app.add_template_filter(country)
    app.add_template_filter(event_text)
    app.add_template_filter(event_title)
    app.add_template_filter(event_detail)
    app.jinja_env.globals.update(policy=policy, htmx_path=f"vendor/htmx-{HTMX_VERSION}.min.js")

    from ally_web.services.cart import cart_count
    from ally_web.services.catalog import line_story

    app.add_template_global(cart_count)
    app.add_template_filter(line_story, "mto_story")
    app.add_template_global(kept_partials(app), "kept")
    register_macros(app)
