"""Pages opened by an order's signed link (status, fit result, returns): one way to
open the order behind the link, or send the customer to a lookup with a word on why."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import flash, url_for

from ally_web.htmx import hx_redirect
from ally_web.services import orders


def with_order_link(lookup_endpoint: str, expired: str, invalid: str,
                    open_link: Callable[[str], Any] = orders.order_from_link) -> Callable:
    """Decorate a view taking ``(order, link, **kwargs)``: the order comes from the
    ``link`` URL part (through ``open_link``: the whole order, or what a view needs of
    it); an expired or foreign link flashes ``expired`` or ``invalid`` and goes to
    ``lookup_endpoint`` as a full page (also from inside a partial)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(link: str, **kwargs: Any):
            try:
                order = open_link(link)
            except orders.LinkExpired:
                flash(expired, "notice")
                return hx_redirect(url_for(lookup_endpoint))
            if order is None:
                flash(invalid, "notice")
                return hx_redirect(url_for(lookup_endpoint))
            return view(order, link, **kwargs)

        return wrapped

    return decorate
