"""The day-by-day model: one policy of promising on one order stream and one set of disruptions
(DESIGN.md, "Simulating promise reliability").

`simulate` runs a factory forward from its planning date on the real engine. Each day: the
planning date moves on (what was planned for the past was done, and orders whose plan is
complete have shipped); the disruptions revealed that day are applied and the orders they break
are placed again as the policy says; `fixed` and `backlog` place every order whose work has not
started again, earliest promised date first, as early as the plan allows; then the day's orders
arrive and are quoted, lost when the quote is past the customer's latest date, else accepted
and planned. After the last day of orders the plant runs on, taking no more, until every
accepted order has shipped (for at most the horizon's length), so that each promise is kept or
not and a late order's days late are known.

How the execution is modelled where DESIGN.md leaves room:
- An order's plan is its placement; the plant works it exactly as planned. It ships on the last
  day its placement uses (the day its whole quantity is ready).
- What a disruption breaks is the product's rule (`capacity.replan.breakage` and
  `Breakage.breaks`) on what each order still holds from today on: the past is frozen, its hours
  worked and its stock spent, so stock an order took before today does not make it broken.
- An order has started once a day of its plan lies in the past; what it did is done. When a
  disruption breaks a started order the rest of its plan moves later instead of placing it again
  from nothing, which would count its work twice (`_repair`): each remaining day's work, in
  order, to the first day from which it fits (its stock there, its hours from there on), never
  before the previous day's work has finished and keeping the gaps that lags need. A broken
  order that has not started is released and placed again by its policy's rule; for
  `ctp-repromise` that is the product's (`capacity.replan.place_again`), and an order with no
  place left in the horizon is at risk: its customer is told that day, and it is quoted again
  each day until it has a date.
- A planned purchase that is late becomes a receipt on the day it arrives, and the order that
  relied on it holds that much stock on the day it was due instead: a receipt moved later,
  which breaks the order when no other stock covers it.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Literal

import numpy as np

from capacity.calendar import daily_capacity
from capacity.engine import Engine
from capacity.model import (
    TOLERANCE,
    Factory,
    HoursUse,
    NotPromisable,
    Placement,
    Purchase,
    Receipt,
    StockUse,
)
from capacity.replan import (
    Breakage,
    Commitment,
    breakage,
    place_again,
    replan_order,
)
from capacity.simulation.demand import DemandOrder, working_days
from capacity.simulation.disruptions import Disruptions

Policy = Literal["fixed", "backlog", "ctp", "ctp-repromise"]
POLICIES: tuple[Policy, ...] = ("fixed", "backlog", "ctp", "ctp-repromise")
WARM_UP_DAYS = 30
"""Utilisation is measured from this many days in (at most half the days of orders): the plant
starts empty, and a policy that plans just in time starts working later than one that plans as
early as possible."""


@dataclass(frozen=True)
class Setting:
    """A policy with its parameter: extra calendar days `k` for `fixed` and `backlog`, slack
    workdays for `ctp` and `ctp-repromise`."""

    policy: Policy
    value: int = 0

    @property
    def label(self) -> str:
        unit = "d" if self.policy in ("fixed", "backlog") else "wd"
        return f"{self.policy} +{self.value} {unit}"


@dataclass(frozen=True)
class Outcome:
    """What became of one order of the stream."""

    order: DemandOrder
    promised_on: date | None
    """The date first promised; None when the order was lost."""
    told_on: date | None = None
    """The last date the customer was told (the promised date unless it was re-promised)."""
    warned_on: date | None = None
    """The day the customer was first told a date later than the promised one."""
    shipped_on: date | None = None
    """None while the order is still open at the end of the run."""

    @property
    def accepted(self) -> bool:
        return self.promised_on is not None

    @property
    def kept(self) -> bool:
        return (
            self.promised_on is not None
            and self.shipped_on is not None
            and self.shipped_on <= self.promised_on
        )

    @property
    def kept_as_last_told(self) -> bool:
        return (
            self.told_on is not None
            and self.shipped_on is not None
            and self.shipped_on <= self.told_on
        )

    @property
    def lead_time_days(self) -> int | None:
        if self.promised_on is None:
            return None
        return (self.promised_on - self.order.arrives_on).days

    def days_late(self, end: date) -> int:
        """Days after the promised date it shipped, or was still open at the end of `end`."""
        if self.promised_on is None:
            return 0
        done = self.shipped_on if self.shipped_on is not None else end + timedelta(1)
        return max(0, (done - self.promised_on).days)


@dataclass(frozen=True)
class RunResult:
    """One run: a setting, a seed, every order's outcome and how hard the bottleneck worked."""

    setting: Setting
    seed: int
    start: date
    days: int
    end: date
    """The last simulated day: the day the last accepted order shipped, or the last day of
    orders, or a horizon's length after it when some order still has found no place."""
    outcomes: tuple[Outcome, ...]
    bottleneck: str | None
    """The work center that worked the largest share of its normal hours while orders came."""
    worked_hours: float
    normal_hours: float

    @property
    def utilisation(self) -> float:
        return self.worked_hours / self.normal_hours if self.normal_hours else 0.0


