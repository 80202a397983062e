"""Reservation rows handed to SQLite's executemany carry their dates as SQLAlchemy stores them."""

from __future__ import annotations

from datetime import date

from bot.platform.db.session import _dates_as_text


def test_dates_become_iso_text_and_everything_else_stays_as_it_was() -> None:
    rows = [(1, "CNC", date(2026, 12, 3), 2.5), (2, "PAINT", date(2027, 1, 4), 0.25)]
    assert _dates_as_text(rows) == [
        (1, "CNC", "2026-12-03", 2.5),
        (2, "PAINT", "2027-01-04", 0.25),
    ]


def test_a_column_is_read_as_dates_from_its_first_value_that_is_not_none() -> None:
    rows = [(1, None, "x"), (2, date(2026, 12, 3), "y"), (3, None, None)]
    assert _dates_as_text(rows) == [(1, None, "x"), (2, "2026-12-03", "y"), (3, None, None)]


def test_rows_without_dates_are_given_back_unchanged() -> None:
    rows = [(1, "CNC", 2.5)]
    assert _dates_as_text(rows) == rows
