"""What operations type after `/capacity` and `/supply`, read as changes (Mon 23 Nov 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from capacity.changes import CapacityChange, CountChange, ReceiptChange
from handlers.changes_parsing import (
    ChangeSyntaxError,
    LiftDowntime,
    ShowLoad,
    ShowSequence,
    parse_capacity,
    parse_supply,
)
from handlers.changes_views import decode, encode

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "change"),
    [
        (
            'CNC down Thu..Fri "spindle repair"',
            CapacityChange("CNC", date(2026, 11, 26), date(2026, 11, 27), 0, "spindle repair"),
        ),
        (
            "CNC down Thu 3 Dec to Fri 4 Dec spindle repair",
            CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), 0, "spindle repair"),
        ),
        ("CNC 4h 2026-12-09", CapacityChange("CNC", date(2026, 12, 9), date(2026, 12, 9), 4, "")),
        (
            "PAINT overtime Sat 8h",
            CapacityChange("PAINT", date(2026, 11, 28), date(2026, 11, 28), 8, "", extra=True),
        ),
        ("CNC 6.5h 12-01..12-02", CapacityChange("CNC", date(2026, 12, 1), date(2026, 12, 2), 6.5)),
        ("CNC back", LiftDowntime("CNC")),
        # A weekday after a span's first day is the next one after it: Fri 27 Nov – Thu 3 Dec.
        ("CNC down Fri..Thu", CapacityChange("CNC", date(2026, 11, 27), date(2026, 12, 3), 0)),
    ],
)
def test_capacity_changes_are_read_as_planners_write_them(text: str, change: object) -> None:
    assert parse_capacity(text, today=TODAY) == change


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("CNC", ShowLoad("CNC")),
        ("cnc 8w", ShowLoad("cnc", 8)),
        ("PAINT 12 weeks", ShowLoad("PAINT", 12)),
        ("sequence LASER BEND", ShowSequence(("LASER", "BEND"))),
        ("sequence LASER BEND PAINT", ShowSequence(("LASER", "BEND", "PAINT"))),
        ("sequence LASER BEND 2026-12-07", ShowSequence(("LASER", "BEND"), date(2026, 12, 7))),
    ],
)
def test_a_work_center_alone_or_sequence_asks_for_the_planners_view(
    text: str, shown: object
) -> None:
    assert parse_capacity(text, today=TODAY) == shown


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("CNC sideways", "'sideways' is not a change I know"),
        ("CNC 40w", "1 to 26 weeks, not 40"),
        ("sequence CNC", "Name the two work centers"),
        ("CNC sideways Thu", "'sideways' is not a change I know"),
        ("PAINT overtime Sat", "Say how many hours of overtime"),
        ("CNC down", "Say which days"),
        ("CNC down 2026-12-04..2026-12-03", "ends before it starts"),
        ("CNC down 2026-11-20", "is in the past"),
        ("CNC back now", "`back` takes nothing after it"),
    ],
)
def test_capacity_text_that_cannot_be_read_says_what_to_write(text: str, problem: str) -> None:
    with pytest.raises(ChangeSyntaxError) as error:
        parse_capacity(text, today=TODAY)
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("SHEET PO-778 moves to 12-10", ReceiptChange("SHEET", "PO-778", on=date(2026, 12, 10))),
        ("SHEET PO-778 on Friday", ReceiptChange("SHEET", "PO-778", on=date(2026, 11, 27))),
        ("SHEET PO-778 qty 40", ReceiptChange("SHEET", "PO-778", qty=40)),
        ("SHEET PO-778 cancelled", ReceiptChange("SHEET", "PO-778", qty=0)),
        ("SHEET count 12", CountChange("SHEET", 12)),
    ],
)
def test_supply_changes_are_read(text: str, change: object) -> None:
    assert parse_supply(text, today=TODAY) == change


def test_supply_text_that_cannot_be_read_says_what_to_write() -> None:
    for text in ("SHEET", "SHEET count many", "SHEET PO-778 moves to Mon..Fri"):
        with pytest.raises(ChangeSyntaxError, match="/supply SHEET"):
            parse_supply(text, today=TODAY)


def test_a_change_survives_the_apply_button() -> None:
    for change in (
        CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), 0, "spindle repair"),
        CapacityChange("PAINT", date(2026, 11, 28), date(2026, 11, 28), 8, "", extra=True),
        ReceiptChange("SHEET", "PO-778", on=date(2026, 12, 10)),
        ReceiptChange("SHEET", "PO-778", qty=0.0),
        CountChange("SHEET", 12.5),
        LiftDowntime("CNC"),
    ):
        assert decode(encode(change)) == change
        assert len(encode(change)) < 2000
