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

__all__ = [
    "Anonymous",
    "StaffUser",
    "authenticate",
    "create_staff",
    "end_session",
    "list_staff",
    "load_user",
    "start_session",
    "touch_session",
]
