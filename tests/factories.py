"""Hypothesis strategies: random small factories and random sequences of quotes, holds, releases.

Small on purpose (1–3 work centers, 2–6 items, BOM depth ≤ 3, a short horizon) so that the slow
reference in tests/reference.py can answer every question of a test run in well under a second.
Everything is in whole or "nice" fractional numbers (0.5, 0.25 …) but chosen so that shared
capacity, shared components, lags, lead times, safety stock and receipts all come into play.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st

from capacity.model import (
    BomLine,
    CalendarException,
    Factory,
    Item,
    Operation,
    Receipt,
    WorkCenter,
)

AS_OF = date(2026, 11, 23)  # a Monday, as in DESIGN.md's worked example
SHORT_HORIZON = 42  # six weeks: long enough for lead times and lags, short enough to be fast

WORKDAYS = ("Mon-Fri", "Mon-Fri", "Mon-Sat", "Mon,Wed,Fri", "Tue-Thu", "Mon-Sun")


@dataclass(frozen=True)
class Scenario:
    factory: Factory
    as_of: date
    horizon_days: int
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Action:
    """One step: `quote` (sku, qty, on = requested date, rush), `hold` (sku, qty, on, rush),
    `hold_earliest` (a hold of qty on the day it can first be ready: the tightest just-in-time
    placement), `hold_most` (a hold of the quote's on_requested on `on`: a split's first lot), or
    `release` (which = index among the holds that succeeded so far, modulo their number)."""

    kind: str
    sku: str = ""
    qty: int = 0
    on: date | None = None
    rush: bool = False
    which: int = 0


def _day(as_of: date, horizon_days: int, before: int = 3, after: int = 0):
    """A day from as_of − before to the horizon's end + after."""
    return st.integers(-before, horizon_days - 1 + after).map(lambda k: as_of + timedelta(days=k))


@st.composite
def work_centers(draw, count: int, tight: bool = False) -> tuple[WorkCenter, ...]:
    out = []
    for index in range(count):
        out.append(
            WorkCenter(
                code=f"WC{index + 1}",
                machines=1 if tight else draw(st.integers(1, 2)),
                shifts_per_day=1 if tight else draw(st.integers(1, 2)),
                hours_per_shift=draw(
                    st.sampled_from((2.0, 4.0) if tight else (2.0, 4.0, 7.5, 8.0))
                ),
                efficiency=draw(st.sampled_from((1.0, 1.0, 0.9, 0.75))),
                workdays=draw(st.sampled_from(WORKDAYS)),
                rush_reserve_pct=draw(st.sampled_from((0.0, 0.0, 10.0, 25.0, 50.0))),
            )
        )
    return tuple(out)


@st.composite
def factories(
    draw, as_of: date = AS_OF, horizon_days: int = SHORT_HORIZON, tight: bool = False
) -> Factory:
    """A random small factory. `tight`: little capacity, one or two work centers shared by
    everything, wider BOMs over bought parts with lead times, so that holds on their earliest day
    often cannot be placed just in time and take the forward fallback (DESIGN item 6)."""
    centers = draw(work_centers(draw(st.integers(1, 2 if tight else 3)), tight))
    codes = [wc.code for wc in centers]

    # Calendar exceptions, at most one per (work center or `*`, day), some before as_of.
    exception_keys = draw(
        st.lists(
            st.tuples(st.sampled_from([*codes, "*"]), _day(as_of, horizon_days, before=2)),
            max_size=4,
            unique=True,
        )
    )
    calendar = tuple(
        CalendarException(code, on, draw(st.sampled_from((0.0, 0.0, 4.0, 12.0, 2.5))), "random")
        for code, on in exception_keys
    )
    holidays = {
        day: "holiday"
        for day in draw(st.lists(_day(as_of, horizon_days, before=0), max_size=2, unique=True))
    }

    # Items I0 … In-1. A component always has a larger index than its parent (no cycles), and the
    # BOM is at most 3 levels deep (an item, its components, theirs).
    count = draw(st.integers(3 if tight else 2, 6))
    skus = [f"I{index}" for index in range(count)]
    kinds = [draw(st.sampled_from(("make", "buy"))) for _ in skus]
    kinds[0] = "make" if draw(st.integers(0, 4)) else kinds[0]  # mostly something to make on top
    depth = [0] * count  # depth of the tree below item i
    bom: list[BomLine] = []
    for parent in range(count - 1, -1, -1):
        if kinds[parent] != "make":
            continue
        candidates = [c for c in range(parent + 1, count) if depth[c] < 2]
        if not candidates:
            continue
        chosen = draw(
            st.lists(st.sampled_from(candidates), min_size=int(tight), max_size=3, unique=True)
        )
        for component in sorted(chosen):
            qty_per = draw(st.sampled_from((0.5, 1.0, 1.0, 2.0)))
            bom.append(BomLine(skus[parent], skus[component], qty_per))
            depth[parent] = max(depth[parent], depth[component] + 1)

    routings: list[Operation] = []
    for index, sku in enumerate(skus):
        if kinds[index] != "make":
            continue
        for step in range(draw(st.integers(1, 3))):
            routings.append(
                Operation(
                    sku=sku,
                    seq=10 * (step + 1),
                    work_center=draw(st.sampled_from(codes)),
                    setup_hours=draw(st.sampled_from((0.0, 0.0, 1.0, 2.0))),
                    run_hours_per_unit=draw(
                        st.sampled_from((0.5, 1.0, 2.0) if tight else (0.1, 0.25, 0.5, 1.0, 2.0))
                    ),
                    lag_days=draw(st.sampled_from((0, 0, 1, 2))),
                )
            )

    items = tuple(
        Item(
            sku=sku,
            kind=kinds[index],  # type: ignore[arg-type]
            lead_time_days=draw(st.sampled_from((2, 3, 5) if tight else (0, 1, 3, 5, 10, 20))),
            safety_stock=draw(st.sampled_from((0.0, 0.0, 0.0, 1.0, 2.5))),
        )
        for index, sku in enumerate(skus)
    )
    stocks = (0.0, 0.0, 0.0, 3.0) if tight else (0.0, 0.0, 3.0, 7.5, 10.0, 25.0)
    on_hand = {sku: draw(st.sampled_from(stocks)) for sku in skus}
    receipts = tuple(
        Receipt(sku, on, qty)
        for sku, on, qty in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(skus),
                    _day(as_of, horizon_days, before=3, after=3),
                    st.sampled_from((1.0, 5.0, 12.0, 2.5)),
                ),
                max_size=4,
            )
        )
    )
    return Factory(
        work_centers=centers,
        calendar=calendar,
        items=items,
        bom=tuple(bom),
        routings=tuple(routings),
        on_hand=on_hand,
        receipts=receipts,
        holidays=holidays,
    )


