"""Property tests: re-planning after a change agrees with the slow reference of DESIGN.md.

Random small factories (tests/factories.py) get random promises (held and confirmed, some rush),
then random changes: a downtime, fewer hours, a receipt moved later or cut, a stock count lowered,
and now and then capacity or material given back. After each change the engine's re-plan
(capacity.replan) and the reference's (tests/reference.py, READINGS R17–R19) must release exactly
the same broken orders in the same order and place each the same way; reserved hours never
exceed capacity, PAB never goes below its floor, every reservation that was not broken is exactly
as it was, and a `replan` (pulling moved orders back) run twice moves nothing the second time.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.changes import CapacityChange, Change, CountChange, ReceiptChange, applied, check
from capacity.engine import Engine
from capacity.model import Factory, NotPromisable, Placement
from capacity.replan import Commitment, breakage, broken, pull_back, replan_order, repromise
from tests.factories import AS_OF, SHORT_HORIZON, Scenario, describe, factories
from tests.reference import ReferencePlanner
from tests.unit.test_engine_vs_reference import SETTINGS, check_invariants, same_placement

EPS = 1e-6


@st.composite
def named_factories(draw, tight: bool = False) -> Factory:
    """A random factory whose receipts have refs, so that a change can name them."""
    factory = draw(factories(tight=tight))
    receipts = tuple(
        dataclasses.replace(receipt, ref=f"PO-{n}") for n, receipt in enumerate(factory.receipts)
    )
    return dataclasses.replace(factory, receipts=receipts)


@st.composite
def bookings(draw, factory: Factory) -> list[tuple[str, int, int | None, bool, bool]]:
    """(sku, qty, day offset or None for its earliest day, confirmed, rush) of promises."""
    skus = [item.sku for item in factory.items]
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(skus),
                st.integers(1, 25),
                st.one_of(st.none(), st.integers(0, SHORT_HORIZON - 1)),
                st.booleans(),
                st.booleans() if draw(st.booleans()) else st.just(False),
            ),
            min_size=1,
            max_size=10,
        )
    )


@st.composite
def changes(draw, factory: Factory, count: int) -> list[Change]:
    """Changes that take away (mostly) or give back, each valid for `factory` when drawn: a
    downtime (now and then to the horizon's end), fewer hours, overtime, a downtime lifted, a
    count, a receipt late, early or cut."""
    out: list[Change] = []
    for _ in range(count):
        kinds = ["down", "down", "hours", "count", "more", "long"]
        lifted = [c for c in out if isinstance(c, CapacityChange) and c.hours is not None]
        if lifted:
            kinds += ["back", "back"]
        if factory.receipts:
            kinds += ["late", "cut", "early"]
        kind = draw(st.sampled_from(kinds))
        if kind == "back":
            down = draw(st.sampled_from(lifted))
            out.append(CapacityChange(down.work_center, down.first, down.last, None, "back"))
        elif kind in ("down", "hours", "more", "long"):
            wc = draw(st.sampled_from(factory.work_centers)).code
            first = AS_OF + timedelta(draw(st.integers(0, 20)))
            last = first + timedelta(draw(st.integers(0, 4)))
            if kind == "long":
                last = AS_OF + timedelta(SHORT_HORIZON - 1)
            hours = {"hours": draw(st.sampled_from((0.5, 1.0, 2.0, 3.0))), "more": 16.0}.get(
                kind, 0.0
            )
            out.append(CapacityChange(wc, first, last, hours, kind))
        elif kind == "count":
            sku = draw(st.sampled_from(factory.items)).sku
            have = float(factory.on_hand.get(sku, 0.0))
            out.append(CountChange(sku, draw(st.sampled_from((0.0, have / 2, max(have - 1, 0))))))
        else:
            receipt = draw(st.sampled_from(factory.receipts))
            if kind == "late":
                on = max(receipt.on, AS_OF) + timedelta(draw(st.integers(1, 10)))
                on = min(on, AS_OF + timedelta(SHORT_HORIZON - 1))
                out.append(ReceiptChange(receipt.sku, receipt.ref, on=on))
            elif kind == "early":
                out.append(ReceiptChange(receipt.sku, receipt.ref, on=AS_OF))
            else:
                qty = draw(st.sampled_from((0.0, receipt.qty / 2)))
                out.append(ReceiptChange(receipt.sku, receipt.ref, qty=qty))
        factory = applied(factory, out[-1])
    return out


def book(
    engine: Engine,
    reference: ReferencePlanner,
    wanted: list[tuple[str, int, int | None, bool, bool]],
) -> list[Commitment]:
    """Place the promises on both planners as holds would be; refused ones are left out."""
    out: list[Commitment] = []
    for n, (sku, qty, offset, confirmed, rush) in enumerate(wanted):
        if offset is None:
            ready = reference.readiness(sku, qty, rush=rush)
            if ready is None:
                continue
            on = ready
        else:
            on = AS_OF + timedelta(offset)
        try:
            theirs = reference.place(sku, qty, on, rush=rush)
        except NotPromisable:
            continue
        mine = engine.place(sku, qty, on, rush=rush)
        assert not same_placement(mine, theirs)
        engine.apply(mine)
        reference.apply(theirs)
        out.append(Commitment(n + 1, sku, qty, on, confirmed, rush, mine))
    return out


def held_hours(commitments: list[Commitment]) -> dict[tuple[str, date], float]:
    total: dict[tuple[str, date], float] = defaultdict(float)
    for c in commitments:
        for use in c.placement.hours if c.placement else ():
            total[(use.work_center, use.on)] += use.hours
    return total


def agree(mine: Placement | None, theirs: Placement | None, what: str) -> None:
    assert (mine is None) == (theirs is None), f"{what}: engine {mine}, reference {theirs}"
    if mine is not None and theirs is not None:
        problems = same_placement(mine, theirs)
        assert not problems, f"{what}:\n  " + "\n  ".join(problems)


def replan_both(
    engine: Engine, reference: ReferencePlanner, commitments: list[Commitment]
) -> tuple[list[Commitment], int]:
    """`replan`: re-check what is broken, then pull moved orders back; on both planners. Returns
    the commitments after it and how many orders it moved to another day."""
    found = breakage(engine)
    mine = repromise(engine, broken(found, commitments))
    theirs = reference.repromise(reference.broken(commitments))
    assert [r.commitment.id for r in mine] == [cid for cid, _ in theirs], "broken in replan"
    changed = sum(r.placement != r.commitment.placement for r in mine)
    by_id = {c.id: c for c in commitments} | {r.commitment.id: r.after for r in mine}
    moved = sorted((c for c in by_id.values() if c.moved_to is not None), key=replan_order)
    pulled = pull_back(engine, moved)
    pulled_ref = reference.pull_back(moved)
    assert [r.commitment.id for r in pulled] == list(pulled_ref), "the orders pulled back"
    for r in pulled:
        agree(r.placement, pulled_ref[r.commitment.id], f"pull back #{r.commitment.id}")
        by_id[r.commitment.id] = r.after
    return sorted(by_id.values(), key=lambda c: c.id), changed + len(pulled)


def play(factory: Factory, wanted, steps: list[Change]) -> None:
    engine = Engine(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    reference = ReferencePlanner(factory, as_of=AS_OF, horizon_days=SHORT_HORIZON)
    commitments = book(engine, reference, wanted)
    for change in steps:
        check(factory, change, as_of=AS_OF, horizon_days=SHORT_HORIZON)
        factory = applied(factory, change)
        engine = engine.with_factory(factory)
        reference = reference.changed(factory)

        # The change: only broken orders are released, all at once, re-placed in order.
        expected = reference.broken(commitments)
        everywhere = breakage(engine)
        found = broken(everywhere, commitments)
        touched = (
            {"work_centers": {change.work_center}, "skus": set()}
            if isinstance(change, CapacityChange)
            else {"work_centers": set(), "skus": {change.sku}}
        )
        assert breakage(engine, **touched) == everywhere, "only what the change touched breaks"
        assert [c.id for c in found] == [c.id for c in expected], "the broken orders"
        assert [c.id for c in found] == [c.id for c in sorted(found, key=replan_order)]
        mine = repromise(engine, found)
        theirs = reference.repromise(expected)
        for done, (cid, placement) in zip(mine, theirs, strict=True):
            assert done.commitment.id == cid
            agree(done.placement, placement, f"re-placing #{cid} after {change}")
            if done.outcome == "kept":
                assert done.on == done.commitment.promised_on
            elif done.outcome == "moved":
                assert done.on is not None
                assert done.on > done.commitment.promised_on
        before = {c.id: c for c in commitments}
        by_id = before | {r.commitment.id: r.after for r in mine}
        commitments = sorted(by_id.values(), key=lambda c: c.id)
        for cid in before.keys() - {c.id for c in found}:
            assert by_id[cid] == before[cid], f"#{cid} was not broken, yet it changed"
        scenario = Scenario(factory, AS_OF, SHORT_HORIZON, ())
        check_invariants(engine, reference, scenario)
        for key, hours in held_hours(commitments).items():
            assert abs(engine.reserved(*key) - hours) < EPS, f"{key}: only what promises hold"

        # `replan`, twice: the second moves nothing.
        commitments, _ = replan_both(engine, reference, commitments)
        check_invariants(engine, reference, scenario)
        placed = {c.id: c.placement for c in commitments}
        commitments, moved = replan_both(engine, reference, commitments)
        assert moved == 0, "a second re-plan moved an order"
        assert {c.id: c.placement for c in commitments} == placed


def run(factory: Factory, wanted, steps: list[Change]) -> None:
    try:
        play(factory, wanted, steps)
    except AssertionError as error:
        raise AssertionError(
            f"{error}\n\n--- factory ---\n{describe(Scenario(factory, AS_OF, SHORT_HORIZON, ()))}"
            f"\n--- promises ---\n{wanted}\n--- changes ---\n{steps}"
        ) from None


@settings(SETTINGS, max_examples=120)
@given(st.data())
def test_replan_matches_reference_after_random_changes(data) -> None:
    factory = data.draw(named_factories())
    run(factory, data.draw(bookings(factory)), data.draw(changes(factory, 4)))


@settings(SETTINGS, max_examples=80)
@given(st.data())
def test_replan_matches_reference_when_capacity_is_tight(data) -> None:
    """Tight factories: most changes break something, many orders move or end at risk."""
    factory = data.draw(named_factories(tight=True))
    run(factory, data.draw(bookings(factory)), data.draw(changes(factory, 4)))
