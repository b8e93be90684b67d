"""Lifecycles: the states an object goes through and the moves allowed between them.

Each lifecycle (a checkout, a shipment, a made-to-order pair, and later a return or a
trial box) is declared once, as data, in its domain's ``states.py``: a ``StrEnum`` of
its states and a table of allowed moves, each naming the timeline event it records
(or none). ``ally_web.services.lifecycle.transition`` is the one function that moves
an object; it asks the table first, so an illegal move is refused with a message that
names both states, whoever asks.

How to read a table (``flask ally lifecycles`` prints them all, and
``docs/lifecycles.md`` holds the same tables): each row is one allowed move, "from"
→ "to", and the event the move appends to the order's timeline. A state with no
row leaving it is final. Anything not in the table is refused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ally_web.core.errors import DomainError

S = TypeVar("S", bound=enum.StrEnum)


class IllegalTransition(DomainError):
    """The lifecycle's table has no such move."""

    def __init__(self, lifecycle: str, source: object, target: object):
        super().__init__(f"A {lifecycle} cannot go from “{_words(source)}” to “{_words(target)}”.")
        self.lifecycle = lifecycle
        self.source = source
        self.target = target


class ChangedMeanwhile(DomainError):
    """Someone else moved the object first (two staff, a webhook and a page racing)."""


def _words(state: object) -> str:
    return str(state).replace("_", " ") if state is not None else "nothing"


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """One lifecycle: its states, where objects start, and the allowed moves.

    ``moves`` maps (from, to) to the timeline event kind the move records, or None
    for a move that is not worth a line on the customer's timeline.
    """

    name: str
    states: type[S]
    initial: tuple[S, ...]
    moves: Mapping[tuple[S, S], str | None]
    attribute: str = "state"  # the model attribute that holds the state
    _targets: dict[S, tuple[S, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        targets: dict[S, list[S]] = {}
        for source, target in self.moves:
            for state in (source, target):
                if not isinstance(state, self.states):
                    raise TypeError(f"{self.name}: {state!r} is not a {self.states.__name__}")
            targets.setdefault(source, []).append(target)
        object.__setattr__(self, "_targets", {s: tuple(t) for s, t in targets.items()})

    def event_for(self, source: S | None, target: S) -> str | None:
        """The event the move records; raises IllegalTransition if the table forbids it."""
        if source is None and target in self.initial:
            return None
        if (source, target) not in self.moves:
            raise IllegalTransition(self.name, source, target)
        return self.moves[(source, target)]  # type: ignore[index]

    def can_move(self, source: S | None, target: S) -> bool:
        return (source is None and target in self.initial) or (source, target) in self.moves

    def targets(self, source: S) -> tuple[S, ...]:
        return self._targets.get(source, ())

    def final_states(self) -> tuple[S, ...]:
        """States nothing leaves (a state may still repeat itself, e.g. a newer scan)."""
        return tuple(s for s in self.states if set(self.targets(s)) <= {s})

    def rows(self) -> list[tuple[str, str, str]]:
        """(from, to, event) for every allowed move, in the enum's order."""
        order = {state: index for index, state in enumerate(self.states)}
        moves = sorted(self.moves.items(), key=lambda item: (order[item[0][0]], order[item[0][1]]))
        return [(str(a), str(b), event or "") for (a, b), event in moves]

    def table(self) -> str:
        """The table as Markdown: what the README and docs show."""
        lines = [
            f"### {self.name.capitalize()}",
            "",
            f"Starts as: {', '.join(f'`{s}`' for s in self.initial)}. "
            f"Final: {', '.join(f'`{s}`' for s in self.final_states()) or 'none'}.",
            "",
            "| from | to | timeline event |",
            "|---|---|---|",
        ]
        lines += [f"| `{a}` | `{b}` | {f'`{e}`' if e else '—'} |" for a, b, e in self.rows()]
        return "\n".join(lines)


def moves(pairs: Iterable[tuple[S, S, str | None]]) -> dict[tuple[S, S], str | None]:
    """Build a move table from (from, to, event) triples."""
    table: dict[tuple[S, S], str | None] = {}
    for source, target, event in pairs:
        if (source, target) in table:
            raise ValueError(f"move {source} → {target} listed twice")
        table[(source, target)] = event
    return table
