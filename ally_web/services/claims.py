"""Claiming work for one job runner, when every machine runs `flask ally jobs`.

A job that does something once per row (send an email, remind a customer, charge a
card) takes its rows with :func:`claim`. The claim is a stamp the job chooses (say
``claimed_at=now, attempts=attempts + 1``) that makes the row stop matching the job's
conditions, committed *before* the work is done, so:

* On PostgreSQL the rows are picked with ``SELECT … FOR UPDATE SKIP LOCKED``: two
  runners picking at the same moment take different rows and never wait on each
  other; the UPDATE then stamps them inside the same transaction.
* On SQLite there are no row locks; the UPDATE re-checks the conditions and
  ``RETURNING`` says which rows this runner really stamped. `flask ally jobs` also
  lets only one runner work on a SQLite database at a time (ally_web/jobs.py).
* A runner that dies after claiming leaves its stamp: the job's conditions decide when
  such a claim is stale and may be taken again (e.g. ``claimed_at < now - 10 min``).

Usage, from a job (see deliver_outbox in ally_web/jobs.py)::

    for _ in range(batch):
        ids = claim(Reminder, Reminder.sent_at.is_(None), Reminder.due_at <= now,
                    or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - STALE),
                    order_by=[Reminder.id], stamp={"claimed_at": now})
        if not ids:
            break
        ...do the work for ids[0], then mark it done and commit...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update

from ally_web.extensions import db


def claim(
    model: Any,
    *conditions: ColumnElement[bool],
    order_by: Sequence[Any],
    stamp: Mapping[str, Any],
    limit: int = 1,
) -> list[int]:
    """Take up to `limit` rows of `model` that match `conditions` and that no other
    runner holds; stamp them with `stamp` and commit. Returns the ids taken (maybe
    none). Commits: call it with nothing else pending in the session.

    `stamp` must make a row stop matching `conditions`, or the next call (or runner)
    takes it again."""
    session = db.session
    session.commit()  # a fresh transaction: see what other runners committed meanwhile
    pick = select(model.id).where(*conditions).order_by(*order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    candidates = list(session.scalars(pick))
    if not candidates:
        session.rollback()
        return []
    taken = list(session.scalars(
        update(model)
        .where(model.id.in_(candidates), *conditions)
        .values(**stamp)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ))
    session.commit()
    return sorted(taken)
