"""Property tests: the fast engine agrees with the slow reference on random small factories.

For random factories (tests/factories.py) and random sequences of quotes, holds and releases, the
engine (capacity.engine.Engine) and the reference (tests/reference.py) must give the same
readiness days, the same quote fields (earliest, on_requested, split, rush_earliest — not the
constraint's words), the same placements (hours, stock and purchases summed per work center or sku
and day, within 1e-6), and after every step the invariants hold: reserved hours never exceed
capacity, and PAB is never negative where it was not already so without reservations.

A failure prints the scenario as Python (`describe`) so that it can be replayed by hand.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.engine import Engine
from capacity.model import BomLine, Factory, Item, NotPromisable, Operation, Placement, WorkCenter
from tests.factories import (
    AS_OF,
    SHORT_HORIZON,
    Action,
    Scenario,
    concrete,
    describe,
    factories,
    scenarios,
)
from tests.reference import ReferencePlanner

EPS = 1e-6
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _days(as_of: date, horizon_days: int) -> list[date]:
    return [as_of + timedelta(days=k) for k in range(horizon_days)]


def summed(placement: Placement) -> dict[str, dict[tuple, float]]:
    """A placement as three multisets summed per key; zero entries dropped."""
    out: dict[str, dict[tuple, float]] = {"hours": {}, "stock": {}, "purchases": {}}
    books: dict[str, defaultdict[tuple, float]] = {k: defaultdict(float) for k in out}
    for use in placement.hours:
        books["hours"][(use.work_center, use.on)] += use.hours
    for stock in placement.stock:
        books["stock"][(stock.sku, stock.on)] += stock.qty
    for purchase in placement.purchases:
        books["purchases"][(purchase.sku, purchase.on)] += purchase.qty
    for kind, book in books.items():
        out[kind] = {key: value for key, value in book.items() if abs(value) > EPS}
    return out


def same_placement(engine: Placement, reference: Placement) -> list[str]:
    problems = []
    for field in ("sku", "qty", "on", "rush"):
        if getattr(engine, field) != getattr(reference, field):
            problems.append(
                f"{field}: engine {getattr(engine, field)}, reference {getattr(reference, field)}"
            )
    if engine.just_in_time != reference.just_in_time:
        problems.append(
            f"just_in_time: engine {engine.just_in_time}, reference {reference.just_in_time}"
        )
    mine, theirs = summed(engine), summed(reference)
    for kind in mine:
        keys = sorted(set(mine[kind]) | set(theirs[kind]))
        for key in keys:
            a, b = mine[kind].get(key, 0.0), theirs[kind].get(key, 0.0)
            if abs(a - b) > EPS:
                problems.append(f"{kind} {key}: engine {a:g}, reference {b:g}")
    return problems


def check_invariants(engine: Engine, reference: ReferencePlanner, scenario: Scenario) -> None:
    days = _days(scenario.as_of, scenario.horizon_days)
    for wc in scenario.factory.work_centers:
        for day in days:
            reserved, capacity = engine.reserved(wc.code, day), engine.capacity(wc.code, day)
            assert reserved <= capacity + EPS, f"{wc.code} {day}: reserved {reserved} > {capacity}"
            assert reserved >= -EPS, f"{wc.code} {day}: reserved {reserved} < 0"
            assert reserved == pytest.approx(reference.reserved(wc.code, day), abs=EPS), (
                f"{wc.code} {day}: reserved engine {reserved}, "
                f"reference {reference.reserved(wc.code, day)}"
            )
    for item in scenario.factory.items:
        for day in days:
            pab = engine.pab(item.sku, day)
            floor = min(0.0, reference.pab_without_allocations(item.sku, day))
            assert pab >= floor - EPS, f"{item.sku} {day}: PAB {pab} < {floor}"
            assert pab == pytest.approx(reference.pab(item.sku, day), abs=EPS), (
                f"{item.sku} {day}: PAB engine {pab}, reference {reference.pab(item.sku, day)}"
            )
            atp = engine.atp(item.sku, day)
            assert atp == pytest.approx(reference.atp(item.sku, day), abs=EPS), (
                f"{item.sku} {day}: ATP engine {atp}, reference {reference.atp(item.sku, day)}"
            )
    assert reference.violations() == []


def compare_quotes(engine: Engine, reference: ReferencePlanner, action) -> None:
    mine = engine.quote(action.sku, action.qty, action.on, rush=action.rush)
    theirs = reference.quote(action.sku, action.qty, action.on, rush=action.rush)
    for field in ("earliest", "on_requested", "split", "rush_earliest"):
        assert getattr(mine, field) == getattr(theirs, field), (
            f"quote {action}: {field} engine {getattr(mine, field)}, "
            f"reference {getattr(theirs, field)}"
        )
    keeps_its_word(engine, mine)


def keeps_its_word(engine: Engine, quote) -> None:
    """What a quote offers, a hold gets: Q on `earliest`, `on_requested` on D' (not applied)."""
    wanted = max(quote.requested, quote.as_of)
    if quote.earliest is not None:
        engine.place(quote.sku, quote.qty, quote.earliest, rush=quote.rush)
    if quote.on_requested > 0:
        engine.place(quote.sku, quote.on_requested, wanted, rush=quote.rush)


