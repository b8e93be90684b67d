"""Returns and exchanges (/exchange): what may go back and why not, and a request's
lifecycle (``states.py``). The request pages, labels, inspection and refunds build
on these."""

from ally_web.services.returns.rules import Choice, Returnable, check_choices, returnable_lines

__all__ = ["Choice", "Returnable", "check_choices", "returnable_lines"]
