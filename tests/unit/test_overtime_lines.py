"""Overtime lines as operations type them in the approval form, whatever their language."""

from __future__ import annotations

from datetime import date

from handlers.operations import parse_overtime

TODAY = date(2026, 11, 23)  # a Monday


def test_a_decimal_comma_is_read_as_hours_and_a_comma_between_words_is_not() -> None:
    [comma] = parse_overtime("PAINT 2026-12-03 4,5", today=TODAY)
    [point] = parse_overtime("PAINT 2026-12-03 4.5", today=TODAY)
    [worded] = parse_overtime("PAINT Tue, 24 Nov 4", today=TODAY)
    assert (comma.work_center, comma.on, comma.hours) == ("PAINT", date(2026, 12, 3), 4.5)
    assert comma == point
    assert (worded.on, worded.hours) == (date(2026, 11, 24), 4.0)
