"""A slow, obviously-correct reference of DESIGN.md's "Reference semantics of a quote".

Written from the text of DESIGN.md, independently of `capacity.engine`, to check the engine
against. Nothing here is clever: the state is three dicts keyed by (work center, day) and
(sku, day); PAB and ATP are recomputed from scratch on every question; readiness scans every day of
the horizon; tentative computations work on deep copies of the state. It is meant for small
factories and short horizons (tests), never for production.

Where DESIGN.md can be read more than one way, a comment starting with `READING:` says how this
file reads it; they are all listed below, for the README and issue 3.

READINGS (collected):
 R1 Capacity precedence: an exception for the work center beats one for `*`, which beats a public
    holiday of `Factory.holidays` (0 h for every work center), which beats the workday rule.
 R2 A planned purchase adds nothing to PAB that another order could take: the purchased quantity is
    the order's own (like production, it "goes straight to its order"). DESIGN's PAB formula says
    "+ planned purchases − allocations", but the worked example's placement records only the stock
    share as an allocation ("20 SHEET from stock and a planned purchase of 15"); taken together
    and literally, the 15 purchased sheets would be free for the next order, and two promises would
    count on the same part. So here "+ purchase" and the order's own use of it cancel (same qty,
    same day).
 R3 Receipts, purchases and allocations dated before as_of count on as_of.
 R4 ATP_at(d) = max(0, min over t in [d, as_of + horizon − 1] of PAB(t)).
 R5 Hours and quantities compare with tolerance 1e-9: a shortfall ≤ 1e-9 is none; a day whose free
    hours are ≤ 1e-9 takes nothing (and so is not the day an operation starts or completes); an
    operation whose remaining need is within 1e-9 of a day's free hours finishes on that day taking
    exactly what remains.
 R6 Readiness scans every day d from as_of to the horizon's end; the production for a shortfall s
    does not depend on d (only on s), so it is computed once per distinct s within one scan.
 R7 A make item's production is released on the latest of its components' ready days (as_of when it
    has no components); components in ascending sku order, each's stock share (on its own ready
    day), purchases and production tentatively applied before the next is asked.
 R8 "Completes by d": the completion day of the last operation ≤ d. An operation needing 0 hours
    takes no day: forwards it completes on its earliest start, backwards it starts on its deadline.
 R9 A buy item's shortfall on d needs d ≥ as_of + lead_time_days; the purchase is dated d.
 R10 Just-in-time placement fails (and the forward fallback is used) when an operation still needs
    hours after as_of has been passed going backwards, when an earlier operation's deadline
    (next start − lag) is before as_of, or when a buy component's purchase would be dated before
    as_of + lead_time_days.
 R11 The forward fallback is "exactly as R(item, Q) computed it": the item's stock share
    min(Q, ATP_at(R)) is allocated on R (not on the hold's date), components and production as the
    readiness computation tentatively placed them.
 R12 A Placement's hours, stock and purchases are reported summed per (work center, day) and
    (sku, day) (two lots of one component on one day appear as one StockUse).
 R13 A requested date beyond the horizon: earliest None, on_requested 0, split None, rush_earliest
    None; a hold dated before R, or beyond the horizon, is refused.
 R14 on_requested, when R(Q) > D': bisection with low = 0 (ready), high = Q (not ready),
    mid = (low + high) // 2, ready(mid) → low = mid else high = mid, until high − low = 1;
    the answer is low.
    "ready(q)" means R(q) is not None and R(q) ≤ D'.
 R15 The split's first part is placed exactly as a hold of on_requested on D' would be (JIT, else
    the forward fallback), on a copy of the state; the rest's R is asked on that copy. The split is
    [(D', on_requested), (max(D', R_rest), Q − on_requested)], None when R_rest is None or when
    on_requested is 0 or Q.
 R16 `quote(..., rush=True)` computes earliest, on_requested and split with rush free hours;
    rush_earliest always uses rush free hours. `place(..., rush=True)` uses rush free hours.

Keeping promises when the factory changes (DESIGN.md, the section of that name), at the end:
 R17 A change gives a new planner on the changed factory with the same state (`changed`). Broken:
    reserved(wc, d) > capacity(wc, d) + 1e-6 (the whole capacity, rush reserve included); an
    item is short on t when PAB(t) < min(0, PAB without any allocation (t)) − 1e-6; a
    reservation is broken when it holds hours on an over-booked day or an allocation of a short
    item dated (counted, R3) on or before its last short day.
 R18 Re-placing: a promised date before as_of or beyond the horizon is "refused" as a hold
    would be (R13); P = max(D', R(item, Q)) with D' = max(promised, as_of), at risk when R is
    None.
 R19 Pulling back: the earliest day from D' to the booked day that fits is max(D', R) after
    releasing the order alone; only a day strictly before the booked day moves it. A pass over
    every still-moved order in re-plan order repeats until a pass moves nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta

from capacity.model import (
    TOLERANCE,
    Constraint,
    Factory,
    HoursUse,
    Item,
    Lot,
    NotPromisable,
    Placement,
    Purchase,
    Quote,
    StockUse,
)

TOL = TOLERANCE


@dataclass
class State:
    """Everything that reservations change. Plain dicts; copied whole for tentative work."""

    reserved: dict[tuple[str, date], float] = field(default_factory=dict)
    allocated: dict[tuple[str, date], float] = field(default_factory=dict)
    purchased: dict[tuple[str, date], float] = field(default_factory=dict)

    def copy(self) -> State:
        return copy.deepcopy(self)


def _add(book: dict, key: tuple, amount: float) -> None:
    book[key] = book.get(key, 0.0) + amount


class ReferencePlanner:
    """Same public shape as `capacity.engine.Engine`, slow and literal."""

    def __init__(self, factory: Factory, *, as_of: date, horizon_days: int = 365) -> None:
        self.factory = factory
        self.as_of = as_of
        self.horizon_days = horizon_days
        self.end = as_of + timedelta(days=horizon_days - 1)
        self.items: dict[str, Item] = {item.sku: item for item in factory.items}
        self.work_centers = {wc.code: wc for wc in factory.work_centers}
        self.state = State()

    # ---- days --------------------------------------------------------------------------------

    def days(self, start: date | None = None, stop: date | None = None) -> list[date]:
        """Every day from start (default as_of) to stop (default the horizon's end), inclusive."""
        first = self.as_of if start is None else max(start, self.as_of)
        last = self.end if stop is None else min(stop, self.end)
        out = []
        day = first
        while day <= last:
            out.append(day)
            day += timedelta(days=1)
        return out

    # ---- capacity ----------------------------------------------------------------------------

    def capacity(self, work_center: str, on: date) -> float:
        # READING R1: own exception > `*` exception > public holiday > workday rule. If the data
        # has two exceptions for the same work center and day, the last one listed wins.
        own = [e for e in self.factory.calendar if e.work_center == work_center and e.on == on]
        if own:
            return float(own[-1].hours)
        star = [e for e in self.factory.calendar if e.work_center == "*" and e.on == on]
        if star:
            return float(star[-1].hours)
        if on in self.factory.holidays:
            return 0.0
        wc = self.work_centers[work_center]
        if on.weekday() in wc.weekdays:
            return wc.machines * wc.shifts_per_day * wc.hours_per_shift * wc.efficiency
        return 0.0

    def reserved(self, work_center: str, on: date) -> float:
        return self._reserved(self.state, work_center, on)

    def free_hours(self, work_center: str, on: date, *, rush: bool = False) -> float:
        return self._free(self.state, work_center, on, rush)

    def _reserved(self, state: State, work_center: str, on: date) -> float:
        return state.reserved.get((work_center, on), 0.0)

    def _free(self, state: State, work_center: str, on: date, rush: bool) -> float:
        cap = self.capacity(work_center, on)
        if rush:
            free = cap - self._reserved(state, work_center, on)
        else:
            pct = self.work_centers[work_center].rush_reserve_pct
            free = cap * (1 - pct / 100) - self._reserved(state, work_center, on)
        return max(0.0, free)

    # ---- stock -------------------------------------------------------------------------------

    def _counts_on(self, dated: date) -> date:
        # READING R3: anything dated before as_of counts from as_of.
        return max(dated, self.as_of)

    def _pab(self, state: State, sku: str, t: date) -> float:
        item = self.items[sku]
        total = float(self.factory.on_hand.get(sku, 0.0))
        for receipt in self.factory.receipts:
            if receipt.sku == sku and self._counts_on(receipt.on) <= t:
                total += receipt.qty
        # READING R2: planned purchases are NOT added here. Each one is the quantity its own order
        # needs on its own date (item 4 / item 6 buy a shortfall, never more), so "+ planned
        # purchase − that order's use of it" is zero on every day. Adding it without subtracting
        # would let the next order take the purchased parts (two promises on the same part).
        for (a_sku, a_day), qty in state.allocated.items():
            if a_sku == sku and self._counts_on(a_day) <= t:
                total -= qty
        total -= item.safety_stock
        return total

    def _atp_at(self, state: State, sku: str, d: date) -> float:
        # READING R4: the min runs over the horizon days t ≥ d.
        lowest = min(self._pab(state, sku, t) for t in self.days(d))
        return max(0.0, lowest)

    def pab(self, sku: str, on: date) -> float:
        return self._pab(self.state, sku, on)

    def pab_without_allocations(self, sku: str, on: date) -> float:
        """PAB as it would stand without any reservation (the floor of the PAB invariant)."""
        return self._pab(State(), sku, on)

    def atp(self, sku: str, on: date) -> float:
        return self._atp_at(self.state, sku, on)

    # ---- the factory's structure ------------------------------------------------------------

    def _components(self, sku: str) -> list[tuple[str, float]]:
        """(component sku, qty_per), ascending by component sku."""
        lines = [(line.component_sku, line.qty_per) for line in self.factory.bom
                 if line.parent_sku == sku]
        return sorted(lines, key=lambda pair: pair[0])

    def _routing(self, sku: str) -> list:
        return sorted((op for op in self.factory.routings if op.sku == sku), key=lambda op: op.seq)

    # ---- readiness (item 4) -----------------------------------------------------------------

    def readiness(self, sku: str, qty: float, *, rush: bool = False) -> date | None:
        found = self._ready(self.state, sku, qty, rush)
        return None if found is None else found[0]

    def _ready(self, state: State, sku: str, n: float, rush: bool) -> tuple[date, State] | None:
        """R(sku, n) on `state`: the earliest day, and a copy of `state` with n's stock share,
        purchases and production tentatively applied. `state` itself is not changed."""
        if n <= TOL:
            return self.as_of, state.copy()
        item = self.items[sku]
        production_for: dict[float, tuple[date, State] | None] = {}  # READING R6
        for d in self.days():
            atp = self._atp_at(state, sku, d)
            share = min(n, atp)
            shortfall = n - share
            if shortfall <= TOL:  # READING R5
                after = state.copy()
                self._allocate(after, sku, d, n)
                return d, after
            if item.kind == "buy":
                # READING R9: a purchase dated d, allowed from as_of + lead_time_days on.
                if d >= self.as_of + timedelta(days=item.lead_time_days):
                    after = state.copy()
                    self._allocate(after, sku, d, share)
                    _add(after.purchased, (sku, d), shortfall)
                    return d, after
                continue
            if shortfall not in production_for:
                production_for[shortfall] = self._produce_forward(state, sku, shortfall, rush)
            made = production_for[shortfall]
            if made is None:
                continue
            completes, after = made
            if completes <= d:  # READING R8
                after = after.copy()
                self._allocate(after, sku, d, share)
                return d, after
        return None

    def _allocate(self, state: State, sku: str, on: date, qty: float) -> None:
        if qty > TOL:
            _add(state.allocated, (sku, on), qty)

    def _produce_forward(
        self, state: State, sku: str, q: float, rush: bool
    ) -> tuple[date, State] | None:
        """Item 3 with item 4's release day: (completion day, state after) or None."""
        after = state.copy()
        # READING R7: release = the latest component ready day, as_of if there are none.
        release = self.as_of
        for component, qty_per in self._components(sku):
            found = self._ready(after, component, qty_per * q, rush)
            if found is None:
                return None
            ready_on, after = found
            release = max(release, ready_on)
        earliest_start = release
        completes = release
        for op in self._routing(sku):
            need = op.setup_hours + op.run_hours_per_unit * q
            last_day = None
            day = earliest_start
            while need > TOL:
                if day > self.end:
                    return None
                free = self._free(after, op.work_center, day, rush)
                if free > TOL:  # READING R5
                    take = need if need - free <= TOL else free
                    _add(after.reserved, (op.work_center, day), take)
                    need -= take
                    last_day = day
                day += timedelta(days=1)
            # READING R8: an operation of 0 hours completes on its earliest start.
            completes = earliest_start if last_day is None else last_day
            # The next operation's earliest start; the last operation's lag is ignored.
            earliest_start = completes + timedelta(days=op.lag_days)
        return completes, after

    # ---- just-in-time placement (item 6) ---------------------------------------------------

    def _place_backward(self, state: State, sku: str, n: float, deadline: date, rush: bool) -> bool:
        """Place n of sku due on `deadline` just in time, into `state`. False if any part can't."""
        if n <= TOL:
            return True
        if deadline < self.as_of or deadline > self.end:
            return False
        item = self.items[sku]
        share = min(n, self._atp_at(state, sku, deadline))
        shortfall = n - share
        self._allocate(state, sku, deadline, share)
        if shortfall <= TOL:
            return True
        if item.kind == "buy":
            # READING R10: a purchase dated inside the lead time makes the JIT placement fail.
            if deadline >= self.as_of + timedelta(days=item.lead_time_days):
                _add(state.purchased, (sku, deadline), shortfall)
                return True
            return False
        ops = self._routing(sku)
        op_deadline = deadline
        release = deadline
        for index in range(len(ops) - 1, -1, -1):
            op = ops[index]
            need = op.setup_hours + op.run_hours_per_unit * shortfall
            first_day = None
            day = op_deadline
            while need > TOL:
                if day < self.as_of:
                    return False  # READING R10: a day before as_of would be needed
                free = self._free(state, op.work_center, day, rush)
                if free > TOL:
                    take = need if need - free <= TOL else free
                    _add(state.reserved, (op.work_center, day), take)
                    need -= take
                    first_day = day
                day -= timedelta(days=1)
            # READING R8: an operation of 0 hours starts on its deadline.
            start = op_deadline if first_day is None else first_day
            release = start
            if index > 0:
                previous = ops[index - 1]
                op_deadline = start - timedelta(days=previous.lag_days)
                if op_deadline < self.as_of:
                    return False
        for component, qty_per in self._components(sku):
            if not self._place_backward(state, component, qty_per * shortfall, release, rush):
                return False
        return True

    # ---- the public questions ----------------------------------------------------------------

    def place(self, sku: str, qty: int, on: date, *, rush: bool = False) -> Placement:
        """Where a hold of qty on `on` would go (item 6). Raises NotPromisable. Does not apply."""
        ready = self.readiness(sku, qty, rush=rush)
        # READING R13: holds beyond the horizon are refused.
        if ready is None or ready > on or on > self.end:
            raise NotPromisable(
                self.quote(sku, qty, on, rush=rush),
                f"{qty} {sku} cannot be ready on {on.isoformat()}",
            )
        return self._placement(self.state, sku, qty, on, rush)

    def _placement(self, state: State, sku: str, qty: int, on: date, rush: bool) -> Placement:
        trial = state.copy()
        just_in_time = self._place_backward(trial, sku, qty, on, rush)
        if not just_in_time:
            # READING R11: exactly the state R(item, Q) tentatively built.
            found = self._ready(state, sku, qty, rush)
            assert found is not None
            trial = found[1]
        return self._diff(state, trial, sku, qty, on, rush, just_in_time)

    @staticmethod
    def _diff(
        before: State, after: State, sku: str, qty: int, on: date, rush: bool, jit: bool
    ) -> Placement:
        """READING R12: the placement is what `after` holds beyond `before`, summed per key."""

        def grown(old: dict, new: dict) -> list[tuple[tuple, float]]:
            out = []
            for key in sorted(new):
                extra = new[key] - old.get(key, 0.0)
                if extra > TOL:
                    out.append((key, extra))
            return out

        hours = grown(before.reserved, after.reserved)
        stock = grown(before.allocated, after.allocated)
        bought = grown(before.purchased, after.purchased)
        return Placement(
            sku=sku,
            qty=qty,
            on=on,
            rush=rush,
            hours=tuple(HoursUse(wc, d, h) for (wc, d), h in hours),
            stock=tuple(StockUse(s, d, q) for (s, d), q in stock),
            purchases=tuple(Purchase(s, d, q) for (s, d), q in bought),
            just_in_time=jit,
        )

    def apply(self, placement: Placement) -> None:
        self._book(self.state, placement, +1)

    def release(self, placement: Placement) -> None:
        self._book(self.state, placement, -1)

    @staticmethod
    def _book(state: State, placement: Placement, sign: int) -> None:
        for use in placement.hours:
            _add(state.reserved, (use.work_center, use.on), sign * use.hours)
        for stock in placement.stock:
            _add(state.allocated, (stock.sku, stock.on), sign * stock.qty)
        for purchase in placement.purchases:
            _add(state.purchased, (purchase.sku, purchase.on), sign * purchase.qty)

    def quote(self, sku: str, qty: int, requested: date, *, rush: bool = False) -> Quote:
        wanted = max(requested, self.as_of)  # D'
        ready = self.readiness(sku, qty, rush=rush)
        rush_ready = self.readiness(sku, qty, rush=True)
        in_horizon = wanted <= self.end  # READING R13
        earliest = max(wanted, ready) if ready is not None and in_horizon else None
        rush_earliest = max(wanted, rush_ready) if rush_ready is not None and in_horizon else None

        def ready_by(q: int) -> bool:
            r = self.readiness(sku, q, rush=rush)
            return r is not None and r <= wanted

        if not in_horizon:
            on_requested = 0
        elif ready is not None and ready <= wanted:
            on_requested = qty
        else:
            # READING R14: the bisection exactly as DESIGN item 5 describes it.
            low, high = 0, qty
            while high - low > 1:
                mid = (low + high) // 2
                if ready_by(mid):
                    low = mid
                else:
                    high = mid
            on_requested = low

        split = None
        if 0 < on_requested < qty:
            # READING R15: the first part as its hold would be placed, then the rest on that state.
            first = self._placement(self.state, sku, on_requested, wanted, rush)
            trial = self.state.copy()
            self._book(trial, first, +1)
            rest = self._ready(trial, sku, qty - on_requested, rush)
            if rest is not None:
                split = (Lot(wanted, on_requested), Lot(max(wanted, rest[0]), qty - on_requested))

        if earliest is None:
            constraint = Constraint("horizon", None, None,
                                    f"cannot be promised within {self.horizon_days} days")
        else:
            constraint = Constraint("none", None, None, "")  # the comparison ignores it
        return Quote(
            sku=sku,
            qty=qty,
            requested=requested,
            as_of=self.as_of,
            earliest=earliest,
            on_requested=on_requested,
            split=split,
            rush_earliest=rush_earliest,
            constraint=constraint,
            rush=rush,
        )

    # ---- keeping promises when the factory changes (READINGS R17–R19) ------------------

    def changed(self, factory: Factory) -> ReferencePlanner:
        """The same reservations on the factory after a change."""
        after = ReferencePlanner(factory, as_of=self.as_of, horizon_days=self.horizon_days)
        after.state = self.state.copy()
        return after

    def broken(self, commitments: list) -> list:
        """The commitments (capacity.replan.Commitment) the state can no longer keep, in re-plan
        order: confirmed first, then earlier promised date, then smaller id."""
        over = {
            key for key, hours in self.state.reserved.items()
            if hours > self.capacity(*key) + 1e-6
        }
        last_short: dict[str, date] = {}
        for sku in self.items:
            for t in self.days():
                if self.pab(sku, t) < min(0.0, self.pab_without_allocations(sku, t)) - 1e-6:
                    last_short[sku] = t
        hit = []
        for c in commitments:
            if c.placement is None:
                continue
            on_hours = any((u.work_center, u.on) in over for u in c.placement.hours)
            on_stock = any(
                u.sku in last_short and self._counts_on(u.on) <= last_short[u.sku]
                for u in c.placement.stock
            )
            if on_hours or on_stock:
                hit.append(c)
        return sorted(hit, key=lambda c: (not c.confirmed, c.promised_on, c.id))

    def repromise(self, broken: list) -> list[tuple[int, Placement | None]]:
        """Release all of `broken` (already in re-plan order), then place each again: on its
        promised date if a hold there is accepted, else on P, else nowhere. Applied here."""
        for c in broken:
            self.release(c.placement)
        out = []
        for c in broken:
            try:
                placement = self.place(c.sku, c.qty, c.promised_on, rush=c.rush)
            except NotPromisable:
                placement = None
            if placement is None:
                ready = self.readiness(c.sku, c.qty, rush=c.rush)
                if ready is not None:
                    on = max(c.promised_on, self.as_of, ready)
                    placement = self.place(c.sku, c.qty, on, rush=c.rush)
            if placement is not None:
                self.apply(placement)
            out.append((c.id, placement))
        return out

    def pull_back(self, moved: list) -> dict[int, Placement]:
        """Each still-moved commitment (sorted in re-plan order) to the earliest day before the
        one it is booked on that fits, passes repeated until none moves; id → last placement."""
        current = {c.id: c for c in moved}
        order = [c.id for c in moved]
        changed: dict[int, Placement] = {}
        while True:
            moved_any = False
            for cid in order:
                if cid not in current:
                    continue
                c = current[cid]
                self.release(c.placement)
                ready = self.readiness(c.sku, c.qty, rush=c.rush)
                day = None if ready is None else max(c.promised_on, self.as_of, ready)
                if day is None or day >= c.placement.on:
                    self.apply(c.placement)
                    continue
                placement = self.place(c.sku, c.qty, day, rush=c.rush)
                self.apply(placement)
                changed[cid] = placement
                moved_any = True
                if day == c.promised_on:
                    del current[cid]
                else:
                    current[cid] = type(c)(**{**c.__dict__, "placement": placement,
                                              "moved_to": day})
            if not moved_any:
                return changed

    # ---- invariants --------------------------------------------------------------------------

    def violations(self) -> list[str]:
        """Broken invariants: reserved > capacity, or PAB < min(0, PAB without allocations)."""
        problems = []
        for (wc, d), hours in self.state.reserved.items():
            if hours > self.capacity(wc, d) + 1e-6:
                problems.append(f"{wc} {d}: reserved {hours} > capacity {self.capacity(wc, d)}")
            if hours < -1e-6:
                problems.append(f"{wc} {d}: reserved {hours} < 0")
        for sku in self.items:
            for t in self.days():
                pab = self.pab(sku, t)
                floor = min(0.0, self.pab_without_allocations(sku, t))
                if pab < floor - 1e-6:
                    problems.append(f"{sku} {t}: PAB {pab} < {floor}")
        return problems
