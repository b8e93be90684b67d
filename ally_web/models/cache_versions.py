"""Version numbers that let every process know its caches are out of date.

A process may keep what rarely changes in memory, keyed on the row's version here:
the lead-time notices (``NOTICES``: any change to the table through the ORM bumps the
version in the same transaction, by a flush listener below; a bulk UPDATE/DELETE that
bypasses the ORM must call :func:`bump` itself) and the shop's style list
(``CATALOG``: the catalog services bump it with every change shoppers see - prices,
names, pictures, what is hidden). Every process on every machine sees a change on its
next read of the version - one primary-key lookup - and rebuilds its copy.

A process may also read the version only every few seconds (the catalog's
``CATALOG_FRESH_SECONDS``): :func:`bumped_here` counts the bumps this process itself
committed, so its own changes are seen at once and only other processes' changes wait
for the next read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from ally_web.extensions import Model
from ally_web.models.catalog import LeadTimeNotice

NOTICES = "lead_time_notices"
CATALOG = "catalog"

# Model -> the version its changes bump.
WATCHED: dict[type, str] = {LeadTimeNotice: NOTICES}


class CacheVersion(Model):
    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)


def current_version(session: Session | scoped_session[Any], name: str) -> int:
    """The version now (0 when no change was ever recorded)."""
    return session.scalar(select(CacheVersion.version).where(CacheVersion.name == name)) or 0


_bumped_here: dict[str, int] = {}  # name -> commits of this process that bumped it


def bumped_here(name: str) -> int:
    """How many commits of this process have bumped `name` (a change to compare)."""
    return _bumped_here.get(name, 0)


def bump(session: Session | scoped_session[Any], name: str) -> None:
    """Mark `name`'s cached copies stale, in the caller's transaction."""
    session.info.setdefault("ally_bumped", set()).add(name)
    # On the flush's own connection, as Core statements: no ORM flush inside a flush.
    connection = session.connection()
    bumped = connection.execute(
        update(CacheVersion).where(CacheVersion.name == name).values(version=CacheVersion.version + 1)
    )
    if bumped.rowcount == 0:  # never recorded (a database built without the migration's row)
        connection.execute(insert(CacheVersion).values(name=name, version=2))


@event.listens_for(Session, "after_flush")
def _bump_changed(session: Session, flush_context) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    changed = {WATCHED[type(obj)] for obj in (*session.new, *session.dirty, *session.deleted) if type(obj) in WATCHED}
    for name in sorted(changed):
        bump(session, name)


@event.listens_for(Session, "after_commit")
def _count_bumps_here(session: Session) -> None:
    for name in session.info.pop("ally_bumped", ()):
        _bumped_here[name] = _bumped_here.get(name, 0) + 1


@event.listens_for(Session, "after_rollback")
def _forget_bumps(session: Session) -> None:
    session.info.pop("ally_bumped", None)
