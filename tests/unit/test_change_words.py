"""A change and a refused change, worded again in the reader's language from their facts: the
same English words the CLI prints, and the reader's own dates in another language."""

from __future__ import annotations

from datetime import date

import pytest

from bot.platform import i18n
from bot.promising.replan import change_words
from capacity.changes import (
    BadChange,
    CapacityChange,
    Change,
    CountChange,
    ReceiptChange,
    check,
    describe,
)
from handlers.changes_views import bad_change_text
from tests.unit.test_changes import AS_OF, FACTORY

CHANGES: list[Change] = [
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), 0, "spindle repair"),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 3), 0),
    CapacityChange("CNC", date(2026, 12, 30), date(2027, 1, 2), 0),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), None, "repair is over"),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), None, "spindle repair", lifts=7),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), None, lifts=7),
    CapacityChange("PAINT", date(2026, 12, 5), date(2026, 12, 5), 4, extra=True),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 3), 12),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 4), 4, "half shift"),
    CapacityChange("CNC", date(2026, 12, 3), date(2026, 12, 3), 4),
    CapacityChange("CNC", date(2026, 12, 4), date(2026, 12, 6), 4),
    CountChange("SHEET", 12),
    ReceiptChange("SHEET", "PO-778", on=date(2026, 12, 10)),
    ReceiptChange("SHEET", "PO-778", on=date(2026, 11, 30)),
    ReceiptChange("SHEET", "PO-778", qty=0),
    ReceiptChange("SHEET", "PO-778", qty=25),
]

REFUSED: list[Change] = [
    CapacityChange("LASER", AS_OF, AS_OF, 0),
    CapacityChange("CNC", date(2026, 11, 20), AS_OF, 0),
    CapacityChange("CNC", AS_OF, date(2026, 11, 20), 0),
    CapacityChange("CNC", AS_OF, date(2027, 11, 23), 0),
    CapacityChange("CNC", date(2027, 11, 23), date(2027, 11, 24), 0),
    CapacityChange("CNC", date(2026, 12, 4), AS_OF, 4),
    CapacityChange("CNC", AS_OF, AS_OF, -1),
    CountChange("NOPE", 3),
    CountChange("SHEET", -2),
    ReceiptChange("SHEET", "PO-1", qty=3),
    ReceiptChange("SHEET", "PO-778"),
    ReceiptChange("SHEET", "PO-778", on=date(2026, 11, 1)),
    ReceiptChange("SHEET", "PO-778", on=date(2027, 12, 1)),
    ReceiptChange("SHEET", "PO-778", qty=-1),
]


@pytest.mark.parametrize("change", CHANGES, ids=repr)
def test_a_change_reads_in_english_as_the_cli_prints_it(change: Change) -> None:
    words = describe(FACTORY, change, as_of=AS_OF)
    with i18n.using("en"):
        assert change_words(words) == str(words)


@pytest.mark.parametrize("change", REFUSED, ids=repr)
def test_a_refused_change_reads_in_english_as_the_cli_prints_it(change: Change) -> None:
    with pytest.raises(BadChange) as refused:
        check(FACTORY, change, as_of=AS_OF, horizon_days=365)
    assert refused.value.kind
    with i18n.using("en"):
        assert bad_change_text(refused.value) == str(refused.value)


def test_a_change_is_told_with_the_readers_own_dates() -> None:
    words = describe(FACTORY, CHANGES[0], as_of=AS_OF)
    assert str(words) == "CNC is down Thu 3 – Fri 4 Dec: spindle repair"
    with i18n.using("vi"):
        told = change_words(words)
    assert told is not None
    assert "thg 12" in told and "spindle repair" in told and "Dec" not in told
    with i18n.using("zh_Hans"):
        told = change_words(words)
    assert told is not None and "12月3日" in told and "12月4日" in told


def test_text_that_is_not_a_described_change_is_told_as_it_is() -> None:
    with i18n.using("vi"):
        assert change_words("The factory data was imported again") == (
            "The factory data was imported again"
        )
        assert change_words(None) is None


def test_a_lifted_downtime_says_it_is_over_in_the_readers_words() -> None:
    lifted = CapacityChange(
        "CNC", date(2026, 12, 3), date(2026, 12, 4), None, "spindle repair", lifts=7
    )
    words = describe(FACTORY, lifted, as_of=AS_OF)
    assert str(words) == "CNC is back to its usual hours Thu 3 – Fri 4 Dec: spindle repair is over"
    for language in ("vi", "zh_Hans"):
        with i18n.using(language):
            told = change_words(words)
        assert told is not None and "spindle repair" in told
        assert "is over" not in told and "back to" not in told


def test_hours_in_a_change_are_written_with_the_readers_decimal_sign() -> None:
    overtime = CapacityChange("PAINT", date(2026, 12, 5), date(2026, 12, 5), 4.5, extra=True)
    words = describe(FACTORY, overtime, as_of=AS_OF)
    assert "4.5 h overtime" in str(words)
    with i18n.using("vi"):
        told = change_words(words)
    assert told is not None and "4,5" in told and "4.5" not in told