def catalog_lead_times(
    factory: Factory,
    start: date,
    quantities: Mapping[str, int],
    *,
    horizon_days: int = 365,
) -> dict[str, int]:
    """L_item of `fixed` and `backlog`: the calendar days from `start` until the item's typical
    quantity (`quantities`, by sku) can be ready on the factory with no order booked."""
    engine = Engine(factory, as_of=start, horizon_days=horizon_days)
    lead: dict[str, int] = {}
    for sku, qty in sorted(quantities.items()):
        ready = engine.readiness(sku, max(1, qty))
        lead[sku] = horizon_days if ready is None else (ready - start).days
    return lead


def simulate(
    factory: Factory,
    orders: Sequence[DemandOrder],
    disruptions: Disruptions,
    setting: Setting,
    *,
    start: date,
    days: int,
    seed: int = 0,
    lead_times: Mapping[str, int] | None = None,
    horizon_days: int = 365,
) -> RunResult:
    """Run `setting` on `orders` over `days` days of orders from `start`, then until every
    accepted order has shipped. `lead_times` (catalog_lead_times) are needed by fixed and
    backlog."""
    if setting.policy in ("fixed", "backlog") and lead_times is None:
        raise ValueError(f"{setting.policy} needs the catalog lead times")
    plant = _Plant(factory, setting, disruptions, start, days, horizon_days, lead_times or {})
    arrivals: dict[date, list[DemandOrder]] = defaultdict(list)
    for order in orders:
        arrivals[order.arrives_on].append(order)
    last_order_day = start + timedelta(days - 1)
    measured_from = start + timedelta(min(WARM_UP_DAYS, days // 2))
    stop_by = last_order_day + timedelta(horizon_days)
    day = start
    while True:
        if day > start:
            plant.next_day()
        plant.disrupt()
        plant.retry_unplaced()
        if setting.policy in ("fixed", "backlog"):
            plant.place_unstarted_again()
        for order in arrivals.get(day, ()):
            plant.arrive(order)
        plant.work(counted=measured_from <= day <= last_order_day)
        if day >= last_order_day and not plant.open or day >= stop_by:
            break
        day += timedelta(1)
    plant.ship_ready(through=day)
    return plant.result(seed, day)


# --- the plant -------------------------------------------------------------------------------


@dataclass
class _Order:
    demand: DemandOrder
    promised_on: date
    told_on: date
    warned_on: date | None = None
    placement: Placement | None = None
    first_on: date | None = None
    ready_on: date | None = None
    shipped_on: date | None = None


@dataclass
class _DayWork:
    """What one day of an order's plan holds: hours per work center, stock and purchases per
    sku."""

    hours: dict[str, float] = field(default_factory=dict)
    stock: dict[str, float] = field(default_factory=dict)
    purchases: dict[str, float] = field(default_factory=dict)


def _days_of(placement: Placement) -> list[date]:
    return (
        [u.on for u in placement.hours]
        + [u.on for u in placement.stock]
        + [u.on for u in placement.purchases]
    )


def _split(placement: Placement, today: date) -> tuple[Placement, Placement]:
    """(what lies before today, what lies from today on)."""
    past = replace(
        placement,
        hours=tuple(u for u in placement.hours if u.on < today),
        stock=tuple(u for u in placement.stock if u.on < today),
        purchases=tuple(u for u in placement.purchases if u.on < today),
    )
    future = replace(
        placement,
        hours=tuple(u for u in placement.hours if u.on >= today),
        stock=tuple(u for u in placement.stock if u.on >= today),
        purchases=tuple(u for u in placement.purchases if u.on >= today),
    )
    return past, future


class _Plant:
    def __init__(
        self,
        factory: Factory,
        setting: Setting,
        disruptions: Disruptions,
        start: date,
        days: int,
        horizon_days: int,
        lead_times: Mapping[str, int],
    ) -> None:
        self.factory = factory
        self.setting = setting
        self.disruptions = disruptions
        self.engine = Engine(factory, as_of=start, horizon_days=horizon_days)
        self.start = self.today = start
        self.days = days
        self.lead_times = lead_times
        self.open: dict[int, _Order] = {}
        self.shipped: list[_Order] = []
        self.lost: list[DemandOrder] = []
        self.hours_on: dict[tuple[str, date], set[int]] = defaultdict(set)
        self.stock_of: dict[str, set[int]] = defaultdict(set)
        self.buys_on: dict[date, set[int]] = defaultdict(set)
        codes = [wc.code for wc in factory.work_centers]
        self.backlog: dict[str, float] = dict.fromkeys(codes, 0.0)
        """Hours booked from today on, per work center: the work accepted and not yet done."""
        self.worked: dict[str, float] = dict.fromkeys(codes, 0.0)
        self.receipts_due: dict[date, list[Receipt]] = defaultdict(list)
        for receipt in factory.receipts:
            self.receipts_due[receipt.on].append(receipt)
        self.on_order: dict[date, list[tuple[int, str, float]]] = defaultdict(list)
        """Planned purchases of released plans, now receipts: (order, sku, qty) by due day."""
        self.bought: dict[tuple[int, str], int] = defaultdict(int)
        """Planned purchases of (order, sku) that have fallen due so far, for the lateness draws."""
        self.max_lag = max((op.lag_days for op in factory.routings), default=0)
        span = days + 2 * horizon_days
        self.workdays = working_days(factory, start, span)
        self.center_days: dict[str, list[date]] = {}
        self.daily_normal: dict[str, float] = {}
        self.normal_hours: dict[str, float] = {}
        for wc in factory.work_centers:
            keep = 1.0 - wc.rush_reserve_pct / 100.0
            hours = daily_capacity(wc, start, span, factory.calendar, factory.holidays)
            self.center_days[wc.code] = [start + timedelta(i) for i, x in enumerate(hours) if x > 0]
            self.daily_normal[wc.code] = wc.standard_hours * keep
            measured = slice(min(WARM_UP_DAYS, days // 2), days)
            self.normal_hours[wc.code] = sum(hours[measured]) * keep
        components: dict[str, list[str]] = defaultdict(list)
        for line in factory.bom:
            components[line.parent_sku].append(line.component_sku)
        routed: dict[str, set[str]] = defaultdict(set)
        for op in factory.routings:
            routed[op.sku].add(op.work_center)

        @cache
        def centers(sku: str) -> frozenset[str]:
            found = set(routed.get(sku, ()))
            for component in components.get(sku, ()):
                found |= centers(component)
            return frozenset(found)

        self.centers = centers

    # ------------------------------------------------------------------ booking

    def _book(self, order: _Order, placement: Placement, *, applied: bool = False) -> None:
        if not applied:
            self.engine.apply(placement)
        n = order.demand.number
        order.placement = placement
        days = _days_of(placement)
        order.first_on = min(days, default=placement.on)
        order.ready_on = max(days, default=placement.on)
        today = self.today
        for use in placement.hours:
            if use.on >= today:
                self.hours_on[(use.work_center, use.on)].add(n)
                self.backlog[use.work_center] += use.hours
        for stock in placement.stock:
            if stock.on >= today:
                self.stock_of[stock.sku].add(n)
        for buy in placement.purchases:
            if buy.on >= today:
                self.buys_on[buy.on].add(n)

    def _unbook_future(self, order: _Order, *, keep_purchases: bool = False) -> Placement:
        """Release what the order's plan holds from today on; return that part.

        Its planned purchases were ordered when they were planned. An order placed again from
        nothing leaves them on order as receipts on their days (free for whichever order the
        plan gives them to), so that it does not buy again with a new lead time. A started order
        whose rest is moved keeps them (`keep_purchases`).
        """
        assert order.placement is not None
        past, future = _split(order.placement, self.today)
        self.engine.release(future)
        n = order.demand.number
        for use in future.hours:
            self.hours_on[(use.work_center, use.on)].discard(n)
            self.backlog[use.work_center] -= use.hours
        for stock in future.stock:
            self.stock_of[stock.sku].discard(n)
        for buy in future.purchases:
            self.buys_on[buy.on].discard(n)
            if not keep_purchases:
                self.engine.add_supply(buy.sku, buy.on, buy.qty)
                if buy.on > self.today:  # those due today have had their lateness drawn
                    self.on_order[buy.on].append((n, buy.sku, buy.qty))
        if past.hours or past.stock or past.purchases:
            order.placement = past
        else:
            order.placement = order.first_on = order.ready_on = None
        return future

    def _forget(self, n: int, placement: Placement) -> None:
        """Drop what `placement` holds for order `n` from the indexes."""
        for use in placement.hours:
            self.hours_on.get((use.work_center, use.on), set()).discard(n)
        for stock in placement.stock:
            self.stock_of[stock.sku].discard(n)
        for buy in placement.purchases:
            self.buys_on.get(buy.on, set()).discard(n)

    def _tell(self, order: _Order, on: date) -> None:
        """The customer is told `on` as the order's new date, today."""
        if on != order.told_on:
            if on > order.promised_on and order.warned_on is None:
                order.warned_on = self.today
            order.told_on = on

    # ------------------------------------------------------------------ the day

    def next_day(self) -> None:
        self.engine.advance(1)
        self.today += timedelta(1)
        self.ship_ready(through=self.today - timedelta(1))
        if self.today.weekday() == 0:  # past days are never asked about again
            self.hours_on = defaultdict(
                set, {key: ns for key, ns in self.hours_on.items() if ns and key[1] >= self.today}
            )
            self.buys_on = defaultdict(
                set, {on: ns for on, ns in self.buys_on.items() if ns and on >= self.today}
            )

    def ship_ready(self, *, through: date) -> None:
        for n in [
            n for n, o in self.open.items() if o.ready_on is not None and o.ready_on <= through
        ]:
            order = self.open.pop(n)
            order.shipped_on = order.ready_on
            assert order.placement is not None
            self._forget(n, order.placement)
            self.shipped.append(order)

    def work(self, *, counted: bool) -> None:
        """Today's planned hours are worked."""
        for code in self.backlog:
            hours = self.engine.reserved(code, self.today)
            self.backlog[code] = max(0.0, self.backlog[code] - hours)
            if counted:
                self.worked[code] += hours

    def disrupt(self) -> None:
        """Apply what goes wrong today and place the orders it breaks again.

        What counts as broken is the product's rule (DESIGN.md, "Keeping promises when the
        factory changes", item 1: `capacity.replan.breakage` and `Breakage.breaks`), looked
        for where today's disruptions were: the work centers that broke down and the items
        whose deliveries are late."""
        today = self.today
        centers: set[str] = set()
        for breakdown in self.disruptions.starting_on(today):
            for on in breakdown.days:
                self.engine.set_capacity(breakdown.work_center, on, 0.0)
            centers.add(breakdown.work_center)
        skus: set[str] = set()
        for receipt in self.receipts_due.get(today, ()):
            late = self.disruptions.receipt_delay(receipt)
            if late > 0:
                self._move_supply(receipt.sku, receipt.qty, today, today + timedelta(late))
                skus.add(receipt.sku)
        for n, sku, qty in self.on_order.pop(today, ()):
            late = self._purchase_delay(n, sku)
            if late > 0:
                self._move_supply(sku, qty, today, today + timedelta(late))
                skus.add(sku)
        for n in sorted(self.buys_on.get(today, ())):
            order = self.open[n]
            assert order.placement is not None
            late_buys = [
                (buy, today + timedelta(late))
                for buy in order.placement.purchases
                if buy.on == today and (late := self._purchase_delay(n, buy.sku)) > 0
            ]
            if late_buys:
                self._purchases_late(order, late_buys)
                skus |= {buy.sku for buy, _ in late_buys}
        if not centers and not skus:
            return
        found = breakage(self.engine, work_centers=centers, skus=skus)
        if not found:
            return
        candidates: set[int] = set()
        for key in found.hours:
            candidates |= self.hours_on.get(key, set())
        for sku in found.stock:
            candidates |= self.stock_of.get(sku, set())
        broken = [n for n in sorted(candidates) if self._breaks(n, found)]
        if broken:
            self._replan(broken)

    def _breaks(self, n: int, found: Breakage) -> bool:
        """Whether `found` breaks what order `n` still holds. The past is frozen (its hours
        were worked, its stock is spent and cannot be given back), so only its plan from
        today on counts."""
        order = self.open.get(n)
        if order is None or order.placement is None:
            return False
        return found.breaks(_split(order.placement, self.today)[1])

    def _purchases_late(self, order: _Order, late: Sequence[tuple[Purchase, date]]) -> None:
        """Planned purchases of `order` due today are late. What was bought becomes a receipt
        on the day it arrives, and the order holds as much stock today as it counted on: a
        receipt moved later, which breaks the order when no other stock covers it."""
        assert order.placement is not None
        purchases = list(order.placement.purchases)
        taken: list[StockUse] = []
        for buy, arrives in late:
            purchases.remove(buy)
            self.engine.add_supply(buy.sku, arrives, buy.qty)
            taken.append(StockUse(buy.sku, buy.on, buy.qty))
        self.engine.apply(replace(order.placement, hours=(), stock=tuple(taken), purchases=()))
        order.placement = replace(
            order.placement,
            stock=order.placement.stock + tuple(taken),
            purchases=tuple(purchases),
        )
        n = order.demand.number
        for use in taken:
            self.stock_of[use.sku].add(n)
        if not any(buy.on == self.today for buy in purchases):
            self.buys_on[self.today].discard(n)

    def _purchase_delay(self, n: int, sku: str) -> int:
        nth = self.bought[(n, sku)]
        self.bought[(n, sku)] = nth + 1
        return self.disruptions.purchase_delay(n, sku, self.today, nth)

    def _move_supply(self, sku: str, qty: float, due: date, arrives: date) -> None:
        self.engine.add_supply(sku, due, -qty)
        self.engine.add_supply(sku, arrives, qty)

    @staticmethod
    def _commitment(order: _Order) -> Commitment:
        """The order as the re-plan rules see it: a confirmation of its whole quantity on the
        date its customer was last told (a moved order's customer was told at once, so that is
        its promised date now), booked in arrival order. Its placement is left out: the plant
        releases what it holds itself, the past being frozen."""
        demand = order.demand
        return Commitment(
            id=demand.number,
            sku=demand.sku,
            qty=demand.qty,
            promised_on=order.told_on,
            confirmed=True,
        )

    def _replan(self, broken: Iterable[int]) -> None:
        """Release every broken order at once, then place them again one by one, in re-plan
        order (`capacity.replan.replan_order`: earlier date first, then booked first).

        An order that has not started is placed again by its policy's rule: for
        `ctp-repromise` the product's (`capacity.replan.place_again`: on its date if it still
        fits, else just in time for its new earliest date, else nowhere, at risk), its customer
        told at once; for the others as early as the plan allows. A started order keeps what it
        has done (the past is frozen) and the rest of its plan moves later (`_repair`); under
        `ctp-repromise` its customer is told when that ends after the date last told.
        """
        orders = sorted(
            (self.open[n] for n in broken), key=lambda o: replan_order(self._commitment(o))
        )
        rest: dict[int, Placement] = {}
        for order in orders:
            started = order.first_on is not None and order.first_on < self.today
            rest[order.demand.number] = self._unbook_future(order, keep_purchases=started)
        for order in orders:
            if order.placement is None:
                self._place_unstarted(order)
            else:
                self._repair(order, rest[order.demand.number])

    def retry_unplaced(self) -> None:
        """Orders left with no plan (nothing fitted within the horizon) try again each day."""
        for order in [o for o in self.open.values() if o.placement is None]:
            self._place_unstarted(order)

    def place_unstarted_again(self) -> None:
        """`fixed` and `backlog`: every accepted order whose work has not started is placed
        again, earliest promised date first, as early as the plan allows."""
        today = self.today
        waiting = sorted(
            (
                o
                for o in self.open.values()
                if o.placement is None or (o.first_on is not None and o.first_on >= today)
            ),
            key=lambda o: (o.promised_on, o.demand.number),
        )
        for order in waiting:
            if order.placement is not None:
                self._unbook_future(order)
        for order in waiting:
            self._place_unstarted(order)

    def _place_unstarted(self, order: _Order) -> None:
        demand = order.demand
        if self.setting.policy == "ctp-repromise":
            done = place_again(self.engine, self._commitment(order))
            if done.placement is None:
                # At risk: no place within the horizon. Its customer is told today that the
                # date will not hold; it is quoted again each day (retry_unplaced), as its
                # owner would, until it has a date.
                if order.warned_on is None:
                    order.warned_on = self.today
                return
            self._book(order, done.placement)
            if done.outcome == "moved":
                self._tell(order, done.placement.on)
            return
        try:
            placement = self.engine.place_forward(demand.sku, demand.qty)
        except NotPromisable:
            return  # no plan today; tried again tomorrow
        self._book(order, placement)

    def _repair(self, order: _Order, rest: Placement) -> None:
        """Move the rest of a started order's plan later, in order, to where it fits.

        Its planned purchases keep their days (what was bought arrives when it arrives; one
        that is late is already stock it waits for, `_purchases_late`).
        """
        engine = self.engine
        today = self.today
        groups: dict[date, _DayWork] = defaultdict(_DayWork)
        for use in rest.hours:
            work = groups[use.on].hours
            work[use.work_center] = work.get(use.work_center, 0.0) + use.hours
        for taken_stock in rest.stock:
            wanted = groups[taken_stock.on].stock
            wanted[taken_stock.sku] = wanted.get(taken_stock.sku, 0.0) + taken_stock.qty
        for buy in rest.purchases:
            bought = groups[buy.on].purchases
            bought[buy.sku] = bought.get(buy.sku, 0.0) + buy.qty
        booked: list[Placement] = []
        previous: tuple[date, date] | None = None  # (its original day, the day it finished)
        failed = False
        for on in sorted(groups):
            hours, stock = groups[on].hours, groups[on].stock
            begin = max(on, today)
            if previous is not None:
                gap = min((on - previous[0]).days, self.max_lag)
                begin = max(begin, previous[1] + timedelta(gap))
            for sku, qty in sorted(stock.items()):
                ready = self._first_stock_day(sku, qty, begin)
                if ready is None:
                    failed = True
                    break
                begin = max(begin, ready)
            if failed:
                break
            taken: list[HoursUse] = []
            for code, hours_needed in sorted(hours.items()):
                got = self._take_forward(code, hours_needed, begin)
                if got is None:
                    failed = True
                    break
                taken.extend(got)
            if failed:
                break
            part = replace(
                rest,
                hours=tuple(taken),
                stock=tuple(StockUse(s, begin, q) for s, q in sorted(stock.items())),
                purchases=(),
            )
            engine.apply(part)
            booked.append(part)
            previous = (on, max([begin, *(u.on for u in taken)]))
        if failed:
            # The rest fits nowhere within the horizon: start the order over (its past work is
            # lost), as an order that has not started would be placed.
            for part in booked:
                engine.release(part)
            assert order.placement is not None
            self._forget(order.demand.number, order.placement)
            order.placement = order.first_on = order.ready_on = None
            self._place_unstarted(order)
            return
        past = order.placement
        assert past is not None
        whole = replace(
            rest,
            hours=past.hours + tuple(u for p in booked for u in p.hours),
            stock=past.stock + tuple(u for p in booked for u in p.stock),
            purchases=past.purchases + rest.purchases,
            just_in_time=False,
        )
        self._book(order, whole, applied=True)
        ready = order.ready_on
        if self.setting.policy == "ctp-repromise" and ready is not None and ready > order.told_on:
            self._tell(order, ready)

    def _first_stock_day(self, sku: str, qty: float, begin: date) -> date | None:
        """The first day from `begin` on which `qty` of `sku` can be taken (ATP_at ≥ qty)."""
        engine = self.engine
        pab = engine.pab_series(sku)
        atp = np.maximum(np.minimum.accumulate(pab[::-1])[::-1], 0.0)  # non-decreasing
        i = max(engine.index(begin), int(np.searchsorted(atp, qty - TOLERANCE, side="left")))
        return engine.day(i) if i < engine.horizon_days else None

    def _take_forward(self, code: str, need: float, begin: date) -> list[HoursUse] | None:
        engine = self.engine
        taken: list[HoursUse] = []
        day = begin
        while need > TOLERANCE:
            if day > engine.horizon_end:
                return None
            free = engine.free_hours(code, day)
            if free > TOLERANCE:
                take = min(free, need)
                taken.append(HoursUse(code, day, take))
                need -= take
            day += timedelta(1)
        return taken

    # ------------------------------------------------------------------ arrivals

    def arrive(self, demand: DemandOrder) -> None:
        policy = self.setting.policy
        placement: Placement | None = None
        if policy in ("fixed", "backlog"):
            promised = self._catalog_promise(demand)
        else:
            # Held on the quote's date, promised `value` workdays later: the slack stays a
            # buffer between plan and promise (held on the promised date, just in time would
            # spend it).
            try:
                placement = self.engine.place_earliest(demand.sku, demand.qty, demand.requested_on)
            except NotPromisable:  # cannot be ready within the horizon
                self.lost.append(demand)
                return
            promised = self._add_workdays(placement.on, self.setting.value)
        if promised > demand.latest_on:
            self.lost.append(demand)
            return
        order = _Order(demand, promised, promised)
        self.open[demand.number] = order
        if placement is not None:
            self._book(order, placement)
        else:
            self._place_unstarted(order)

    def _catalog_promise(self, demand: DemandOrder) -> date:
        a = demand.arrives_on
        start = a
        if self.setting.policy == "backlog":
            for code in self.centers(demand.sku):
                queue = (
                    self.backlog[code] / self.daily_normal[code] if self.daily_normal[code] else 0.0
                )
                start = max(start, self._workday_of(code, a, math.ceil(queue - 1e-9)))
        lead = self.lead_times.get(demand.sku, 0)
        return max(demand.requested_on, start + timedelta(lead + self.setting.value))

    def _workday_of(self, code: str, on: date, n: int) -> date:
        """The n-th workday of the work center counting from `on` (`on` itself for n = 0)."""
        if n <= 0:
            return on
        days = self.center_days[code]
        i = bisect.bisect_left(days, on) + n - 1
        if i < len(days):
            return days[i]
        return on + timedelta(math.ceil(n * 7 / 5))

    def _add_workdays(self, on: date, n: int) -> date:
        """`n` factory workdays after `on`."""
        if n <= 0:
            return on
        i = bisect.bisect_right(self.workdays, on) + n - 1
        if i < len(self.workdays):
            return self.workdays[i]
        return on + timedelta(math.ceil(n * 7 / 5))

    # ------------------------------------------------------------------ the result

    def result(self, seed: int, end: date) -> RunResult:
        outcomes: list[Outcome] = [Outcome(d, None) for d in self.lost]
        for order in [*self.shipped, *self.open.values()]:
            outcomes.append(
                Outcome(
                    order.demand,
                    order.promised_on,
                    order.told_on,
                    order.warned_on,
                    order.shipped_on,
                )
            )
        outcomes.sort(key=lambda o: o.order.number)
        shares = {
            code: self.worked[code] / self.normal_hours[code]
            for code in self.worked
            if self.normal_hours[code] > 0
        }
        bottleneck = max(shares, key=lambda c: (shares[c], c)) if shares else None
        return RunResult(
            setting=self.setting,
            seed=seed,
            start=self.start,
            days=self.days,
            end=end,
            outcomes=tuple(outcomes),
            bottleneck=bottleneck,
            worked_hours=self.worked[bottleneck] if bottleneck else 0.0,
            normal_hours=self.normal_hours[bottleneck] if bottleneck else 0.0,
        )
