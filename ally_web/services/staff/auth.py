"""Staff sign-in with server-side sessions.

The session cookie carries a random token; its SHA-256 lives in `staff_sessions`.
Every request checks the row: signing out ends it (a copied cookie is dead), and
idle and absolute timeouts are measured on the server, not trusted to the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.emails import canonical_email
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import Staff, StaffRole, StaffSession

# Only refresh last_seen_at once a minute: fewer writes, same protection.
TOUCH_EVERY = timedelta(minutes=1)


class StaffUser:
    """What Flask-Login sees: a staff member signed in through one session."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, staff: Staff, staff_session: StaffSession, token: str):
        self.staff = staff
        self.staff_session = staff_session
        self._token = token

    @property
    def is_active(self) -> bool:
        return self.staff.active

    def get_id(self) -> str:
        return self._token

    @property
    def is_admin(self) -> bool:
        return self.staff.is_admin

    @property
    def name(self) -> str:
        return self.staff.name

    @property
    def actor(self) -> Actor:
        """This staff member as the actor of what they do."""
        return Actor.staff(self.staff.id, self.staff.name)


class Anonymous(AnonymousUserMixin):
    is_admin = False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_staff(email: str, name: str, password: str, role: StaffRole) -> Staff:
    email = canonical_email(email)
    if len(password) < 12:
        raise DomainError("Use at least 12 characters.", field="password")
    if db.session.scalar(select(Staff.id).where(Staff.email == email)):
        raise DomainError("A staff member with this email already exists.", field="email")
    staff = Staff(email=email, name=name.strip(), role=role, created_at=clock.now())
    staff.set_password(password)
    db.session.add(staff)
    db.session.flush()
    return staff


def authenticate(email: str, password: str) -> Staff:
    """Return the active staff member with these credentials, or raise DomainError."""
    staff = db.session.scalar(
        select(Staff).where(Staff.email == canonical_email(email))
    )
    if staff is None:
        # Spend the same work as a real check, so timing does not reveal emails.
        check_password_hash(_dummy_hash(), password)
    elif staff.active and staff.check_password(password):
        return staff
    raise DomainError("That email and password do not match an active staff account.")


def start_session(staff: Staff) -> StaffUser:
    token = secrets.token_urlsafe(32)
    moment = clock.now()
    staff_session = StaffSession(
        token_hash=_hash(token), staff=staff, created_at=moment, last_seen_at=moment
    )
    db.session.add(staff_session)
    db.session.flush()
    return StaffUser(staff, staff_session, token)


def end_session(user: StaffUser) -> None:
    if user.staff_session.ended_at is None:
        user.staff_session.ended_at = clock.now()


def _expired(staff_session: StaffSession) -> bool:
    config = current_app.config
    moment = clock.now()
    return (
        moment - staff_session.last_seen_at > config["STAFF_IDLE_TIMEOUT"]
        or moment - staff_session.created_at > config["STAFF_ABSOLUTE_TIMEOUT"]
    )


def load_user(token: str) -> StaffUser | None:
    """Flask-Login's user loader: a live session row, or nobody."""
    if not token or len(token) > 100:
        return None
    staff_session = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == _hash(token))
    )
    if staff_session is None or staff_session.ended_at is not None:
        return None
    if _expired(staff_session) or not staff_session.staff.active:
        return None  # timed out, or the account was disabled since
    return StaffUser(staff_session.staff, staff_session, token)


def touch_session(user: StaffUser) -> bool:
    """Record activity for the idle timeout; True when something changed."""
    moment = clock.now()
    if moment - user.staff_session.last_seen_at < TOUCH_EVERY:
        return False
    user.staff_session.last_seen_at = moment
    return True


def list_staff() -> list[Staff]:
    return list(db.session.scalars(select(Staff).order_by(Staff.role, Staff.name)))
