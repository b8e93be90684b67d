"""Pairs back from a trial: received at the studio, then inspected.

A pair sent back must come back in the condition it left in (tried indoors, sole
protectors on). Staff accept it, or charge the damage fee (``policy.TRIAL_DAMAGE_FEE_CENTS``)
with a reason the customer reads and 1 to ``policy.RETURN_PHOTOS_PER_PAIR`` photos of the
damage (checked and re-encoded like a return's photos, kept privately, shown to staff
and, on the trial's signed page, to the customer); the fee is its own charge, with its
own key, so it is made once whatever else the box owes. Accepted new pairs go back on the shop's
shelf (the ledger says "trial pairs back"); samples go back to the studio's sample
shelf, which the shop's stock does not count. A box whose window ended with no answer
takes no returns: its pairs were charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ally_web import policy
from ally_web.core import clock
from ally_web.core.actors import Actor
from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.models import (
    EventKind,
    MovementReason,
    TrialBox,
    TrialChargeKind,
    TrialCondition,
    TrialDecision,
    TrialPair,
    TrialPhoto,
)
from ally_web.services import media
from ally_web.services.catalog import lock_stock, put_back
from ally_web.services.lifecycle import record_event
from ally_web.services.notifications import enqueue_email
from ally_web.services.orders import status_url
from ally_web.services.returns import PHOTO_KINDS, Upload, check_photos, kept_photos
from ally_web.services.trial.charges import add_charge
from ally_web.services.trial.closing import close_if_finished

MAX_NOTE = 500
PHOTO_FOLDER = "trial-photos"  # inside MEDIA_DIR; /media/<name> cannot reach into it
PHOTOS_NEEDED = (f"Please add 1 to {policy.RETURN_PHOTOS_PER_PAIR} photos of the damage ({PHOTO_KINDS}): "
                 "the customer sees them with the fee.")


def coming_back(box: TrialBox):
    """The pairs the customer sends back (both rounds of an exchanged box)."""
    return [p for p in box.pairs if p.decision is TrialDecision.RETURN]


def boxes_with_returns() -> list[TrialBox]:
    """The staff queue: boxes with pairs on their way back or waiting for
    inspection, the earliest decided first."""
    return list(db.session.scalars(
        select(TrialBox).join(TrialPair)
        .where(TrialPair.decision == TrialDecision.RETURN, TrialPair.accepted.is_(None))
        .options(joinedload(TrialBox.order), selectinload(TrialBox.pairs).joinedload(TrialPair.line))
        .order_by(TrialBox.decided_at, TrialBox.id)
    ).unique().all())


def receive(box: TrialBox, actor: Actor) -> int:
    """The return parcel is at the studio: its pairs are received."""
    waiting = [p for p in coming_back(box) if p.received_at is None]
    if not waiting:
        raise DomainError("No pairs of this box are on their way back.")
    moment = clock.now()
    for pair in waiting:
        pair.received_at = moment
    return len(waiting)


def inspect(box: TrialBox, verdicts: Mapping[int, tuple[bool | None, str]], actor: Actor,
            photos: Mapping[int, list[Upload]] | None = None) -> int:
    """Each received pair accepted, or refused with a reason and photos (the damage
    fee). Returns the number of damage fees. Raises DomainError naming ``pair-<id>``
    (or ``photos-<id>``); nothing is kept until every pair is in order."""
    order = box.order
    assert order is not None
    pairs = [p for p in coming_back(box) if p.received_at is not None and p.accepted is None]
    if not pairs:
        raise DomainError("Nothing is waiting for inspection: receive the parcel first.")
    for pair in pairs:
        accepted, note = verdicts.get(pair.id, (None, ""))
        if accepted is None:
            raise DomainError("Please accept each pair or charge the damage fee.", field=f"pair-{pair.id}")
        if not accepted and not " ".join(note.split()):
            raise DomainError("Please say what is damaged: the customer reads it.", field=f"pair-{pair.id}")
    cleaned: dict[int, list[media.CleanImage]] = {}
    for pair in pairs:
        if verdicts[pair.id][0] is False:
            cleaned[pair.id], problem = check_photos(list((photos or {}).get(pair.id, [])), missing=PHOTOS_NEEDED)
            if problem:
                raise DomainError(problem, field=f"photos-{pair.id}")
    moment = clock.now()
    fees = []
    lock_stock(pair.line.variant_id for pair in pairs)  # pairs back on the shelf: rows in one lock order
    for pair in pairs:
        accepted, note = verdicts[pair.id]
        pair.accepted = accepted
        pair.inspection_note = " ".join(note.split())[:MAX_NOTE]
        record_event(order, EventKind.TRIAL_PAIR_INSPECTED, actor, line_id=pair.order_line_id, accepted=accepted,
                     note=pair.inspection_note)
        if accepted and pair.condition is TrialCondition.NEW:
            put_back([(pair.line.variant_id, 1)], reason=MovementReason.TRIAL_IN, actor=actor,
                     note=f"Trial #{order.number}")
        if not accepted:
            pair.photos.extend(kept_photos(cleaned[pair.id], TrialPhoto, moment, PHOTO_FOLDER))
            fees.append(add_charge(box, TrialChargeKind.DAMAGE, policy.TRIAL_DAMAGE_FEE_CENTS, pair=pair,
                                   reason=pair.inspection_note))
    enqueue_email(to=order.email, subject=f"Your ALLY trial #{order.number}: your pairs are back",
                  template="trial_inspected", kind="trial_inspected", order_id=order.id, order=order, box=box,
                  pairs=pairs, fees=fees, status_url=status_url(order))
    close_if_finished(box, actor)
    return len(fees)


def damage_photo(box: TrialBox, photo_id: int) -> tuple[TrialPhoto, Path] | None:
    """One of this box's damage photos and its file, or None (another box's, or gone)."""
    photo = next((p for pair in box.pairs for p in pair.photos if p.id == photo_id), None)
    path = media.kept_path(photo.name, PHOTO_FOLDER) if photo else None
    return (photo, path) if photo and path else None
