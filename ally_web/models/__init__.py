"""SQLAlchemy models, one module per aggregate."""

from ally_web.models.catalog import Colour, LeadTimeNotice, Style, Variant
from ally_web.models.staff import Staff, StaffRole, StaffSession

__all__ = [
    "Colour",
    "LeadTimeNotice",
    "Staff",
    "StaffRole",
    "StaffSession",
    "Style",
    "Variant",
]
