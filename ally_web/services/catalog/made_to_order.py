"""The made-to-order story: one place that works out a made-to-order pair's dates and
says them, for the product page, the cart, checkout, the order, its emails and its
status page.

Two paths, chosen only once the order is paid (checkout must not reveal whether an
email typed there has a size on file):

- **fitting pair first** (we don't know the shopper's ALLY size yet): black fitting
  heels ship like an in-stock pair (``policy.FITTING_PAIR_SHIPS``); the pair itself
  is made within ``policy.MADE_TO_ORDER_PRODUCTION_DAYS`` days of the fit being
  confirmed, plus the extra days of any lead-time notice;
- **size known**: production starts on the order day and the pair ships by the date
  ``calendar.made_to_order_promise`` gives, with the notices it counts. Only when the
  ordered size and width are the customer's confirmed ALLY size
  (``skips_fitting_pair``): a pair in any other size still has its fitting pair.

``made_to_order_plan`` gives the dates; ``path_story`` words one path from dates,
whether they come from a plan (before paying) or from a stored order line (after).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ally_web import policy
from ally_web.core.formatting import day
from ally_web.models import Customer, LeadTimeNotice, MadeToOrderPath, OrderLine
from ally_web.policy import DayRange
from ally_web.services.pricing import calendar
from ally_web.services.pricing.calendar import Promise

__all__ = [
    "MadeToOrderPlan",
    "NoticeCard",
    "PathStory",
    "line_story",
    "made_to_order_plan",
    "notice_card",
    "path_story",
    "skips_fitting_pair",
]


@dataclass(frozen=True)
class NoticeCard:
    """A lead-time notice as pages show it (cacheable: no database row)."""

    title: str
    message: str
    extra_days: int
    starts_on: date | None = None
    ends_on: date | None = None


def notice_card(notice: NoticeCard | LeadTimeNotice) -> NoticeCard:
    if isinstance(notice, NoticeCard):
        return notice
    return NoticeCard(notice.title, notice.message, notice.extra_days, notice.starts_on, notice.ends_on)


@dataclass(frozen=True)
class PathStory:
    """One made-to-order path in plain words."""

    path: MadeToOrderPath
    title: str
    text: str


@dataclass(frozen=True)
class MadeToOrderPlan:
    """The two made-to-order paths, with dates as if ordered at ``placed_at``."""

    fitting_pair_ships: Promise  # size not yet known: the fitting pair goes first
    size_known: Promise  # size on file: production starts on the order day
    production_days: int
    notices: tuple[NoticeCard, ...]  # the lead-time notices counted in the dates

    @property
    def extra_days(self) -> int:
        return sum(n.extra_days for n in self.notices)

    @property
    def notice(self) -> NoticeCard | None:
        return self.notices[0] if self.notices else None

    @property
    def notice_title(self) -> str | None:
        return " and ".join(n.title for n in self.notices) or None

    @property
    def size_known_ships_by(self) -> date:
        return self.size_known.ships_by

    @property
    def size_known_arrives_by(self) -> date:
        return self.size_known.arrives_by

    def story(self, path: MadeToOrderPath | str, decided: bool = False) -> PathStory:
        return path_story(
            path,
            fitting_ships_from=self.fitting_pair_ships.ships_from,
            fitting_ships_by=self.fitting_pair_ships.ships_by,
            ships_by=self.size_known.ships_by,
            arrives_by=self.size_known.arrives_by,
            notice_title=self.notice_title,
            extra_days=self.extra_days,
            decided=decided,
        )

    @property
    def stories(self) -> tuple[PathStory, PathStory]:
        """Both paths, for pages shown before the order is paid."""
        return (self.story(MadeToOrderPath.FITTING_FIRST), self.story(MadeToOrderPath.SIZE_KNOWN))


def made_to_order_plan(placed_at: datetime, notices: Sequence[NoticeCard | LeadTimeNotice] = (),
                       transit: DayRange | None = None) -> MadeToOrderPlan:
    """The dates of both made-to-order paths for a pair ordered at ``placed_at``.

    ``notices`` are the lead-time notices to consider (``catalog.upcoming_notices``):
    every one whose dates overlap the production period counts (``calendar.made_to_order_notices``);
    ``transit`` is the shipping option's transit (in-stock US transit by default).
    """
    start = calendar.order_day(placed_at)
    counted = calendar.made_to_order_notices(start, (notice_card(n) for n in notices))
    extra = sum(n.extra_days for n in counted)
    return MadeToOrderPlan(
        fitting_pair_ships=calendar.in_stock_promise(placed_at, ships=policy.FITTING_PAIR_SHIPS),
        size_known=calendar.made_to_order_promise(start, extra, transit=transit),
        production_days=policy.MADE_TO_ORDER_PRODUCTION_DAYS,
        notices=counted,
    )


def skips_fitting_pair(customer: Customer | None, size_halves: int, width: str) -> bool:
    """True when a pair in ``size_halves``/``width`` goes straight into production:
    it is exactly the customer's confirmed ALLY size. A known size vouches for that
    size only; another length or width is a size we have not fitted, so its fitting
    pair goes first."""
    return (customer is not None and customer.size_known
            and (customer.size_halves, customer.width) == (size_halves, width))


def _extra(extra_days: int, notice_title: str | None) -> str:
    if not extra_days:
        return ""
    return f", plus {extra_days} extra days for {notice_title}" if notice_title else f", plus {extra_days} extra days"


def path_story(path: MadeToOrderPath | str, *, fitting_ships_from: date | None, fitting_ships_by: date | None,
               ships_by: date | None, arrives_by: date | None, notice_title: str | None, extra_days: int,
               decided: bool) -> PathStory:
    """Word one made-to-order path. ``decided`` is True once the order says which path
    applies (after payment), False on pages that show both."""
    path = MadeToOrderPath(path)
    if path is MadeToOrderPath.FITTING_FIRST:
        title = ("Made to order, fitting pair first" if decided
                 else "If we do not know your ALLY size yet, or it is another size or width")
        sent = ""
        if fitting_ships_from and fitting_ships_by:
            window = (day(fitting_ships_from) if fitting_ships_from == fitting_ships_by
                      else f"{day(fitting_ships_from)} – {day(fitting_ships_by)}")
            sent = f", leaving our New York studio {window}"
        text = (f"We first send black fitting heels in this size with a measurement kit and a prepaid "
                f"return label{sent}. Once you confirm the fit, we make your pair within "
                f"{policy.MADE_TO_ORDER_PRODUCTION_DAYS} days{_extra(extra_days, notice_title)}, then ship it.")
        return PathStory(path, title, text)
    title = ("Made to order in your confirmed size" if decided
             else "If this size and width are your confirmed ALLY size")
    includes = f" (this includes {extra_days} extra days for {notice_title})" if extra_days and notice_title else ""
    dates = ""
    if ships_by:
        dates = f" It ships by {day(ships_by)}"
        dates += f" and arrives by {day(arrives_by)}{includes}." if arrives_by else f"{includes}."
    text = f"We start making your pair when you order.{dates}"
    return PathStory(path, title, text)


def line_story(line: OrderLine) -> PathStory | None:
    """The path an ordered made-to-order pair takes, in the same words as before paying
    (None for an in-stock pair)."""
    if not line.made_to_order or line.mto_path is None:
        return None
    return path_story(
        line.mto_path,
        fitting_ships_from=line.fitting_ships_from,
        fitting_ships_by=line.fitting_ships_by,
        ships_by=line.ships_by,
        arrives_by=line.arrives_by,
        notice_title=line.notice_title,
        extra_days=line.notice_extra_days,
        decided=True,
    )
