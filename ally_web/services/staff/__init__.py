"""Staff accounts and their server-side sign-in sessions."""

from ally_web.services.staff.auth import (
    Anonymous,
    StaffUser,
    authenticate,
    create_staff,
    end_session,
    list_staff,
    load_user,
    start_session,
    touch_session,
)
from ally_web.services.staff.guessing import note_failed_sign_in

__all__ = [
    "Anonymous",
    "StaffUser",
    "authenticate",
    "create_staff",
    "end_session",
    "list_staff",
    "load_user",
    "note_failed_sign_in",
    "start_session",
    "touch_session",
]
