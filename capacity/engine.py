"""The ATP/CTP engine: quotes, readiness and just-in-time placement on daily buckets.

It implements the reference semantics of DESIGN.md ("Reference semantics of a quote"). The
whole state lives in memory, indexed by (work center, day) and (item, day): a quote touches no
database. Tentative work (a readiness question, the first lot of a split) is written to a journal
and rolled back, so a question never changes the state.
"""

from __future__ import annotations

import copy
import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np

from capacity.calendar import daily_capacity
from capacity.model import (
    TOLERANCE,
    BadQuantity,
    Constraint,
    ConstraintKind,
    Factory,
    HoursUse,
    Item,
    Lot,
    NotPromisable,
    Operation,
    Placement,
    Purchase,
    Quote,
    StockUse,
    UnknownSku,
)

TOL = TOLERANCE

# Journal entry kinds.
_HOURS, _ALLOC, _BUY = 0, 1, 2


class _Cause(NamedTuple):
    """Why a readiness day is what it is; turned into a Constraint for the top-level quote.

    A named tuple, not a dataclass: readiness makes one for every operation it schedules, and
    a tuple is built several times faster."""

    kind: str  # "stock" | "lead_time" | "booked" (waited) | "busy" (got hours piecemeal) | "run"
    code: str
    until: int  # day index
    hours: float = 0.0
    """For work: the hours the operation needs."""
    item: str = ""
    """For work: the item being made."""
    first: int = 0
    """For work: the first day the operation took hours."""
    reserve_only: bool = False
    """For "booked"/"busy": the only hours left on the days it waited were the rush reserve."""
    made: float = 0.0
    """For work: the quantity being made."""


def format_day(day: date, as_of: date | None = None) -> str:
    """`Thu 3 Dec`, with the year when it differs from as_of's: `Fri 8 Jan 2027`."""
    text = f"{day:%a} {day.day} {day:%b}"
    if as_of is not None and day.year != as_of.year:
        text += f" {day.year}"
    return text


def format_qty(qty: float) -> str:
    """`40`, `2.5`: a quantity as the constraint texts write it."""
    return str(int(round(qty))) if abs(qty - round(qty)) < 1e-6 else f"{qty:g}"


def format_hours(hours: float) -> str:
    """`19.5 h`, `8.8 h`, `550 h`: as precise as a planner would say it."""
    if hours >= 100:
        return f"{hours:.0f} h"
    return f"{hours:.1f}".rstrip("0").rstrip(".") + " h"


_fmt_qty = format_qty
_fmt_hours = format_hours


