"""Factory changes as values: what is refused and why, what the factory becomes, the plain words."""

from __future__ import annotations

from datetime import date

import pytest

from capacity.changes import (
    BadChange,
    CapacityChange,
    CountChange,
    ReceiptChange,
    applied,
    check,
    describe,
)
from capacity.engine import Engine
from capacity.model import CalendarException, Receipt
from tests.unit.test_engine_vs_reference import WORKED

AS_OF = date(2026, 11, 23)
FACTORY = WORKED.__class__(
    **{
        **WORKED.__dict__,
        "receipts": (Receipt("SHEET", date(2026, 12, 3), 40, "PO-778"),),
        "calendar": (CalendarException("PAINT", date(2026, 12, 5), 6, "overtime"),),
    }
)


def refusal(change: object) -> str:
    with pytest.raises(BadChange) as error:
        check(FACTORY, change, as_of=AS_OF, horizon_days=365)  # type: ignore[arg-type]
    return str(error.value)


def test_a_change_naming_what_the_factory_lacks_says_what_there_is() -> None:
    assert refusal(CapacityChange("LASER", AS_OF, AS_OF, 0)) == (
        "there is no work center 'LASER'; the work centers are CNC, PAINT"
    )
    assert refusal(ReceiptChange("SHEET", "PO-1", qty=3)) == (
        "SHEET has no receipt 'PO-1'; its receipts are PO-778"
    )
    assert refusal(CountChange("NOPE", 3)) == "there is no item 'NOPE'"


def test_days_outside_the_horizon_and_negative_amounts_are_refused() -> None:
    assert "before the planning date 2026-11-23" in refusal(
        CapacityChange("CNC", date(2026, 11, 20), AS_OF, 0)
    )
    assert "beyond the 365-day planning horizon (it ends 2027-11-22)" in refusal(
        CapacityChange("CNC", AS_OF, date(2027, 11, 23), 0)
    )
    assert refusal(CapacityChange("CNC", AS_OF, AS_OF, -1)) == "hours must be 0 or more, not -1"
    assert "before the first day" in refusal(CapacityChange("CNC", date(2026, 12, 4), AS_OF, 4))
    assert refusal(CountChange("SHEET", -2)) == "a count must be 0 or more, not -2"


def test_a_capacity_change_sets_every_calendar_day_weekends_included() -> None:
    change = CapacityChange("PAINT", date(2026, 12, 4), date(2026, 12, 7), 0, "flood")
    after = applied(FACTORY, change)

    engine = Engine(after, as_of=AS_OF, horizon_days=30)
    assert [engine.capacity("PAINT", date(2026, 12, d)) for d in (3, 4, 5, 6, 7, 8)] == [
        8,
        0,
        0,
        0,
        0,
        8,
    ]
    back = applied(
        after, CapacityChange("PAINT", change.first, change.last, None, restore=FACTORY.calendar)
    )
    assert back.calendar == FACTORY.calendar


def test_receipts_move_shrink_and_cancel_and_counts_set_on_hand() -> None:
    later = applied(FACTORY, ReceiptChange("SHEET", "PO-778", on=date(2026, 12, 10)))
    assert later.receipts == (Receipt("SHEET", date(2026, 12, 10), 40, "PO-778"),)
    assert applied(FACTORY, ReceiptChange("SHEET", "PO-778", qty=25)).receipts[0].qty == 25
    assert applied(FACTORY, ReceiptChange("SHEET", "PO-778", qty=0)).receipts == ()
    assert applied(FACTORY, CountChange("SHEET", 12)).on_hand["SHEET"] == 12


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), 0, "spindle repair"),
            "CNC is down Thu 3 – Fri 4 Dec: spindle repair",
        ),
        (
            CapacityChange("CNC", date(2026, 12, 9), date(2026, 12, 9), 4),
            "CNC has 4 h Wed 9 Dec (was 8 h)",
        ),
        (
            CapacityChange("PAINT", date(2026, 11, 28), date(2026, 11, 28), 8),
            "PAINT works 8 h overtime Sat 28 Nov (8 h a day)",
        ),
        (
            ReceiptChange("SHEET", "PO-778", on=date(2026, 12, 10)),
            "SHEET receipt PO-778 is late: it arrives Thu 10 Dec instead of Thu 3 Dec",
        ),
        (ReceiptChange("SHEET", "PO-778", qty=25), "SHEET receipt PO-778 brings 25 instead of 40"),
        (
            ReceiptChange("SHEET", "PO-778", qty=0),
            "SHEET receipt PO-778 (40 due Thu 3 Dec) is cancelled",
        ),
        (CountChange("SHEET", 12), "SHEET was counted: 12 on hand, not 20"),
    ],
)
def test_each_change_is_said_in_plain_words(change: object, words: str) -> None:
    assert describe(FACTORY, change, as_of=AS_OF) == words  # type: ignore[arg-type]
