"""Domain errors raised by services and turned into messages by the views."""


class DomainError(Exception):
    """A rule of the business refused the request; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist (or is not the caller's to see)."""