class Engine:
    """The planning state of one factory for one planning date, and the questions it answers.

    `Engine(factory, as_of=date, horizon_days=365)`; existing reservations are booked with `apply`.
    Day indexes run 0 … horizon_days − 1 for as_of … as_of + horizon_days − 1.
    """

    def __init__(self, factory: Factory, *, as_of: date, horizon_days: int = 365) -> None:
        if horizon_days < 1:
            raise ValueError("the horizon must be at least one day")
        self.factory = factory
        self.as_of = as_of
        self.horizon_days = horizon_days
        h = horizon_days
        self._days = [as_of + timedelta(i) for i in range(h)]
        self._wc_index = {wc.code: i for i, wc in enumerate(factory.work_centers)}
        self._wc_codes = [wc.code for wc in factory.work_centers]
        self._cap_rush: list[list[float]] = []
        self._cap_normal: list[list[float]] = []
        for wc in factory.work_centers:
            hours = daily_capacity(wc, as_of, h, factory.calendar, factory.holidays)
            keep = 1.0 - wc.rush_reserve_pct / 100.0
            self._cap_rush.append(hours)
            self._cap_normal.append([x * keep for x in hours])
        self._reserved: list[list[float]] = [[0.0] * h for _ in factory.work_centers]

        self.items: dict[str, Item] = {item.sku: item for item in factory.items}
        self._sku_index = {item.sku: i for i, item in enumerate(factory.items)}
        self._skus = [item.sku for item in factory.items]
        self._safety = [float(item.safety_stock) for item in factory.items]
        self._safety_array = np.array(self._safety, dtype=float)
        self._kind_make = [item.kind == "make" for item in factory.items]
        self._lead = [int(item.lead_time_days) for item in factory.items]
        routings: dict[str, list[Operation]] = defaultdict(list)
        for op in factory.routings:
            routings[op.sku].append(op)
        self._ops: list[list[tuple[int, float, float, int]]] = []
        self._routing: list[list[Operation]] = []
        for item in factory.items:
            ops = sorted(routings.get(item.sku, []), key=lambda o: o.seq)
            self._routing.append(ops)
            self._ops.append(
                [
                    (self._wc_index[o.work_center], o.setup_hours, o.run_hours_per_unit, o.lag_days)
                    for o in ops
                ]
            )
        components: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for line in factory.bom:
            components[line.parent_sku].append((line.component_sku, line.qty_per))
        self._components: list[list[tuple[int, float]]] = [
            [(self._sku_index[c], q) for c, q in sorted(components.get(item.sku, []))]
            for item in factory.items
        ]

        # Stock: net movements per item and day (supply positive, allocations negative).
        self._base = np.zeros((len(factory.items), h))
        for sku, qty in factory.on_hand.items():
            if sku in self._sku_index:
                self._base[self._sku_index[sku], 0] += qty
        for receipt in factory.receipts:
            k = self._sku_index.get(receipt.sku)
            offset = (receipt.on - as_of).days
            if k is not None and offset < h:
                self._base[k, max(offset, 0)] += receipt.qty
        self._supply = self._base.copy()
        """On hand and receipts per item and day: `_base` before any allocation."""
        self._low_cache: dict[int, np.ndarray] = {}
        self._placed: tuple[Placement, list[Any], list[Any]] | None = None
        """The placement `_placement_since` made last, with its (index, amount) pairs."""
        self._journal: list[tuple[int, int, int, float, np.ndarray | None]] = []
        """Tentative work: (kind, work center or item, day, amount, the item's `_low` before)."""
        self._recording = 0
        self._explain = False
        """Whether readiness says why (a quote's constraint needs it; a hold only needs the day)."""

    # ------------------------------------------------------------------ days and state

    def with_factory(self, factory: Factory) -> Engine:
        """A new engine on `factory` (the same plant after a change: other hours, receipts or
        counts) holding exactly the bookings of this one. This engine is left as it was.

        When only calendars, stock and receipts differ, the new engine shares this one's
        (unchanging) structure and recomputes only the work centers and items that changed.
        """
        old = self.factory
        same_plant = (
            factory.work_centers == old.work_centers
            and factory.items == old.items
            and factory.bom == old.bom
            and factory.routings == old.routings
            and factory.holidays == old.holidays
        )
        if not same_plant:
            return self._rebuilt(factory)
        other: Engine = copy.copy(self)
        other.factory = factory
        other._reserved = [list(row) for row in self._reserved]
        other._cap_rush = [list(row) for row in self._cap_rush]
        other._cap_normal = [list(row) for row in self._cap_normal]
        other._supply = self._supply.copy()
        other._base = self._base.copy()
        other._journal = []
        other._recording = 0
        if factory.receipts is not old.receipts:
            other._receipts_by_day = None  # `advance` reads them again from the new factory
        # A change replaces one table of the factory: the others are the very same objects.
        codes = (
            set()
            if factory.calendar is old.calendar
            else {e.work_center for e in set(old.calendar) ^ set(factory.calendar)}
        )
        centers = (
            range(len(self._wc_codes))
            if "*" in codes
            else [self._wc_index[c] for c in codes if c in self._wc_index]
        )
        for w in centers:
            wc = factory.work_centers[w]
            hours = daily_capacity(
                wc, self.as_of, self.horizon_days, factory.calendar, factory.holidays
            )
            keep = 1.0 - wc.rush_reserve_pct / 100.0
            other._cap_rush[w] = hours
            other._cap_normal[w] = [x * keep for x in hours]
        skus: set[str] = set()
        if factory.receipts is not old.receipts:
            skus |= {r.sku for r in set(old.receipts) ^ set(factory.receipts)}
        if factory.on_hand is not old.on_hand:
            skus |= {
                sku
                for sku in set(old.on_hand) | set(factory.on_hand)
                if old.on_hand.get(sku, 0.0) != factory.on_hand.get(sku, 0.0)
            }
        changed = [self._sku_index[sku] for sku in skus if sku in self._sku_index]
        for k in changed:
            row = np.zeros(self.horizon_days)
            row[0] += factory.on_hand.get(self._skus[k], 0.0)
            for receipt in factory.receipts:
                offset = (receipt.on - self.as_of).days
                if receipt.sku == self._skus[k] and offset < self.horizon_days:
                    row[max(offset, 0)] += receipt.qty
            other._base[k] += row - self._supply[k]
            other._supply[k] = row
        gone = set(changed)
        other._low_cache = {k: v for k, v in self._low_cache.items() if k not in gone}
        return other

    def _rebuilt(self, factory: Factory) -> Engine:
        other = Engine(factory, as_of=self.as_of, horizon_days=self.horizon_days)
        for w, code in enumerate(self._wc_codes):
            j = other._wc_index.get(code)
            if j is not None:
                other._reserved[j] = list(self._reserved[w])
        allocated = self._supply - self._base
        for k, sku in enumerate(self._skus):
            j = other._sku_index.get(sku)
            if j is not None:
                other._base[j] -= allocated[k]
        return other

    def copy(self) -> Engine:
        """An independent engine with the same factory and bookings."""
        return self.with_factory(self.factory)

    def overbooked(
        self, *, over: float = 1e-6, work_centers: Iterable[str] | None = None
    ) -> list[tuple[str, date]]:
        """(work center, day) where reserved hours exceed the whole capacity by more than
        `over`: what a change that took hours away leaves behind (among `work_centers` only,
        when given)."""
        found: list[tuple[str, date]] = []
        wanted = None if work_centers is None else set(work_centers)
        for w, code in enumerate(self._wc_codes):
            if wanted is not None and code not in wanted:
                continue
            cap, res = self._cap_rush[w], self._reserved[w]
            found.extend((code, self.day(i)) for i, x in enumerate(res) if x > cap[i] + over)
        return found

    def short_items(
        self, *, over: float = 1e-6, skus: Iterable[str] | None = None
    ) -> dict[str, date]:
        """Items whose allocations push PAB below zero, or below where it stands without any
        allocation when that is negative, each with the last day it does (among `skus` only,
        when given)."""
        index = (
            np.arange(len(self._skus))
            if skus is None
            else np.array(sorted(self._sku_index[s] for s in skus if s in self._sku_index), int)
        )
        if not len(index):
            return {}
        safety = np.array(self._safety)[index, None]
        pab = np.cumsum(self._base[index], axis=1) - safety
        bare = np.cumsum(self._supply[index], axis=1) - safety
        short = pab < np.minimum(bare, 0.0) - over
        rows = np.flatnonzero(short.any(axis=1))
        last = self.horizon_days - 1 - np.argmax(short[rows, ::-1], axis=1)
        return {
            self._skus[int(index[k])]: self.day(int(i)) for k, i in zip(rows, last, strict=True)
        }

    def earliest(self, sku: str, qty: int, requested: date, *, rush: bool = False) -> date | None:
        """A quote's `earliest` alone: max(D', R(sku, qty)), None beyond the horizon."""
        k = self._sku(sku)
        wanted = max(self.index(requested), 0)
        if wanted >= self.horizon_days:
            return None
        ready = self._readiness_index(k, float(_whole(qty)), rush)
        return None if ready is None else self.day(max(wanted, ready))

    @property
    def horizon_end(self) -> date:
        """The last day of the horizon."""
        return self.as_of + timedelta(self.horizon_days - 1)

    def day(self, index: int) -> date:
        days = self._days
        return days[index] if 0 <= index < len(days) else self.as_of + timedelta(index)

    def index(self, on: date) -> int:
        return (on - self.as_of).days

    def apply(self, placement: Placement) -> None:
        """Book a reservation's hours and stock allocations (days before as_of count from as_of)."""
        self._book(placement, +1.0)

    def release(self, placement: Placement) -> None:
        """Give back exactly what `apply` booked for `placement`."""
        self._book(placement, -1.0)

    def _book(self, placement: Placement, sign: float) -> None:
        h = self.horizon_days
        placed = self._placed
        rows: list[int] = []
        cols: list[int] = []
        amounts: list[float] = []
        if placed is not None and placed[0] is placement:
            # Made by this engine on these very days (`_placement_since`): indexes known.
            reserved = self._reserved
            for (w, i), x in placed[1]:
                row = reserved[w]
                row[i] += sign * x
                if abs(row[i]) < TOL:
                    row[i] = 0.0
            for (k, i), x in placed[2]:
                rows.append(k)
                cols.append(i)
                amounts.append(x)
        else:
            for use in placement.hours:
                w = self._wc_index.get(use.work_center)
                i = self.index(use.on)
                if w is not None and 0 <= i < h:
                    row = self._reserved[w]
                    row[i] += sign * use.hours
                    if abs(row[i]) < TOL:
                        row[i] = 0.0
            index, as_of = self._sku_index, self.as_of
            for alloc in placement.stock:
                k = index.get(alloc.sku)
                i = (alloc.on - as_of).days
                if k is not None and i < h:
                    rows.append(k)
                    cols.append(i if i > 0 else 0)
                    amounts.append(alloc.qty)
        if rows:
            np.subtract.at(self._base, (rows, cols), np.multiply(amounts, sign))
            self._refresh_low(sorted(set(rows)))

    def _refresh_low(self, items: list[int]) -> None:
        """The lowest PAB from each day on of `items` computed again, all in one go (each row
        exactly as `_low` would).

        The next quote or placement reads the row of nearly every item a booking changed, and
        one computation over many rows costs little more than one over a single row."""
        pab = self._base[items]  # a copy: indexed by a list
        np.cumsum(pab, axis=1, out=pab)
        pab -= self._safety_array[items, None]
        low = np.empty_like(pab)
        np.minimum.accumulate(pab[:, ::-1], axis=1, out=low[:, ::-1])  # from the last day back
        cache = self._low_cache
        for row, k in zip(low, items, strict=True):
            cache[k] = row.copy()  # a row of its own: no cached row keeps the others alive

    def capacity(self, work_center: str, on: date, *, rush: bool = True) -> float:
        """Capacity hours on `on`; without the rush reserve when `rush` is False."""
        i = self.index(on)
        if not 0 <= i < self.horizon_days:
            return 0.0
        caps = self._cap_rush if rush else self._cap_normal
        return caps[self._wc(work_center)][i]

    def reserved(self, work_center: str, on: date) -> float:
        i = self.index(on)
        if not 0 <= i < self.horizon_days:
            return 0.0
        return self._reserved[self._wc(work_center)][i]

    def free_hours(self, work_center: str, on: date, *, rush: bool = False) -> float:
        i = self.index(on)
        if not 0 <= i < self.horizon_days:
            return 0.0
        return self._free(self._wc(work_center), i, rush)

    def pab(self, sku: str, on: date) -> float:
        """Projected available balance at the end of `on` (DESIGN item 1)."""
        k = self._sku(sku)
        i = min(max(self.index(on), 0), self.horizon_days - 1)
        return float(np.cumsum(self._base[k])[i] - self._safety[k])

    def pab_series(self, sku: str) -> np.ndarray:
        k = self._sku(sku)
        return np.cumsum(self._base[k]) - self._safety[k]

    def atp(self, sku: str, on: date) -> float:
        """ATP_at(on): what can be taken on `on` without breaking any later promise."""
        i = self.index(on)
        if not 0 <= i < self.horizon_days:
            return 0.0
        return self._atp_at(self._sku(sku), i)

    def _wc(self, code: str) -> int:
        try:
            return self._wc_index[code]
        except KeyError:
            raise KeyError(f"no work center {code!r}") from None

    def _sku(self, sku: str) -> int:
        k = self._sku_index.get(sku)
        if k is None:
            close = tuple(difflib.get_close_matches(sku.upper(), self._skus, n=3, cutoff=0.5))
            raise UnknownSku(sku, close)
        return k

    def _free(self, w: int, i: int, rush: bool) -> float:
        cap = self._cap_rush[w][i] if rush else self._cap_normal[w][i]
        free = cap - self._reserved[w][i]
        return free if free > TOL else 0.0

    def _atp_at(self, k: int, i: int) -> float:
        """ATP_at(day i) of item k: the positive part of `_low` (readiness and placement, on the
        hot path, take it inline)."""
        low = self._low(k).item(i)
        return low if low > 0.0 else 0.0

    def _low(self, k: int) -> np.ndarray:
        """min over t ≥ d of PAB(t), for each day d of item k: ATP_at(d) is its positive part
        (DESIGN item 1), which readers take of the one value they read. Non-decreasing."""
        cached = self._low_cache.get(k)
        if cached is None:
            # In place where it can be: called a million times in a big import, the
            # temporary arrays cost as much as the sums.
            pab = self._base[k].cumsum()
            pab -= self._safety[k]
            cached = np.minimum.accumulate(pab[::-1])[::-1]
            self._low_cache[k] = cached
        return cached

    # ------------------------------------------------------------------ the journal

    def _take_hours(self, w: int, i: int, hours: float) -> None:
        self._reserved[w][i] += hours
        self._journal.append((_HOURS, w, i, hours, None))

    def _allocate(self, k: int, i: int, qty: float) -> None:
        if qty <= TOL:
            return
        self._base[k, i] -= qty
        # Kept with the entry: rolling the allocation back restores the cached row (`_low`) it
        # invalidated instead of recomputing it (readiness tries and undoes many allocations).
        before = self._low_cache.pop(k, None)
        self._journal.append((_ALLOC, k, i, qty, before))

    def _buy(self, k: int, i: int, qty: float) -> None:
        # A planned purchase is bought for its order and goes straight to it: it enters PAB and is
        # allocated on the same day: its net effect on PAB is nil and it never becomes free stock.
        if qty > TOL:
            self._journal.append((_BUY, k, i, qty, None))

    def _rollback(self, mark: int) -> None:
        journal = self._journal
        reserved, base, cache = self._reserved, self._base, self._low_cache
        while len(journal) > mark:
            kind, a, i, amount, before = journal.pop()
            if kind == _HOURS:
                row = reserved[a]
                row[i] -= amount
                if abs(row[i]) < TOL:
                    row[i] = 0.0
            elif kind == _ALLOC:
                base[a, i] += amount
                if before is None:
                    cache.pop(a, None)
                else:
                    cache[a] = before

    def _keep(self, mark: int) -> None:
        """The tentative work since `mark`, which `_placement_since` has just summed up, becomes
        booked: the journal forgets it, and the row of the lowest PAB (`_low`) of every item it
        allocated that no later step has read again is computed in one batch, as `apply` leaves
        it. (A cached row is always that of the state as it is: an allocation drops it, a
        rollback restores it.)"""
        assert self._placed is not None
        cache = self._low_cache
        stale = sorted({k for (k, _), _ in self._placed[2] if k not in cache})
        del self._journal[mark:]
        self._placed = None  # booked already: `apply` of it would book it twice
        if stale:
            self._refresh_low(stale)

    def _placement_since(
        self, mark: int, sku: str, qty: int, on: date, rush: bool, jit: bool
    ) -> Placement:
        hours: dict[tuple[int, int], float] = {}
        stock: dict[tuple[int, int], float] = {}
        bought: dict[tuple[int, int], float] = {}
        targets = (hours, stock, bought)  # indexed by the journal's kinds
        for kind, a, i, amount, _ in self._journal[mark:]:
            target = targets[kind]
            key = (a, i)
            target[key] = target.get(key, 0.0) + amount
        days, wc_codes, skus = self._days, self._wc_codes, self._skus
        hours_used = sorted(hours.items())
        stock_used = sorted(stock.items())
        placement = Placement(
            sku=sku,
            qty=qty,
            on=on,
            rush=rush,
            hours=tuple(HoursUse(wc_codes[w], days[i], x) for (w, i), x in hours_used),
            stock=tuple(StockUse(skus[k], days[i], x) for (k, i), x in stock_used),
            purchases=tuple(Purchase(skus[k], days[i], x) for (k, i), x in sorted(bought.items())),
            just_in_time=jit,
        )
        # `apply` usually follows with this very placement: it then books these indexes as they
        # are instead of looking every work center, item and day up again.
        self._placed = (placement, hours_used, stock_used)
        return placement

    # ------------------------------------------------------------------ forward (readiness)

    def readiness(self, sku: str, qty: float, *, rush: bool = False) -> date | None:
        """R(sku, qty): the earliest day qty can be ready, or None beyond the horizon."""
        k = self._sku(sku)
        mark = len(self._journal)
        try:
            found = self._ready(k, float(qty), rush)
        finally:
            self._rollback(mark)
        return None if found is None else self.day(found[0])

    @contextmanager
    def overtime(self, extra: Mapping[tuple[str, date], float]) -> Iterator[Engine]:
        """Within the block, each (work center, day) of `extra` has that many more hours for
        normal orders, the rush reserve kept on top (as approved overtime is stored). For
        questions only: book nothing inside it."""
        saved: dict[tuple[int, int], tuple[float, float]] = {}
        try:
            for (code, on), hours in extra.items():
                w, i = self._wc(code), self.index(on)
                if not 0 <= i < self.horizon_days or hours <= 0:
                    continue
                saved.setdefault((w, i), (self._cap_normal[w][i], self._cap_rush[w][i]))
                keep = 1.0 - self.factory.work_centers[w].rush_reserve_pct / 100.0
                self._cap_normal[w][i] += hours
                self._cap_rush[w][i] += hours / keep if keep > TOL else hours
            yield self
        finally:
            for (w, i), (normal, rush) in saved.items():
                self._cap_normal[w][i], self._cap_rush[w][i] = normal, rush

    def overtime_needed(
        self,
        sku: str,
        qty: int,
        requested: date,
        work_center: str,
        slots: Sequence[tuple[date, float]],
        *,
        step: float = 0.5,
        given: Mapping[tuple[str, date], float] | None = None,
    ) -> dict[date, float] | None:
        """The least overtime on `work_center` that makes all of a normal order of `qty` ready by
        `requested`, or None if even all of `slots` is not enough.

        `slots` are (day, most extra hours for normal orders that day) in the order they are
        filled; hours are handed out in `step`s, each slot filled before the next gets any. The
        extra hours count for normal orders in full (the rush reserve is kept on top of them).
        `given` is overtime already granted elsewhere ((work center, day): hours), counted too.
        """
        with self.overtime(given or {}):
            return self._least_overtime(self._sku(sku), qty, requested, work_center, slots, step)

    def _least_overtime(
        self,
        k: int,
        qty: int,
        requested: date,
        work_center: str,
        slots: Sequence[tuple[date, float]],
        step: float,
    ) -> dict[date, float] | None:
        self._wc(work_center)
        wanted = max(self.index(requested), 0)
        units: list[tuple[int, int]] = []  # (day index, whole steps)
        for on, most in slots:
            i = self.index(on)
            n = int(most / step + TOL)
            if 0 <= i < self.horizon_days and n > 0:
                units.append((i, n))

        def spread(n: int) -> dict[int, int]:
            given: dict[int, int] = {}
            for i, most in units:
                if n <= 0:
                    break
                take = min(most, n)
                given[i] = given.get(i, 0) + take
                n -= take
            return given

        def fits(given: dict[int, int]) -> bool:
            extra = {(work_center, self.day(i)): n * step for i, n in given.items()}
            with self.overtime(extra):
                found = self._readiness_index(k, qty, False)
            return found is not None and found <= wanted

        if fits({}):
            return {}
        low, high = 0, sum(n for _, n in units)
        if high == 0 or not fits(spread(high)):
            return None
        while high - low > 1:  # more overtime never makes the order later
            mid = (low + high) // 2
            if fits(spread(mid)):
                high = mid
            else:
                low = mid
        return {self.day(i): n * step for i, n in sorted(spread(high).items())}

    def _ready(self, k: int, n: float, rush: bool) -> tuple[int, _Cause | None] | None:
        """Find R(k, n) and leave its effects applied (stock share, purchases, production).

        Returns (day index, cause) or None when nothing in the horizon works; on None the state
        is as it was.
        """
        h = self.horizon_days
        if n <= TOL:
            return 0, None
        low = self._low_cache.get(k)
        if low is None:
            low = self._low(k)
        is_make = self._kind_make[k]
        earliest_buy = self._lead[k]
        explain = self._explain
        start = 0
        while start < h:
            level = low.item(start)
            if level < 0.0:
                level = 0.0  # ATP_at(start)
            if level >= n - TOL:  # all from stock from here on
                self._allocate(k, start, n)
                cause = _Cause("stock", self._skus[k], start) if start and explain else None
                return start, cause
            # s(d) is constant until ATP_at rises, at the next step of the non-decreasing ATP: a
            # day in this step is one where ATP_at is still `level` (the lowest PAB no higher).
            shortfall = n - level
            if not is_make:
                day = max(start, earliest_buy)
                if day < h and low.item(day) <= level:
                    self._allocate(k, day, level)  # ATP_at is constant within the step
                    if shortfall > TOL:  # _buy
                        self._journal.append((_BUY, k, day, shortfall, None))
                    cause = _Cause("lead_time", self._skus[k], day) if day and explain else None
                    return day, cause
            else:
                mark = len(self._journal)
                made = self._produce_forward(k, shortfall, rush)
                if made is not None:
                    done, cause = made
                    day = max(start, done)
                    if day < h and low.item(day) <= level:
                        self._allocate(k, day, level)
                        return day, cause
                self._rollback(mark)
            start = int(low.searchsorted(level, side="right"))  # the next step
        return None

    def _produce_forward(self, k: int, qty: float, rush: bool) -> tuple[int, _Cause | None] | None:
        """Make qty of item k as soon as its components allow; return the completion day.

        Components are readied one by one in ascending sku order, each one's effects applied
        before the next; the release day is the latest of their ready days.
        """
        release = 0
        material: _Cause | None = None  # why the component that set the release day was late
        for c, qty_per in self._components[k]:
            found = self._ready(c, qty_per * qty, rush)
            if found is None:
                return None
            ready, cause = found
            if ready > release:
                release, material = ready, cause
        done = self._run_forward(k, qty, release, rush)
        if done is None:
            return None
        finish, blocked, longest = done
        if material is None and blocked is None:
            return finish, longest  # nothing blocked the order, and no component was late
        walls = [c for c in (material, blocked) if c is not None and c.kind != "run"]
        if walls:
            # The later wall set the date: the order got past the earlier one and still waited.
            return finish, max(walls, key=_wall_rank)
        # Nothing blocked the order: the work itself takes this long. Name the longest piece of
        # work on the path, here or in the component that set the release day.
        runs = [c for c in (material, longest) if c is not None]
        return finish, max(runs, key=_run_hours) if runs else None

    def _run_forward(
        self, k: int, qty: float, release: int, rush: bool
    ) -> tuple[int, _Cause | None, _Cause | None] | None:
        """Schedule item k's routing for qty from `release`; (finish, what held it up, the
        longest operation)."""
        h = self.horizon_days
        earliest = release
        finish = release
        blocked: _Cause | None = None
        longest: tuple[float, int, int, int] | None = None  # (hours, work center, finish, first)
        caps = self._cap_rush if rush else self._cap_normal
        full = self._cap_rush
        ops = self._ops[k]
        last = len(ops) - 1
        journal = self._journal
        reserved = self._reserved
        explain = self._explain
        for n_op, (w, setup, run, lag) in enumerate(ops):
            if earliest >= h:
                return None
            need = setup + run * qty
            finish = earliest
            if need > TOL:
                cap = caps[w]
                res = reserved[w]
                remaining = need
                i = earliest
                first = -1
                waited = 0
                waited_after_first = False
                reserve_only = True
                while i < h:
                    free = cap[i] - res[i]
                    if free > TOL:
                        if first < 0:
                            first = i
                        take = free if free < remaining else remaining
                        res[i] += take  # _take_hours, inline: this is the innermost loop
                        journal.append((_HOURS, w, i, take, None))
                        remaining -= take
                        if remaining <= TOL:
                            break
                    elif cap[i] > TOL:
                        waited += 1
                        waited_after_first = waited_after_first or first >= 0
                        reserve_only = reserve_only and full[w][i] - res[i] > TOL
                    i += 1
                if i >= h:
                    return None
                finish = i
                if waited and explain:
                    # Booked solid from its earliest start: it waited until the first free day.
                    # Otherwise it got hours here and there between booked days until `finish`.
                    booked = first > earliest and not waited_after_first
                    kind, until = ("booked", first) if booked else ("busy", finish)
                    cause = _Cause(
                        kind,
                        self._wc_codes[w],
                        until,
                        need,
                        self._skus[k],
                        first,
                        reserve_only and not rush,
                        qty,
                    )
                    if blocked is None or cause.until >= blocked.until:
                        blocked = cause
                if explain and (longest is None or need > longest[0]):
                    longest = (need, w, finish, first)
            if n_op < last:
                earliest = finish + lag
        if longest is None:  # no operation took hours, or nobody asks why
            return finish, blocked, None
        need, w, done, first = longest
        run_cause = _Cause("run", self._wc_codes[w], done, need, self._skus[k], first, made=qty)
        return finish, blocked, run_cause

    # ------------------------------------------------------------------ backward (placement)

    def _place_backward(self, k: int, n: float, deadline: int, rush: bool) -> bool:
        """Place n of item k just in time for `deadline` (DESIGN item 6); False if it cannot."""
        if deadline < 0:
            return False
        low = self._low_cache.get(k)
        if low is None:
            low = self._low(k)
        share = low.item(deadline)  # ATP_at(deadline), when positive
        if share > n:
            share = n
        elif share < 0.0:
            share = 0.0
        self._allocate(k, deadline, share)
        shortfall = n - share
        if shortfall <= TOL:
            return True
        if not self._kind_make[k]:
            if deadline < self._lead[k]:
                return False
            self._journal.append((_BUY, k, deadline, shortfall, None))  # _buy: shortfall > TOL
            return True
        caps = self._cap_rush if rush else self._cap_normal
        reserved = self._reserved
        journal = self._journal
        ops = self._ops[k]
        due = deadline
        for n_op in range(len(ops) - 1, -1, -1):
            w, setup, run, lag = ops[n_op]
            if n_op < len(ops) - 1:
                due -= lag
            if due < 0:
                return False
            need = setup + run * shortfall
            if need <= TOL:
                continue  # takes no hours: starts and completes on its due day
            cap = caps[w]
            res = reserved[w]
            remaining = need
            i = due
            while i >= 0:
                free = cap[i] - res[i]
                if free > TOL:
                    take = free if free < remaining else remaining
                    res[i] += take  # _take_hours, inline: this is the innermost loop
                    journal.append((_HOURS, w, i, take, None))
                    remaining -= take
                    if remaining <= TOL:
                        break
                i -= 1
            if i < 0:
                return False
            due = i  # the start day of this operation
        release = due
        for c, qty_per in self._components[k]:  # in order, stopping at the first that fails
            if not self._place_backward(c, qty_per * shortfall, release, rush):
                return False
        return True

    def place(
        self, sku: str, qty: int, on: date, *, rush: bool = False, ready: date | None = None
    ) -> Placement:
        """Where a hold of `qty` on `on` goes (DESIGN item 6), without booking it.

        Raises NotPromisable, carrying the current quote, when R(sku, qty) is after `on`.
        `ready` is R(sku, qty) when the caller has just computed it on this very state (a
        re-plan does): it is then not computed again.
        """
        return self._hold(sku, qty, on, rush, ready, book=False)

    def book(self, sku: str, qty: int, on: date, *, rush: bool = False) -> Placement:
        """`place` and then `apply` of its placement, in one: the same placement, booked.

        `place` works out the placement tentatively and undoes it, and `apply` books it again;
        here the tentative work is kept instead (an import books its whole order book this way,
        20,000 orders: a second of undoing and redoing). The hours and stock booked are the
        same, summed in the order they were taken rather than per placement, so they may differ
        from `apply`'s in the last bits. Raises NotPromisable as `place` does, booking nothing;
        not allowed during tentative work.
        """
        if self._journal:
            raise RuntimeError("a booking cannot be kept during tentative work")
        return self._hold(sku, qty, on, rush, None, book=True)

    def _hold(
        self, sku: str, qty: int, on: date, rush: bool, ready: date | None, book: bool
    ) -> Placement:
        k = self._sku(sku)
        qty = _whole(qty)
        d = self.index(on)
        if d < 0 or d >= self.horizon_days:
            where = "in the past" if d < 0 else f"beyond the {self.horizon_days}-day horizon"
            raise NotPromisable(
                self.quote(sku, qty, on, rush=rush), f"{format_day(on, self.as_of)} is {where}."
            )
        mark = len(self._journal)
        kept = False
        try:
            if ready is not None and self.index(ready) <= d:
                found: tuple[int, _Cause | None] | None = (self.index(ready), None)
            else:
                found = self._ready(k, float(qty), rush)
                self._rollback(mark)
            if found is None or found[0] > d:
                quote = self.quote(sku, qty, on, rush=rush)
                raise NotPromisable(quote, _refusal(quote, self.as_of))
            if self._place_backward(k, float(qty), d, rush):
                placement = self._placement_since(mark, sku, qty, on, rush, True)
            else:
                self._rollback(mark)
                self._ready(k, float(qty), rush)
                placement = self._placement_since(mark, sku, qty, on, rush, False)
            if book:
                self._keep(mark)
                kept = True
            return placement
        finally:
            if not kept:
                self._rollback(mark)

    # ------------------------------------------------------------------ quotes

    def quote(self, sku: str, qty: int, requested: date, *, rush: bool = False) -> Quote:
        """The answer to "can we ship qty of sku by requested?" (DESIGN item 5)."""
        k = self._sku(sku)
        qty = _whole(qty)
        h = self.horizon_days
        wanted = max(self.index(requested), 0)
        mark = len(self._journal)
        self._explain = True
        try:
            found = self._ready(k, float(qty), rush)
        finally:
            self._explain = False
            self._rollback(mark)
        ready = None if found is None else found[0]
        earliest = None if ready is None or wanted >= h else max(wanted, ready)

        def ready_by(q: int) -> bool:
            r = self._readiness_index(k, q, rush)
            return r is not None and r <= wanted

        if wanted >= h:
            # Nothing is planned beyond the horizon, and a hold there is refused: offer nothing.
            on_requested = 0
        elif ready is not None and ready <= wanted:
            on_requested = qty
        else:
            low, high = 0, qty
            while high - low > 1:
                mid = (low + high) // 2
                if ready_by(mid):
                    low = mid
                else:
                    high = mid
            on_requested = low

        split: tuple[Lot, ...] | None = None
        if 0 < on_requested < qty and wanted < h:
            split = self._split(k, qty, on_requested, wanted, rush)

        if rush:
            rush_earliest = earliest
        else:
            rush_ready = self._readiness_index(k, qty, True)
            rush_earliest = None if rush_ready is None or wanted >= h else max(wanted, rush_ready)

        constraint = self._constraint(k, qty, wanted, ready, found[1] if found else None)
        return Quote(
            sku=self._skus[k],
            qty=qty,
            requested=requested,
            as_of=self.as_of,
            earliest=None if earliest is None else self.day(earliest),
            on_requested=on_requested,
            split=split,
            rush_earliest=None if rush_earliest is None else self.day(rush_earliest),
            constraint=constraint,
            rush=rush,
        )

    def _readiness_index(self, k: int, qty: float, rush: bool) -> int | None:
        mark = len(self._journal)
        try:
            found = self._ready(k, float(qty), rush)
        finally:
            self._rollback(mark)
        return None if found is None else found[0]

    def _split(
        self, k: int, qty: int, first: int, wanted: int, rush: bool
    ) -> tuple[Lot, ...] | None:
        """The first lot placed as its hold would be, then the rest on its own earliest day."""
        mark = len(self._journal)
        try:
            if not self._place_backward(k, float(first), wanted, rush):
                self._rollback(mark)
                self._ready(k, float(first), rush)
            rest = self._readiness_index(k, qty - first, rush)
        finally:
            self._rollback(mark)
        if rest is None:
            return None
        wanted_on = self.day(wanted)
        return (Lot(wanted_on, first), Lot(self.day(max(wanted, rest)), qty - first))

    def _constraint(
        self, k: int, qty: int, wanted: int, ready: int | None, cause: _Cause | None
    ) -> Constraint:
        sku = self._skus[k]
        if ready is None:
            return Constraint(
                "horizon",
                sku,
                None,
                f"{qty} {sku} cannot be promised within {self.horizon_days} days",
                "horizon_cannot",
                (("qty", qty), ("sku", sku), ("days", self.horizon_days)),
            )
        if wanted >= self.horizon_days:
            return Constraint(
                "horizon",
                sku,
                None,
                f"the requested day is beyond the {self.horizon_days}-day planning horizon",
                "horizon_beyond",
                (("days", self.horizon_days),),
            )
        if ready <= wanted:
            return Constraint(
                "none",
                None,
                None,
                f"all {qty} {sku} can be ready by the requested day",
                "none",
                (("qty", qty), ("sku", sku)),
            )
        if cause is None:
            return self._run_time(k, qty, ready)
        until = self.day(cause.until)
        when = format_day(until, self.as_of)
        code = cause.code
        kind: ConstraintKind = "capacity"
        facts: tuple[tuple[str, object], ...] = (("code", code), ("until", until))
        if cause.kind in ("booked", "busy"):
            reserve = " (all but its rush reserve)" if cause.reserve_only else ""
            reason = cause.kind + ("_reserve" if cause.reserve_only else "")
            if cause.kind == "booked":
                text = f"{code} is fully booked{reserve} until {when}"
            else:
                other = cause.item != self._skus[k]
                text = (
                    f"{code} is heavily booked{reserve}: the {_fmt_hours(cause.hours)} "
                    f"{'for ' + cause.item + ' ' if other else ''}"
                    f"fit in between other orders only by {when}"
                )
                facts += (("hours", cause.hours), ("item", cause.item if other else None))
        elif cause.kind == "run":
            ready_day = self.day(ready)
            ready_on = format_day(ready_day, self.as_of)
            facts += (("hours", cause.hours), ("item", cause.item), ("made", cause.made))
            facts += (("ready", ready_day), ("qty", qty), ("sku", self._skus[k]))
            if cause.item == self._skus[k]:
                reason = "run_same"
                text = (
                    f"making {_fmt_qty(cause.made)} {cause.item} takes "
                    f"{_fmt_hours(cause.hours)} on {code}; the last step finishes {ready_on}"
                )
            else:
                reason = "run_other"
                text = (
                    f"the longest step is {_fmt_hours(cause.hours)} on {code} for "
                    f"{_fmt_qty(cause.made)} {cause.item}, done {when}; all {qty} "
                    f"{self._skus[k]} are ready {ready_on}"
                )
            until = ready_day
        elif cause.kind == "lead_time":
            lead = self._lead[self._sku_index[code]]
            text = f"{code}: purchase lead time {lead} days, earliest arrival {when}"
            kind = "lead_time"
            reason = "lead_time"
            facts += (("lead", lead),)
        else:
            text = f"{code}: not enough stock free before {when}"
            kind = "stock"
            reason = "stock"
        return Constraint(kind, code, until, text, reason, facts)

    def _run_time(self, k: int, qty: int, ready: int) -> Constraint:
        """Nothing blocked the order: the work itself takes this long. Name the longest step."""
        sku = self._skus[k]
        to_make = qty - min(float(qty), self._atp_at(k, 0))
        longest: tuple[float, str] = (0.0, "")
        for w, setup, run, _lag in self._ops[k]:
            longest = max(longest, (setup + run * to_make, self._wc_codes[w]))
        hours, code = longest
        ready_day = self.day(ready)
        if not code:
            return Constraint(
                "stock",
                sku,
                ready_day,
                f"{sku}: stock arrives {format_day(ready_day, self.as_of)}",
                "stock_arrives",
                (("code", sku), ("until", ready_day)),
            )
        return Constraint(
            "capacity",
            code,
            ready_day,
            f"making {_fmt_qty(to_make)} {sku} takes {_fmt_hours(hours)} on {code}; "
            f"the last step finishes {format_day(ready_day, self.as_of)}",
            "run_time",
            (
                ("code", code),
                ("hours", hours),
                ("item", sku),
                ("made", to_make),
                ("ready", ready_day),
            ),
        )

    # ------------------------------------------------------------------ a plant that runs on

    _receipts_by_day: dict[date, list[tuple[int, float]]] | None = None
    """The factory's receipts by day, for the days `advance` brings into the plan."""

    def place_forward(self, sku: str, qty: int, *, rush: bool = False) -> Placement:
        """The placement of `qty` as R(sku, qty) computes it, without booking it: as early as the
        plan allows, dated its ready day. Raises NotPromisable when it cannot be ready within
        the horizon."""
        k = self._sku(sku)
        qty = _whole(qty)
        mark = len(self._journal)
        try:
            found = self._ready(k, float(qty), rush)
            if found is None:
                quote = self.quote(sku, qty, self.as_of, rush=rush)
                raise NotPromisable(quote, _refusal(quote, self.as_of))
            return self._placement_since(mark, sku, qty, self.day(found[0]), rush, False)
        finally:
            self._rollback(mark)

    def place_earliest(
        self, sku: str, qty: int, requested: date, *, rush: bool = False
    ) -> Placement:
        """Where a hold of `qty` goes on the quote's earliest date, max(requested, R(sku, qty))
        (DESIGN items 5 and 6), without booking it: `place` on that date, with R computed once.
        The placement's `on` is that date. Raises NotPromisable, carrying the current quote,
        when it is beyond the horizon."""
        k = self._sku(sku)
        qty = _whole(qty)
        wanted = max(self.index(requested), 0)
        mark = len(self._journal)
        try:
            found = self._ready(k, float(qty), rush)
            self._rollback(mark)
            if found is None or wanted >= self.horizon_days:
                quote = self.quote(sku, qty, requested, rush=rush)
                raise NotPromisable(quote, _refusal(quote, self.as_of))
            d = max(wanted, found[0])
            on = self.day(d)
            if self._place_backward(k, float(qty), d, rush):
                return self._placement_since(mark, sku, qty, on, rush, True)
            self._rollback(mark)
            self._ready(k, float(qty), rush)
            return self._placement_since(mark, sku, qty, on, rush, False)
        finally:
            self._rollback(mark)

    def set_capacity(self, work_center: str, on: date, hours: float) -> None:
        """A calendar change on one day of the horizon: `hours` becomes the work center's whole
        capacity that day (its rush reserve the same share of it). Reserved hours stay as they
        are, so the day may now be over-booked. Days outside the horizon are ignored."""
        w = self._wc(work_center)
        i = self.index(on)
        if 0 <= i < self.horizon_days:
            keep = 1.0 - self.factory.work_centers[w].rush_reserve_pct / 100.0
            self._cap_rush[w][i] = float(hours)
            self._cap_normal[w][i] = float(hours) * keep

    def add_supply(self, sku: str, on: date, qty: float) -> None:
        """`qty` more of `sku` arrives on `on` (a receipt; negative takes one away). A day before
        as_of counts from as_of; a day beyond the horizon is ignored. Allocations stay as they
        are, so PAB may now go below zero."""
        k = self._sku(sku)
        i = self.index(on)
        if i < self.horizon_days:
            self._base[k, max(i, 0)] += qty
            self._supply[k, max(i, 0)] += qty
            self._low_cache.pop(k, None)

    def advance(self, days: int = 1) -> None:
        """Move the planning date `days` later, as a plant does overnight.

        The days left behind are the past: their hours were worked and drop out of the plan,
        their stock movements count from the new as_of, and as many new days join the end of
        the horizon with the capacity and receipts the factory gives them. Changes made with
        `set_capacity` and `add_supply` stay on the days they were made for.
        """
        if days < 0:
            raise ValueError("the planning date only moves forward")
        if days == 0:
            return
        if self._journal:
            raise RuntimeError("the planning date cannot move during tentative work")
        h = self.horizon_days
        n = min(days, h)
        old_end = self.as_of + timedelta(h)
        self.as_of += timedelta(days)
        tail_start = self.as_of + timedelta(h - n)
        for w, wc in enumerate(self.factory.work_centers):
            tail = daily_capacity(wc, tail_start, n, self.factory.calendar, self.factory.holidays)
            keep = 1.0 - wc.rush_reserve_pct / 100.0
            self._cap_rush[w] = self._cap_rush[w][n:] + tail
            self._cap_normal[w] = self._cap_normal[w][n:] + [x * keep for x in tail]
            self._reserved[w] = self._reserved[w][n:] + [0.0] * n
        self._days = [self.as_of + timedelta(i) for i in range(h)]
        base = np.zeros_like(self._base)
        base[:, : h - n] = self._base[:, n:]
        base[:, 0] += self._base[:, :n].sum(axis=1)
        supply = np.zeros_like(self._supply)  # the same days of stock, before any allocation
        supply[:, : h - n] = self._supply[:, n:]
        supply[:, 0] += self._supply[:, :n].sum(axis=1)
        # Receipts that were never inside the plan: those dated from the old horizon's end on.
        if self._receipts_by_day is None:
            by_day: dict[date, list[tuple[int, float]]] = defaultdict(list)
            for receipt in self.factory.receipts:
                k = self._sku_index.get(receipt.sku)
                if k is not None:
                    by_day[receipt.on].append((k, receipt.qty))
            self._receipts_by_day = dict(by_day)
        for offset in range(days):
            on = old_end + timedelta(offset)
            for k, qty in self._receipts_by_day.get(on, ()):
                base[k, max(self.index(on), 0)] += qty
                supply[k, max(self.index(on), 0)] += qty
        self._base = base
        self._supply = supply
        self._low_cache.clear()
        self._placed = None  # its day indexes are those of the old planning date


def _wall_rank(cause: _Cause) -> tuple[int, bool]:
    return cause.until, cause.kind not in ("booked", "busy")


def _run_hours(cause: _Cause) -> float:
    return cause.hours


def _whole(qty: object) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise BadQuantity(qty)
    return qty


def _refusal(quote: Quote, as_of: date) -> str:
    if quote.earliest is None:
        return f"{quote.qty} {quote.sku} cannot be promised within the planning horizon."
    return (
        f"{quote.qty} {quote.sku} cannot be ready by {format_day(quote.requested, as_of)}; "
        f"the earliest is {format_day(quote.earliest, as_of)} ({quote.constraint.text})."
    )
