"""The order status page's own part, rendered once per version of the order.

A status page is opened again and again: from emails, after a lookup, and every
ORDER_STATUS_POLL_SECONDS while a parcel is moving. Each process keeps the rendered
order (the whole content, or the refreshing status region) under the fingerprint of
the order's rows (services/orders/fingerprint.py), which is read fresh on every
request. A changed order has a new fingerprint, so a kept copy is never shown for an
order that changed since; only loading the order as objects and rendering it are
saved. The page around it (the header with the cart, the form token) is rendered
every time.

Besides the rows, a copy depends on the day (return windows count days), the
lead-time notices' version, the link (the page's own addresses carry it) and the
refresh interval: all part of the key. At most ORDER_PAGE_CACHE_SIZE copies are kept;
the oldest goes first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app
from markupsafe import Markup

from ally_web.core import clock
from ally_web.services import catalog
from ally_web.services.orders import OrderFingerprint, order_fingerprint


def kept_or_rendered(fingerprint: OrderFingerprint, part: Hashable, render: Callable[[], str]) -> Markup:
    """The kept copy of ``part`` of this version of the order, or ``render()``'s,
    kept when the order did not change while it was rendered."""
    size = current_app.config["ORDER_PAGE_CACHE_SIZE"]
    if not size:
        return Markup(render())
    now = clock.now()
    key = (fingerprint.digest, part, now.date(), clock.to_store_time(now).date(), catalog.notices_version(),
           current_app.config["ORDER_STATUS_POLL_SECONDS"])
    kept: dict[Hashable, Markup] = current_app.extensions.setdefault("ally_order_pages", {})
    html = kept.get(key)
    if html is not None:
        return html
    html = Markup(render())
    # The rows are read again: a change that landed between the fingerprint and the
    # render would otherwise be kept under the older fingerprint.
    if order_fingerprint(fingerprint.token) == fingerprint:
        if len(kept) >= size:
            try:
                del kept[next(iter(kept))]
            except (KeyError, RuntimeError, StopIteration):  # another thread evicted first
                pass
        kept[key] = html
    return html
