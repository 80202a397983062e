"""Keeping promises when the factory changes (DESIGN.md): the rules, on an engine, with no I/O.

After a change, `breakage` finds the over-booked work-center days and the short items, and
`Breakage.breaks` tells whether a reservation counts on them. `repromise` releases every broken
order at once and places them again one by one, confirmed before held, then earlier promised date,
then booked first (`place_again`, one order, without booking it): on its promised date when it
still fits, else just in time for its new earliest date (moved), else nowhere (at risk).
`pull_back` brings moved orders back toward their promised date when capacity or material has
come back, until nothing moves.

The callers find the broken orders among their reservations, then keep what these functions
decide: bot.promising.orders stores it; the simulation's `ctp-repromise` (capacity.simulation.run)
books it in its plant and tells the customer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from capacity.engine import Engine
from capacity.model import Placement

OVER = 1e-6
"""How far over capacity (hours) or below its floor (stock) counts as broken, beyond rounding."""

Outcome = Literal["kept", "moved", "at_risk"]


@dataclass(frozen=True)
class Breakage:
    """What a change left over-booked: work-center days, and each short item's last short day."""

    hours: frozenset[tuple[str, date]]
    stock: Mapping[str, date]

    def __bool__(self) -> bool:
        return bool(self.hours or self.stock)

    def breaks(self, placement: Placement) -> bool:
        """Whether a reservation holds hours on an over-booked day, or stock of a short item on
        or before its last short day (its own planned purchases do not count)."""
        if any((use.work_center, use.on) in self.hours for use in placement.hours):
            return True
        return any(
            use.sku in self.stock and use.on <= self.stock[use.sku] for use in placement.stock
        )


def breakage(
    engine: Engine,
    *,
    work_centers: Iterable[str] | None = None,
    skus: Iterable[str] | None = None,
) -> Breakage:
    """The over-booked days and short items of `engine` as it now stands (DESIGN item 1).

    After a change to a state that was whole, only what the change touched can break: a
    capacity change its work center's days, a receipt or a count its item. `work_centers` and
    `skus` limit the search to them (None: everything, as a re-plan from scratch needs)."""
    return Breakage(
        frozenset(engine.overbooked(over=OVER, work_centers=work_centers)),
        engine.short_items(over=OVER, skus=skus),
    )


@dataclass(frozen=True)
class Commitment:
    """An open promise as the re-plan sees it."""

    id: int
    """Booking order: the smaller id was booked first."""
    sku: str
    qty: int
    promised_on: date
    """The date promised to the customer; a moved order keeps its old date here."""
    confirmed: bool
    rush: bool = False
    placement: Placement | None = None
    """What it holds now; None when it holds nothing."""
    moved_to: date | None = None
    """The day it is booked on while moved (not yet answered by its owner); None otherwise."""


def replan_order(commitment: Commitment) -> tuple[bool, date, int]:
    """Confirmed before held, then earlier promised date, then booked first."""
    return (not commitment.confirmed, commitment.promised_on, commitment.id)


@dataclass(frozen=True)
class Replaced:
    """Where a released order went: `placement` on `on`, or nowhere (at risk)."""

    commitment: Commitment
    placement: Placement | None

    @property
    def on(self) -> date | None:
        return self.placement.on if self.placement else None

    @property
    def outcome(self) -> Outcome:
        if self.placement is None:
            return "at_risk"
        return "kept" if self.placement.on == self.commitment.promised_on else "moved"

    @property
    def after(self) -> Commitment:
        """The commitment as it now stands."""
        moved = self.outcome == "moved"
        return dataclasses.replace(
            self.commitment,
            placement=self.placement,
            moved_to=self.on if moved else None,
        )


def broken(found: Breakage, commitments: Iterable[Commitment]) -> list[Commitment]:
    """The commitments whose reservation `found` breaks, in re-plan order."""
    hit = [c for c in commitments if c.placement is not None and found.breaks(c.placement)]
    return sorted(hit, key=replan_order)


def repromise(engine: Engine, orders: Sequence[Commitment]) -> list[Replaced]:
    """Release every order of `orders` at once, then place each again in re-plan order (DESIGN
    item 2). `engine` is left with the new placements booked; the result is in placing order."""
    for commitment in orders:
        if commitment.placement is not None:
            engine.release(commitment.placement)
    placed: list[Replaced] = []
    for commitment in sorted(orders, key=replan_order):
        done = place_again(engine, commitment)
        if done.placement is not None:
            engine.apply(done.placement)
        placed.append(done)
    return placed


def place_again(engine: Engine, c: Commitment) -> Replaced:
    """Where a released order goes (DESIGN item 2), without booking it: on its promised date if
    a hold there would be accepted, else just in time for P = max(D', R) (the quote's earliest),
    else nowhere (at risk: P beyond the horizon). R is computed once. `c`'s own placement is
    not looked at: release it first."""
    ready = engine.readiness(c.sku, c.qty, rush=c.rush)
    wanted = max(c.promised_on, engine.as_of)
    if ready is None or wanted > engine.horizon_end:
        return Replaced(c, None)
    on = c.promised_on if engine.as_of <= c.promised_on and ready <= c.promised_on else None
    on = on or max(wanted, ready)
    return Replaced(c, engine.place(c.sku, c.qty, on, rush=c.rush, ready=ready))


def pull_back(engine: Engine, moved: Sequence[Commitment]) -> list[Replaced]:
    """Bring moved orders back toward their promised date (DESIGN item 4).

    In re-plan order, each is released alone and placed on the earliest day from its promised
    date (the planning date, if that is past) to the day it is booked on that fits; when none
    before that day fits it keeps its reservation exactly. Passes repeat until one moves nothing.
    Returns the orders that went to another day, each once, with where it went last.
    """
    current = {c.id: c for c in moved if c.placement is not None and c.moved_to is not None}
    changed: dict[int, Replaced] = {}
    first: dict[int, Commitment] = dict(current)
    while True:
        moved_any = False
        for c in sorted(current.values(), key=replan_order):
            assert c.placement is not None and c.moved_to is not None
            engine.release(c.placement)
            ready = engine.readiness(c.sku, c.qty, rush=c.rush)
            day = None if ready is None else max(c.promised_on, engine.as_of, ready)
            if day is None or day >= c.placement.on:
                engine.apply(c.placement)
                continue
            placement = engine.place(c.sku, c.qty, day, rush=c.rush, ready=ready)
            engine.apply(placement)
            done = Replaced(first[c.id], placement)
            changed[c.id] = done
            moved_any = True
            if done.outcome == "moved":
                current[c.id] = dataclasses.replace(c, placement=placement, moved_to=day)
            else:
                del current[c.id]
        if not moved_any:
            return list(changed.values())