def run(scenario: Scenario) -> None:
    """Play the scenario on both planners; a failure's message carries the scenario as Python."""
    done: list[str] = []
    try:
        _play(scenario, done)
    except AssertionError as error:
        steps = "\n".join(done)
        raise AssertionError(
            f"{error}\n\n--- scenario ---\n{describe(scenario)}\n--- steps played ---\n{steps}"
        ) from None


def _play(scenario: Scenario, done: list[str]) -> None:
    engine = Engine(scenario.factory, as_of=scenario.as_of, horizon_days=scenario.horizon_days)
    reference = ReferencePlanner(
        scenario.factory, as_of=scenario.as_of, horizon_days=scenario.horizon_days
    )
    held: list[tuple[Placement, Placement]] = []
    for step, asked in enumerate(scenario.actions):
        action = concrete(asked, reference)
        if action is None:
            continue
        done.append(f"step {step}: {action}")
        if action.kind == "release":
            if not held:
                continue
            mine, theirs = held.pop(action.which % len(held))
            engine.release(mine)
            reference.release(theirs)
        else:
            for rush in (False, True):
                assert engine.readiness(action.sku, action.qty, rush=rush) == reference.readiness(
                    action.sku, action.qty, rush=rush
                ), f"readiness({action.sku}, {action.qty}, rush={rush})"
            if action.kind == "quote":
                compare_quotes(engine, reference, action)
            else:
                outcomes = []
                for planner in (engine, reference):
                    try:
                        outcomes.append(planner.place(action.sku, action.qty, action.on,
                                                      rush=action.rush))
                    except NotPromisable:
                        outcomes.append(None)
                mine, theirs = outcomes
                assert (mine is None) == (theirs is None), (
                    f"hold {action}: engine {'refused' if mine is None else 'placed'}, "
                    f"reference {'refused' if theirs is None else 'placed'}"
                )
                if mine is not None and theirs is not None:
                    problems = same_placement(mine, theirs)
                    assert not problems, f"hold {action}:\n  " + "\n  ".join(problems)
                    engine.apply(mine)
                    reference.apply(theirs)
                    held.append((mine, theirs))
        check_invariants(engine, reference, scenario)


