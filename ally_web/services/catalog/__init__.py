"""The catalog: styles, colours and sized variants; what a chosen pair costs, whether
it is in stock and when it would arrive; lead-time notices; stock taken and put back."""

from ally_web.services.catalog.browse import (
    Availability,
    Choice,
    ColourCard,
    MadeToOrderPlan,
    NoticeCard,
    StockRow,
    StyleCard,
    active_notice,
    availability,
    choose_variant,
    forget_notices,
    get_style,
    list_styles,
    parse_size,
    stock_summary,
    style_cards,
    todays_notice,
    upcoming_notices,
)
from ally_web.services.catalog.made_to_order import PathStory, line_story, made_to_order_plan, path_story
from ally_web.services.catalog.stock import put_back, take_stock

__all__ = [
    "Availability",
    "Choice",
    "ColourCard",
    "MadeToOrderPlan",
    "NoticeCard",
    "PathStory",
    "StockRow",
    "StyleCard",
    "active_notice",
    "availability",
    "choose_variant",
    "forget_notices",
    "get_style",
    "line_story",
    "list_styles",
    "made_to_order_plan",
    "parse_size",
    "path_story",
    "put_back",
    "stock_summary",
    "style_cards",
    "take_stock",
    "todays_notice",
    "upcoming_notices",
]
