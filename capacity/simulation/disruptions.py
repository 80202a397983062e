"""What goes wrong in a simulation: breakdowns and late deliveries (DESIGN.md, "Simulating
promise reliability", Disruptions).

A seed fixes them for every policy alike. Breakdowns and the factory's scheduled receipts are
drawn up front. Planned purchases exist only once a policy has planned them, and each policy
plans its own; so whether one is late is drawn from a hash of (seed, order, sku, how many of
that order's purchases of that sku fell due before): the same order's purchase of the same part
is late by the same days under every policy that buys it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from capacity.calendar import daily_capacity
from capacity.model import Factory, Receipt

BREAKDOWN_CHANCE = 1 / 60
"""Each work center, each of its workdays, starts a breakdown with this probability."""
BREAKDOWN_MORE = 0.5
"""Each further workday follows with this probability: 1 + geometric, 2 workdays in all on
average."""
LATE_CHANCE = 0.15
LATE_DAYS = (1, 7)


@dataclass(frozen=True)
class Breakdown:
    """`work_center` has no capacity on `days` (its workdays from `starts_on`); known from then."""

    work_center: str
    starts_on: date
    days: tuple[date, ...]


@dataclass(frozen=True)
class Disruptions:
    """Breakdowns, and which deliveries are late by how many days (0: on time)."""

    breakdowns: tuple[Breakdown, ...] = ()
    late_receipts: Mapping[Receipt, int] = field(default_factory=dict)
    """Scheduled receipts that arrive late, by the days they are late."""
    late_on: Mapping[tuple[str, date], int] = field(default_factory=dict)
    """(sku, due date) → days late for every delivery of that sku due that day: receipts and
    planned purchases alike (explicit disruptions)."""
    purchase_seed: int | None = None
    """Draw planned purchases late with LATE_CHANCE (seeded); None: only `late_on` applies."""

    def starting_on(self, day: date) -> list[Breakdown]:
        return [b for b in self.breakdowns if b.starts_on == day]

    def receipt_delay(self, receipt: Receipt) -> int:
        return self.late_receipts.get(receipt, 0) or self.late_on.get((receipt.sku, receipt.on), 0)

    def purchase_delay(self, order: int, sku: str, due_on: date, nth: int) -> int:
        """Days late of order `order`'s `nth` (0, 1, …) planned purchase of `sku` to fall due."""
        explicit = self.late_on.get((sku, due_on), 0)
        if explicit or self.purchase_seed is None:
            return explicit
        u, v = _uniforms(self.purchase_seed, order, sku, nth)
        return _late_days(v) if u < LATE_CHANCE else 0


NONE = Disruptions()


def generate_disruptions(factory: Factory, *, start: date, days: int, seed: int) -> Disruptions:
    """The default disruptions of `seed` over `days` days from `start`."""
    breakdowns: list[Breakdown] = []
    for wc in factory.work_centers:
        rng = random.Random(f"promisebot-breakdowns/{seed}/{wc.code}")
        hours = daily_capacity(wc, start, days, factory.calendar, factory.holidays)
        workdays = [start + timedelta(i) for i, x in enumerate(hours) if x > 0]
        n = 0
        while n < len(workdays):
            if rng.random() < BREAKDOWN_CHANCE:
                length = 1
                while rng.random() < BREAKDOWN_MORE:
                    length += 1
                span = tuple(workdays[n : n + length])
                breakdowns.append(Breakdown(wc.code, span[0], span))
                n += length
            else:
                n += 1
    late: dict[Receipt, int] = {}
    for index, receipt in enumerate(factory.receipts):
        if receipt.on < start:
            continue
        u, v = _uniforms(seed, -1 - index, receipt.sku, 0)
        if u < LATE_CHANCE:
            late[receipt] = _late_days(v)
    return Disruptions(
        breakdowns=tuple(sorted(breakdowns, key=lambda b: (b.starts_on, b.work_center))),
        late_receipts=late,
        purchase_seed=seed,
    )


def _uniforms(seed: int, order: int, sku: str, nth: int) -> tuple[float, float]:
    """Two uniform numbers in [0, 1) from the key, the same in every process and run."""
    digest = hashlib.blake2b(f"{seed}/{order}/{sku}/{nth}".encode(), digest_size=16).digest()
    scale = float(1 << 64)
    return int.from_bytes(digest[:8], "big") / scale, int.from_bytes(digest[8:], "big") / scale


def _late_days(v: float) -> int:
    low, high = LATE_DAYS
    return low + min(int(v * (high - low + 1)), high - low)
