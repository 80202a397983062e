"""The simulation of promise reliability (DESIGN.md), on a small factory and a short horizon."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from capacity.engine import Engine
from capacity.model import BomLine, Factory, Item, Operation, Receipt, WorkCenter
from capacity.replan import Commitment, breakage, place_again, replan_order
from capacity.simulation import (
    NONE,
    POLICIES,
    Breakdown,
    DemandOrder,
    Disruptions,
    RunResult,
    Setting,
    catalog_lead_times,
    default_rate,
    generate_demand,
    generate_disruptions,
    simulate,
    sold_items,
    summarize,
    typical_qty,
)
from capacity.simulation.demand import hours_per_order
from capacity.simulation.run import _Plant

START = date(2026, 11, 23)  # a Monday
HORIZON = 120
DAYS = 60


def small_factory() -> Factory:
    """Frames and stands, cut and welded from bought tube; welding is the bottleneck."""
    return Factory(
        work_centers=(WorkCenter("CUT", "Saw"), WorkCenter("WELD", "Welding bay")),
        items=(
            Item("FRAME", "Frame", "make"),
            Item("STAND", "Stand", "make"),
            Item("TUBE", "Square tube", "buy", lead_time_days=4),
        ),
        bom=(BomLine("FRAME", "TUBE", 2), BomLine("STAND", "TUBE", 1)),
        routings=(
            Operation("FRAME", 10, "CUT", run_hours_per_unit=0.1, setup_hours=0.5),
            Operation("FRAME", 20, "WELD", run_hours_per_unit=0.3),
            Operation("STAND", 10, "CUT", run_hours_per_unit=0.05, lag_days=1),
            Operation("STAND", 20, "WELD", run_hours_per_unit=0.2, setup_hours=0.5),
        ),
        on_hand={"TUBE": 100, "FRAME": 10},
        receipts=(Receipt("TUBE", START + timedelta(10), 200, "PO-1"),),
    )


def slow_tube_factory() -> Factory:
    """The same, but tube takes 60 days to buy: orders count on the stock and the receipt."""
    slow = Item("TUBE", "Square tube", "buy", lead_time_days=60)
    return dataclasses.replace(small_factory(), items=(*small_factory().items[:2], slow))


def lead_times(factory: Factory) -> dict[str, int]:
    typical = {sku: typical_qty(()) for sku in sold_items(factory)}
    return catalog_lead_times(factory, START, typical, horizon_days=HORIZON)


def run(
    factory: Factory,
    orders: tuple[DemandOrder, ...],
    disruptions: Disruptions,
    setting: Setting,
    seed: int = 1,
) -> RunResult:
    return simulate(
        factory,
        orders,
        disruptions,
        setting,
        start=START,
        days=DAYS,
        seed=seed,
        lead_times=lead_times(factory),
        horizon_days=HORIZON,
    )


def stream(factory: Factory, seed: int, load: float = 1.0) -> tuple[DemandOrder, ...]:
    rate = default_rate(factory, START, DAYS, {}) * load
    return generate_demand(
        factory, start=START, days=DAYS, seed=seed, orders_per_day=rate, quantities={}
    )


def every_setting() -> list[Setting]:
    return [Setting(p, v) for p in POLICIES for v in (0, 2)]


# --- the order stream and the disruptions ----------------------------------------------------


def test_sold_items_are_those_no_bill_of_materials_uses() -> None:
    assert sold_items(small_factory()) == ("FRAME", "STAND")


def test_the_default_rate_loads_the_bottleneck_to_85_percent_on_average() -> None:
    factory = small_factory()
    rate = default_rate(factory, START, DAYS, {})
    need = hours_per_order(factory, {})
    workdays = sum(1 for i in range(DAYS) if (START + timedelta(i)).weekday() < 5)
    assert rate * workdays * need["WELD"] == pytest.approx(0.85 * 8 * workdays)
    assert need["WELD"] > need["CUT"]


def test_orders_arrive_on_workdays_wanted_5_to_30_days_ahead_acceptable_14_days_later() -> None:
    orders = stream(small_factory(), seed=1)
    assert orders, "a loaded factory gets orders"
    assert [o.number for o in orders] == list(range(1, len(orders) + 1))
    for order in orders:
        assert order.arrives_on.weekday() < 5
        assert START <= order.arrives_on < START + timedelta(DAYS)
        assert 5 <= (order.requested_on - order.arrives_on).days <= 30
        assert order.latest_on == order.requested_on + timedelta(14)
        assert order.sku in ("FRAME", "STAND") and order.qty >= 1


def test_quantities_come_from_the_items_own_history_when_it_has_one() -> None:
    orders = generate_demand(
        small_factory(),
        start=START,
        days=DAYS,
        seed=4,
        orders_per_day=2,
        quantities={"FRAME": [7, 11]},
    )
    assert {o.qty for o in orders if o.sku == "FRAME"} <= {7, 11}
    assert len({o.qty for o in orders if o.sku == "STAND"}) > 2  # log-normal, median 20


def test_the_same_seed_gives_the_same_orders_and_disruptions_another_seed_others() -> None:
    factory = small_factory()
    assert stream(factory, 1) == stream(factory, 1)
    assert stream(factory, 1) != stream(factory, 2)
    first = generate_disruptions(factory, start=START, days=400, seed=1)
    assert first == generate_disruptions(factory, start=START, days=400, seed=1)
    assert (
        first.breakdowns != generate_disruptions(factory, start=START, days=400, seed=2).breakdowns
    )
    for breakdown in first.breakdowns:
        assert all(day.weekday() < 5 for day in breakdown.days)
        assert breakdown.days[0] == breakdown.starts_on
    # A planned purchase is late or not whatever the policy that planned it.
    assert first.purchase_delay(7, "TUBE", START, 0) == first.purchase_delay(7, "TUBE", START, 0)


def test_about_one_workday_in_sixty_starts_a_breakdown_of_two_workdays_on_average() -> None:
    factory = small_factory()
    starts = lengths = 0
    for seed in range(1, 21):
        found = generate_disruptions(factory, start=START, days=365, seed=seed).breakdowns
        starts += len(found)
        lengths += sum(len(b.days) for b in found)
    workdays = 2 * 20 * 261  # two work centers, 20 seeds, a year of Mon-Fri
    assert 0.5 / 60 < starts / (workdays - lengths + starts) < 2 / 60
    assert 1.5 < lengths / starts < 2.6


# --- the runs --------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_figures() -> None:
    factory = small_factory()
    orders = stream(factory, 3)
    disruptions = generate_disruptions(factory, start=START, days=DAYS + HORIZON, seed=3)
    for setting in (Setting("backlog", 5), Setting("ctp-repromise", 0)):
        first = run(factory, orders, disruptions, setting, seed=3)
        again = run(factory, orders, disruptions, setting, seed=3)
        assert first == again
        assert summarize([first]) == summarize([again])


def test_every_order_ends_shipped_open_or_lost_and_none_is_counted_twice() -> None:
    factory = small_factory()
    orders = stream(factory, 3, load=1.2)
    disruptions = generate_disruptions(factory, start=START, days=DAYS + HORIZON, seed=3)
    for setting in every_setting():
        result = run(factory, orders, disruptions, setting, seed=3)
        assert [o.order for o in result.outcomes] == list(orders), setting
        lost = [o for o in result.outcomes if not o.accepted]
        shipped = [o for o in result.outcomes if o.accepted and o.shipped_on is not None]
        still_open = [o for o in result.outcomes if o.accepted and o.shipped_on is None]
        assert len(lost) + len(shipped) + len(still_open) == len(orders)
        for outcome in shipped:
            assert outcome.order.arrives_on <= outcome.shipped_on <= result.end
        for outcome in result.outcomes:
            if outcome.accepted:
                assert outcome.promised_on is not None
                assert outcome.promised_on <= outcome.order.latest_on
                assert outcome.promised_on >= outcome.order.requested_on
        figures = summarize([result])[0]
        assert figures.arrived == len(orders)
        assert figures.accepted + figures.lost == figures.arrived
        assert figures.shipped + figures.still_open == figures.accepted
        assert figures.kept <= figures.kept_as_last_told or setting.policy != "ctp-repromise"


def test_without_disruptions_ctp_keeps_every_promise_and_a_fixed_lead_time_does_not() -> None:
    factory = small_factory()
    results = []
    for seed in (1, 2, 3):
        orders = stream(factory, seed, load=1.1)
        for setting in (Setting("fixed", 0), Setting("ctp", 0), Setting("ctp-repromise", 0)):
            results.append(run(factory, orders, NONE, setting, seed=seed))
    fixed, ctp, again = summarize(results)
    assert ctp.accepted > 0 and ctp.kept == ctp.accepted
    assert again.kept == again.accepted and again.warned == 0
    assert fixed.accepted == fixed.arrived
    assert fixed.kept < fixed.accepted
    assert fixed.days_late_mean is not None and fixed.days_late_mean > 0


def test_a_breakdown_makes_ctp_repromise_tell_the_customer_the_new_date_at_once() -> None:
    factory = small_factory()
    order = DemandOrder(1, START, "Acme", "FRAME", 40, START + timedelta(10), START + timedelta(30))
    # Plain ctp holds 40 FRAME just in time for Thu 3 Dec: welding on Tue 1 – Thu 3 Dec.
    plain = run(factory, (order,), NONE, Setting("ctp", 0)).outcomes[0]
    assert plain.promised_on == plain.shipped_on == START + timedelta(10)
    welding = (START + timedelta(8), START + timedelta(9), START + timedelta(10))
    breakdown = Disruptions(breakdowns=(Breakdown("WELD", welding[0], welding),))
    told = run(factory, (order,), breakdown, Setting("ctp-repromise", 0)).outcomes[0]
    assert told.promised_on == START + timedelta(10)
    assert told.warned_on == welding[0]
    assert told.told_on is not None and told.told_on > told.promised_on
    assert told.shipped_on == told.told_on and told.kept_as_last_told and not told.kept
    silent = run(factory, (order,), breakdown, Setting("ctp", 0)).outcomes[0]
    assert silent.warned_on is None and silent.told_on == silent.promised_on
    assert silent.shipped_on is not None and silent.shipped_on > silent.promised_on


def test_slack_is_a_buffer_a_short_breakdown_does_not_break_the_promise() -> None:
    factory = small_factory()
    order = DemandOrder(1, START, "Acme", "FRAME", 40, START + timedelta(10), START + timedelta(30))
    welding = (START + timedelta(8),)
    breakdown = Disruptions(breakdowns=(Breakdown("WELD", welding[0], welding),))
    outcome = run(factory, (order,), breakdown, Setting("ctp", 2)).outcomes[0]
    assert outcome.promised_on == START + timedelta(14)  # Thu 3 Dec + 2 workdays
    assert outcome.kept


def test_a_late_supplier_delays_the_orders_that_counted_on_the_delivery() -> None:
    factory = slow_tube_factory()
    # 60 FRAME to make need 120 TUBE: the 100 on hand and some of the 200 due on day 10.
    order = DemandOrder(1, START, "Acme", "FRAME", 70, START + timedelta(5), START + timedelta(40))
    on_time = run(factory, (order,), NONE, Setting("ctp", 0)).outcomes[0]
    assert on_time.kept and on_time.promised_on is not None
    assert on_time.promised_on > START + timedelta(10)
    late = Disruptions(late_on={("TUBE", START + timedelta(10)): 5})
    outcome = run(factory, (order,), late, Setting("ctp", 0)).outcomes[0]
    assert outcome.shipped_on is not None and outcome.shipped_on > outcome.promised_on


def test_fixed_promises_the_catalog_lead_time_and_backlog_adds_the_queue() -> None:
    factory = small_factory()
    leads = lead_times(factory)
    assert leads == {
        "FRAME": 0,
        "STAND": 1,
    }  # FRAME from stock and tube on hand, on the empty plant
    orders = stream(factory, 2, load=1.2)
    fixed = run(factory, orders, NONE, Setting("fixed", 20))
    backlog = run(factory, orders, NONE, Setting("backlog", 20))
    for outcome in fixed.outcomes:
        o = outcome.order
        expected = max(o.requested_on, o.arrives_on + timedelta(leads[o.sku] + 20))
        assert outcome.promised_on == (expected if expected <= o.latest_on else None)
    later = [
        (b.promised_on or b.order.latest_on) >= (f.promised_on or f.order.latest_on)
        for f, b in zip(fixed.outcomes, backlog.outcomes, strict=True)
    ]
    assert all(later)


def test_the_plant_never_works_more_hours_than_it_has_nor_takes_stock_it_lacks() -> None:
    factory = small_factory()
    orders = stream(factory, 5, load=1.3)
    disruptions = generate_disruptions(factory, start=START, days=DAYS + HORIZON, seed=5)
    arrivals: dict[date, list[DemandOrder]] = {}
    for order in orders:
        arrivals.setdefault(order.arrives_on, []).append(order)
    for setting in (Setting("fixed", 0), Setting("ctp", 0), Setting("ctp-repromise", 2)):
        plant = _Plant(factory, setting, disruptions, START, DAYS, HORIZON, lead_times(factory))
        for n in range(DAYS):
            if n:
                plant.next_day()
            plant.disrupt()
            plant.retry_unplaced()
            if setting.policy == "fixed":
                plant.place_unstarted_again()
            for order in arrivals.get(plant.today, ()):
                plant.arrive(order)
            engine = plant.engine
            for wc in factory.work_centers:
                for i in range(engine.horizon_days):
                    on = engine.day(i)
                    assert engine.reserved(wc.code, on) <= engine.capacity(wc.code, on) + 1e-6
                assert plant.backlog[wc.code] == pytest.approx(
                    sum(engine.reserved(wc.code, engine.day(i)) for i in range(HORIZON)), abs=1e-6
                )
            assert not breakage(engine)  # no day over-booked, no item short
            plant.work(counted=True)


# --- the re-plan rules, as ctp-repromise uses them (capacity.replan) -------------------------


def order_of(sku: str, qty: int, on: date, n: int = 1, *, confirmed: bool = True) -> Commitment:
    return Commitment(id=n, sku=sku, qty=qty, promised_on=on, confirmed=confirmed)


def test_a_released_order_keeps_its_date_when_it_fits_else_moves_to_its_new_earliest() -> None:
    factory = small_factory()
    engine = Engine(factory, as_of=START, horizon_days=HORIZON)
    fits = place_again(engine, order_of("FRAME", 20, START + timedelta(10)))
    assert fits.outcome == "kept" and fits.on == START + timedelta(10)
    assert engine.reserved("WELD", START + timedelta(10)) == 0.0  # computed, not booked
    engine.set_capacity("WELD", START, 0.0)
    for i in range(1, 12):
        engine.set_capacity("WELD", START + timedelta(i), 0.0)
    moved = place_again(engine, order_of("FRAME", 60, START + timedelta(3)))
    assert moved.outcome == "moved"
    assert moved.on == engine.readiness("FRAME", 60)
    assert moved.placement is not None and moved.placement.on == moved.on
    short = Engine(factory, as_of=START, horizon_days=5)
    nowhere = place_again(short, order_of("FRAME", 500, START))
    assert nowhere.outcome == "at_risk" and nowhere.placement is None


def test_broken_orders_are_placed_again_confirmed_first_then_by_date_then_as_booked() -> None:
    keys = [
        replan_order(order_of("FRAME", 1, START, 1, confirmed=False)),
        replan_order(order_of("FRAME", 1, START + timedelta(2), 2)),
        replan_order(order_of("FRAME", 1, START + timedelta(1), 4)),
        replan_order(order_of("FRAME", 1, START + timedelta(1), 3)),
    ]
    assert sorted(range(4), key=keys.__getitem__) == [3, 2, 1, 0]


def test_a_late_receipt_breaks_the_orders_holding_that_stock_before_it_comes() -> None:
    factory = slow_tube_factory()
    engine = Engine(factory, as_of=START, horizon_days=HORIZON)
    early = engine.place("STAND", 90, START + timedelta(3))  # 90 of the 100 TUBE on hand
    engine.apply(early)
    after = engine.place("STAND", 100, START + timedelta(16))  # the 200 arriving on day 10
    engine.apply(after)
    assert not breakage(engine, skus={"TUBE"})
    engine.add_supply("TUBE", START + timedelta(10), -200.0)
    engine.add_supply("TUBE", START + timedelta(20), 200.0)
    found = breakage(engine, skus={"TUBE"})
    assert dict(found.stock) == {"TUBE": START + timedelta(19)}
    assert found.breaks(after)


def test_an_order_with_no_place_left_in_the_horizon_is_at_risk_and_its_customer_told() -> None:
    factory = small_factory()
    order = DemandOrder(1, START, "Acme", "FRAME", 40, START + timedelta(10), START + timedelta(30))
    # On day 8 welding stops for the whole horizon: nothing fits, the order is at risk. The
    # customer is told that day; the order is quoted again each day and, once a day past the
    # breakdown joins the horizon, gets a date, which the customer is told.
    down = tuple(START + timedelta(8 + i) for i in range(HORIZON))
    breakdown = Disruptions(breakdowns=(Breakdown("WELD", down[0], down),))
    told = run(factory, (order,), breakdown, Setting("ctp-repromise", 0)).outcomes[0]
    assert told.promised_on == START + timedelta(10)
    assert told.warned_on == down[0]
    assert told.told_on is not None and told.told_on > down[-1]
    assert told.shipped_on == told.told_on and told.kept_as_last_told and not told.kept
    figures = summarize([run(factory, (order,), breakdown, Setting("ctp-repromise", 0))])[0]
    assert (figures.kept, figures.kept_as_last_told, figures.warned) == (0, 1, 1)
