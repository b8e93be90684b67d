"""Returns (/exchange): what may go back and why not (``rules.py``), the customer's
request with its label or tracking (``requests.py``) and the photos of a damaged pair
(``photos.py``), staff review, receipt,
inspection and refund (``handling.py``), and pairs refused as worn shipped back
(``sent_back.py``); the request's lifecycle is ``states.py``.
Exchanges for another size are ``exchanges.py``."""

from ally_web.services.returns.exchanges import Option, exchange_options, suggested
from ally_web.services.returns.feedback import STATE_WORDS, SizeFeedback, feedback_summary, requests_for
from ally_web.services.returns.handling import (
    Decision,
    chase_missing_parcels,
    follow_return_parcels,
    get_request,
    inspect,
    list_requests,
    mark_received,
    refund_for,
    review,
)
from ally_web.services.returns.photos import KINDS as PHOTO_KINDS
from ally_web.services.returns.photos import Upload, check_photos, content_type, kept_photos, photo_file, read_uploads
from ally_web.services.returns.requests import (
    CONDITIONS,
    REASONS,
    ItemInput,
    RequestInput,
    RequestInvalid,
    add_tracking,
    create_request,
    find_request,
    label_pdf,
)
from ally_web.services.returns.rules import Choice, Returnable, check_choices, returnable_lines
from ally_web.services.returns.sent_back import refused_items, requests_to_send_back, send_back, waiting_to_send_back

__all__ = [
    "CONDITIONS",
    "REASONS",
    "STATE_WORDS",
    "Choice",
    "Decision",
    "Option",
    "ItemInput",
    "RequestInput",
    "RequestInvalid",
    "Returnable",
    "SizeFeedback",
    "PHOTO_KINDS",
    "Upload",
    "add_tracking",
    "chase_missing_parcels",
    "check_choices",
    "check_photos",
    "content_type",
    "create_request",
    "exchange_options",
    "feedback_summary",
    "follow_return_parcels",
    "find_request",
    "get_request",
    "inspect",
    "kept_photos",
    "label_pdf",
    "list_requests",
    "mark_received",
    "photo_file",
    "read_uploads",
    "refund_for",
    "refused_items",
    "requests_for",
    "requests_to_send_back",
    "returnable_lines",
    "review",
    "send_back",
    "suggested",
    "waiting_to_send_back",
]
