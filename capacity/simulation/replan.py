"""Keeping promises when the factory changes (DESIGN.md, items 1 and 2), on an engine alone.

These are the rules the simulation's `ctp-repromise` policy follows after each disruption, kept
apart from the simulation and free of any storage so that the order service can share them:
`overbooked` and `short_until` find what a change broke, `breaks` whether one reservation counts
on it, `replan_order` sorts the broken orders for re-placing, and `place_again` places one
released order again (on its promised date when it still fits, else just in time for its new
earliest date, else nowhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from capacity.engine import Engine
from capacity.model import Placement

OVER = 1e-6
"""How far over capacity (hours) or below its floor (stock) counts as broken, beyond rounding."""

Outcome = Literal["kept", "moved", "at_risk"]


def overbooked(engine: Engine, days: Iterable[tuple[str, date]]) -> set[tuple[str, date]]:
    """Those of `days` (work center, day) whose reserved hours exceed the whole capacity."""
    return {
        (code, on)
        for code, on in days
        if engine.reserved(code, on) > engine.capacity(code, on) + OVER
    }


def short_until(
    engine: Engine, sku: str, on_hand: float, receipts: Mapping[date, float]
) -> date | None:
    """The last day on which allocations push `sku`'s PAB below zero, or below where it stands
    with no reservation at all when that is negative; None when they never do.

    `on_hand` and `receipts` (day → quantity) are the item's supply as it now stands, the
    change included; a receipt dated before as_of counts from as_of.
    """
    h = engine.horizon_days
    moves = np.zeros(h)
    moves[0] = on_hand
    for on, qty in receipts.items():
        i = engine.index(on)
        if i < h:
            moves[max(i, 0)] += qty
    bare = np.cumsum(moves) - engine.items[sku].safety_stock
    short = engine.pab_series(sku) < np.minimum(bare, 0.0) - OVER
    if not short.any():
        return None
    return engine.day(int(h - 1 - np.argmax(short[::-1])))


def breaks(
    placement: Placement, hours: set[tuple[str, date]], short: Mapping[str, date], today: date
) -> bool:
    """Whether a reservation holds hours on an over-booked day, or stock of a short item from
    `today` to its last short day (its own planned purchases do not count, nor stock it took
    before today: that is spent)."""
    if any((use.work_center, use.on) in hours for use in placement.hours):
        return True
    return any(use.sku in short and today <= use.on <= short[use.sku] for use in placement.stock)


def replan_order(confirmed: bool, promised_on: date, booked: int) -> tuple[bool, date, int]:
    """The order broken orders are placed again in: confirmed before held, then earlier
    promised date first, then the order booked first."""
    return (not confirmed, promised_on, booked)


@dataclass(frozen=True)
class Replaced:
    """Where a released order went: `kept` on its promised date, `moved` to `on` (its new
    earliest date), or `at_risk` with no placement (nothing fits within the horizon)."""

    outcome: Outcome
    on: date | None
    placement: Placement | None


def place_again(
    engine: Engine, sku: str, qty: int, promised_on: date, *, rush: bool = False
) -> Replaced:
    """Place a released order again (DESIGN item 2), without booking it: as a hold of its
    quantity on its promised date would be; if that is refused, just in time for P, the
    earliest date its quantity can be ready from now on; if P is beyond the horizon, nowhere."""
    ready = engine.readiness(sku, qty, rush=rush)
    if ready is None:
        return Replaced("at_risk", None, None)
    if engine.as_of <= promised_on <= engine.horizon_end and ready <= promised_on:
        return Replaced("kept", promised_on, engine.place(sku, qty, promised_on, rush=rush))
    return Replaced("moved", ready, engine.place(sku, qty, ready, rush=rush))
