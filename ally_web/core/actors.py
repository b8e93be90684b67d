"""Who did something: every state change and timeline event names its actor.

Services take the actor explicitly (a view passes the signed-in staff member, the
checkout passes the customer, a webhook the provider), so a timeline can always say
who moved an order, and nothing reads "the current user" behind a service's back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ActorKind(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"  # the store itself: a timed job, a rule applied on its own
    PAYMENT_PROVIDER = "payment_provider"  # the provider's signed webhook
    CARRIER = "carrier"  # the carrier-tracking webhook


_LABELS = {
    ActorKind.CUSTOMER: "customer",
    ActorKind.SYSTEM: "system",
    ActorKind.PAYMENT_PROVIDER: "payment provider",
    ActorKind.CARRIER: "carrier tracking",
}


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    staff_id: int | None = None
    name: str = ""  # a staff member's name as it was when they acted

    @classmethod
    def staff(cls, staff_id: int, name: str) -> Actor:
        return cls(ActorKind.STAFF, staff_id, name)

    @property
    def label(self) -> str:
        """"staff: Sam Rivera", "customer", "carrier tracking"…"""
        if self.kind is ActorKind.STAFF:
            return f"staff: {self.name}"
        return _LABELS[self.kind]

    def __str__(self) -> str:
        return self.label


CUSTOMER = Actor(ActorKind.CUSTOMER)
SYSTEM = Actor(ActorKind.SYSTEM)
PAYMENT_PROVIDER = Actor(ActorKind.PAYMENT_PROVIDER)
CARRIER = Actor(ActorKind.CARRIER)