@st.composite
def actions(draw, factory: Factory, as_of: date = AS_OF, horizon_days: int = SHORT_HORIZON,
            max_actions: int = 6) -> tuple[Action, ...]:
    """Quotes, holds and releases. Dates may fall before as_of (D' = as_of) but never beyond the
    horizon, whose treatment DESIGN.md leaves open (see tests/reference.py, READING R13)."""
    skus = [item.sku for item in factory.items]
    steps = []
    for _ in range(draw(st.integers(1, max_actions))):
        kind = draw(st.sampled_from(("quote", "hold", "hold_earliest", "hold_most", "release")))
        if kind == "release":
            steps.append(Action("release", which=draw(st.integers(0, 10))))
            continue
        steps.append(
            Action(
                kind,
                sku=draw(st.sampled_from(skus)),
                qty=draw(st.integers(1, 40)),
                on=draw(_day(as_of, horizon_days, before=2)),
                rush=draw(st.booleans()),
            )
        )
    return tuple(steps)


@st.composite
def scenarios(draw, as_of: date = AS_OF, horizon_days: int = SHORT_HORIZON,
              max_actions: int = 6, tight: bool = False) -> Scenario:
    factory = draw(factories(as_of, horizon_days, tight))
    steps = draw(actions(factory, as_of, horizon_days, max_actions))
    return Scenario(factory, as_of, horizon_days, steps)


def describe(scenario: Scenario) -> str:
    """The scenario as Python that rebuilds it, for a failing example's report."""
    lines = [f"as_of={scenario.as_of!r}, horizon_days={scenario.horizon_days}"]
    lines.append("factory = Factory(")
    f = scenario.factory
    for name in ("work_centers", "calendar", "items", "bom", "routings", "receipts"):
        values = getattr(f, name)
        lines.append(f"    {name}=(")
        lines.extend(f"        {value!r}," for value in values)
        lines.append("    ),")
    lines.append(f"    on_hand={dict(f.on_hand)!r},")
    lines.append(f"    holidays={dict(f.holidays)!r},")
    lines.append(")")
    lines.append("actions = [")
    lines.extend(f"    {action!r}," for action in scenario.actions)
    lines.append("]")
    return "\n".join(lines)


def concrete(action: Action, reference) -> Action | None:
    """`hold_earliest` / `hold_most` turned into a plain `hold`, from the reference's answers (so
    that both planners are asked the same question); None when there is nothing to hold."""
    if action.kind == "hold_earliest":
        ready = reference.readiness(action.sku, action.qty, rush=action.rush)
        if ready is None:
            return None
        return Action("hold", action.sku, action.qty, ready, action.rush)
    if action.kind == "hold_most":
        quote = reference.quote(action.sku, action.qty, action.on, rush=action.rush)
        if quote.on_requested == 0:
            return None
        return Action("hold", action.sku, quote.on_requested, max(action.on, reference.as_of),
                      action.rush)
    return action
