"""Made-to-order pairs after the order: the fitting pair on loan, the fit result at
/fit-result, the stylist's confirmation, production with its due date, lead-time
notices that move it, and the reminders.

The pair's lifecycle table is ``orders.states.MADE_TO_ORDER`` (the order's parcels
move it too); the dates and words before the order are ``catalog.made_to_order``.
"""

from ally_web.services.made_to_order.fit_questions import (
    FEET,
    QUESTIONS,
    Suggestion,
    answer_words,
    missing_answers,
    size_label,
    suggest_size,
)
from ally_web.services.made_to_order.fit_results import (
    MAX_REASON_LENGTH,
    EarlierAnswers,
    FitAnswers,
    FitResultInvalid,
    answers_of,
    earlier_answers,
    fitting_line,
    fitting_lines,
    open_for_result,
    submit_fit_result,
    suggestion_for,
)
from ally_web.services.made_to_order.fitting_pairs import (
    Loaner,
    fit_result_url,
    fitting_pairs_out,
    ship_fitting_pair,
)
from ally_web.services.made_to_order.notices import (
    NoticeInput,
    NoticeInvalid,
    get_notice,
    list_notices,
    redate_production,
    save_notice,
)
from ally_web.services.made_to_order.production import (
    BoardRow,
    DueDate,
    awaiting_fitting_pairs,
    confirm_fit,
    due_date,
    fit_queue,
    get_line,
    mark_made,
    production_board,
    queue_counts,
    set_due_date,
)
from ally_web.services.made_to_order.reminders import send_fit_reminders, send_fitting_return_reminders

__all__ = [
    "FEET",
    "MAX_REASON_LENGTH",
    "QUESTIONS",
    "BoardRow",
    "DueDate",
    "EarlierAnswers",
    "FitAnswers",
    "FitResultInvalid",
    "Loaner",
    "NoticeInput",
    "NoticeInvalid",
    "Suggestion",
    "answer_words",
    "answers_of",
    "awaiting_fitting_pairs",
    "confirm_fit",
    "due_date",
    "earlier_answers",
    "fit_queue",
    "fit_result_url",
    "fitting_line",
    "fitting_lines",
    "fitting_pairs_out",
    "get_line",
    "get_notice",
    "list_notices",
    "mark_made",
    "missing_answers",
    "open_for_result",
    "production_board",
    "queue_counts",
    "redate_production",
    "save_notice",
    "send_fit_reminders",
    "set_due_date",
    "send_fitting_return_reminders",
    "ship_fitting_pair",
    "size_label",
    "submit_fit_result",
    "suggest_size",
    "suggestion_for",
]
