"""Paying in installments: whether an order may, and the schedule the shopper sees.

The schedule itself is the pay-later provider's rule (``installment_schedule`` in the
payments gateway: equal payments every two weeks, odd cents first); the shop decides
only who is offered it: US shoppers, in-stock pairs (a pre-order is outside the
provider's rules), totals within the brand's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ally_web import policy
from ally_web.gateways.payments import (
    Installment,
    InstallmentsAfterRefunds,
    installment_schedule,
    installments_after_refunds,
)

__all__ = ["Installment", "InstallmentOffer", "InstallmentsAfterRefunds", "installment_offer", "installment_schedule",
           "installments_after_refunds"]


@dataclass(frozen=True)
class InstallmentOffer:
    available: bool
    reason: str  # why not, in plain words, when unavailable
    schedule: tuple[Installment, ...] = ()


def installment_offer(country: str, has_made_to_order: bool, total_cents: int, today: date) -> InstallmentOffer:
    if country != "US":
        return InstallmentOffer(False, "Paying in installments is open to US residents shipping to the US.")
    if has_made_to_order:
        return InstallmentOffer(
            False,
            "Made-to-order pairs can't be paid in installments: the provider only covers "
            "pairs that ship now. Pay by card, or order in-stock pairs separately.",
        )
    if not policy.INSTALLMENT_MIN_CENTS <= total_cents <= policy.INSTALLMENT_MAX_CENTS:
        return InstallmentOffer(
            False,
            f"Installments are available for orders between ${policy.INSTALLMENT_MIN_CENTS // 100} "
            f"and ${policy.INSTALLMENT_MAX_CENTS // 100:,}.",
        )
    return InstallmentOffer(True, "", tuple(installment_schedule(total_cents, today)))
