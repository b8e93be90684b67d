"""Filters and globals the templates use to show values (never to decide)."""

from __future__ import annotations

from flask import Flask, url_for

from ally_web import policy
from ally_web.core.formatting import clock_time, day, long_day, moment, money, money_in, size
from ally_web.event_text import event_detail, event_text, event_title

HTMX_VERSION = "4.0.1"


def country(code: str) -> str:
    """GB → United Kingdom (the countries we ship to); other codes stay as they are."""
    return "United States" if code == "US" else policy.INTERNATIONAL_COUNTRIES.get(code, code)


def picture(image: str) -> str:
    """The URL of a colour picture: one the site ships (static/), or one staff
    uploaded (media/<random name>, served by the shop's media route)."""
    if image.startswith("media/"):
        return url_for("shop.media", name=image.removeprefix("media/"))
    return url_for("static", filename=image)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(picture)
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