@SETTINGS
@given(factories())
def test_capacity_and_stock_of_a_fresh_factory(factory) -> None:
    engine = Engine(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    reference = ReferencePlanner(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    for day in _days(AS_OF, SHORT_HORIZON):
        for wc in factory.work_centers:
            for rush in (False, True):
                assert engine.free_hours(wc.code, day, rush=rush) == pytest.approx(
                    reference.free_hours(wc.code, day, rush=rush), abs=EPS
                ), f"free_hours({wc.code}, {day}, rush={rush})"
            assert engine.capacity(wc.code, day) == pytest.approx(
                reference.capacity(wc.code, day), abs=EPS
            ), f"capacity({wc.code}, {day})"
        for item in factory.items:
            assert engine.pab(item.sku, day) == pytest.approx(reference.pab(item.sku, day), abs=EPS)
            assert engine.atp(item.sku, day) == pytest.approx(reference.atp(item.sku, day), abs=EPS)


@SETTINGS
@given(factories(), st.data())
def test_readiness_of_a_fresh_factory(factory, data) -> None:
    engine = Engine(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    reference = ReferencePlanner(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    for item in factory.items:
        for qty in data.draw(st.lists(st.integers(1, 40), min_size=1, max_size=3)):
            for rush in (False, True):
                assert engine.readiness(item.sku, qty, rush=rush) == reference.readiness(
                    item.sku, qty, rush=rush
                ), f"readiness({item.sku}, {qty}, rush={rush})"


@settings(SETTINGS, max_examples=150)
@given(scenarios())
def test_engine_matches_reference_on_random_sequences(scenario: Scenario) -> None:
    run(scenario)


@settings(SETTINGS, max_examples=100)
@given(scenarios(tight=True))
def test_engine_matches_reference_when_capacity_is_tight(scenario: Scenario) -> None:
    """Little capacity and shared work centers: refusals, splits, and the forward fallback."""
    run(scenario)


# --- fixed scenarios: paths random factories reach only rarely ------------------------------

WORKED = Factory(
    work_centers=(WorkCenter("CNC"), WorkCenter("PAINT")),
    items=(Item("BRKT", kind="make"), Item("SHEET", kind="buy", lead_time_days=10)),
    bom=(BomLine("BRKT", "SHEET", 1),),
    routings=(
        Operation("BRKT", 10, "CNC", setup_hours=2, run_hours_per_unit=0.5),
        Operation("BRKT", 20, "PAINT", run_hours_per_unit=0.25),
    ),
    on_hand={"BRKT": 5, "SHEET": 20},
)


def test_the_worked_example() -> None:
    on = date(2026, 11, 25)
    run(Scenario(WORKED, AS_OF, 365, (
        Action("quote", "BRKT", 40, on),
        Action("hold", "BRKT", 40, on),  # refused
        Action("hold", "BRKT", 25, on),
        Action("quote", "BRKT", 15, on),
        Action("release", which=0),
        Action("hold", "BRKT", 40, date(2026, 12, 8)),
        Action("quote", "SHEET", 1, AS_OF),
        Action("quote", "BRKT", 40, on, rush=True),
    )))


def test_a_sibling_that_takes_the_late_hours_forces_the_forward_fallback() -> None:
    """P needs C1 and C2, both made on WC (8 h/day); C2 needs B, bought in 3 days. Forwards, C1
    runs Mon and C2 Thu. Backwards from Thu, C1 (first in sku order) takes Thu and pushes C2 to
    Wed, when B cannot have arrived: the hold is placed forwards (just_in_time False)."""
    factory = Factory(
        work_centers=(WorkCenter("WC"), WorkCenter("WC2")),
        items=(
            Item("P", kind="make"), Item("C1", kind="make"), Item("C2", kind="make"),
            Item("B", kind="buy", lead_time_days=3),
        ),
        bom=(BomLine("P", "C1", 1), BomLine("P", "C2", 1), BomLine("C2", "B", 1)),
        routings=(
            Operation("P", 10, "WC2", run_hours_per_unit=1),
            Operation("C1", 10, "WC", run_hours_per_unit=8),
            Operation("C2", 10, "WC", run_hours_per_unit=8),
        ),
    )
    reference = ReferencePlanner(factory, as_of=AS_OF, horizon_days=42)
    placement = reference.place("P", 1, date(2026, 11, 26))
    assert not placement.just_in_time
    run(Scenario(factory, AS_OF, 42, (
        Action("hold_earliest", "P", 1),
        Action("quote", "P", 2, date(2026, 11, 26)),
        Action("hold_earliest", "P", 1),
    )))


def test_thirty_tenths_of_an_hour_fit_in_three_hours() -> None:
    factory = Factory(
        work_centers=(WorkCenter("WC", hours_per_shift=3.0, rush_reserve_pct=0),),
        items=(Item("X", kind="make"),),
        routings=(Operation("X", 10, "WC", run_hours_per_unit=0.1),),
    )
    reference = ReferencePlanner(factory, as_of=AS_OF, horizon_days=14)
    assert reference.readiness("X", 30) == AS_OF
    run(Scenario(factory, AS_OF, 14, (
        Action("hold", "X", 30, AS_OF),
        Action("quote", "X", 1, AS_OF),
        Action("hold", "X", 30, date(2026, 11, 24)),
        Action("quote", "X", 31, AS_OF),
    )))


def test_a_quote_beyond_the_horizon_offers_nothing_a_hold_would_refuse() -> None:
    horizon = 30
    beyond = AS_OF + timedelta(days=horizon + 4)
    engine = Engine(WORKED, as_of=AS_OF, horizon_days=horizon)
    quote = engine.quote("BRKT", 10, beyond)
    assert quote.earliest is None
    keeps_its_word(engine, quote)  # NotPromisable: beyond the 30-day horizon
    assert quote.on_requested == 0
