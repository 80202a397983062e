"""The digest's rules and rendering, without a database: promises, sku matching, Block Kit, PNGs."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot.collaboration.digest import (
    Digest,
    Followups,
    LeadTime,
    Missed,
    OnTime,
    PipelineLoad,
    Requests,
    WeekRate,
    classify_promise,
    last_complete_week,
    match_sku,
    render_charts,
)

PROMISED = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("shipments", "today", "expected"),
    [
        ([(PROMISED, 10)], date(2026, 11, 30), ("kept", "")),
        ([(date(2026, 11, 10), 4), (PROMISED, 6)], date(2026, 11, 30), ("kept", "")),
        ([(PROMISED, 6), (date(2026, 11, 20), 4)], date(2026, 11, 30), ("missed", "shipped short")),
        ([(date(2026, 11, 19), 10)], date(2026, 11, 30), ("missed", "shipped late")),
        ([], date(2026, 11, 19), ("missed", "not shipped")),
        ([], PROMISED, ("pending", "")),  # it may still ship today
        ([(date(2026, 11, 12), 3)], date(2026, 11, 17), ("pending", "")),
    ],
)  # fmt: skip
def test_a_promise_is_kept_only_when_everything_shipped_by_its_date(
    shipments: list[tuple[date, int]], today: date, expected: tuple[str, str]
) -> None:
    assert classify_promise(10, PROMISED, shipments, today) == expected


def test_the_default_week_is_the_last_complete_one() -> None:
    assert last_complete_week(date(2026, 11, 23)) == date(2026, 11, 16)  # a Monday
    assert last_complete_week(date(2026, 11, 29)) == date(2026, 11, 16)  # a Sunday


def test_a_lead_names_a_sku_by_its_whole_text_or_one_of_its_words() -> None:
    skus = ["BRKT", "SHEET", "HSG-2"]
    assert match_sku("brkt", skus) == "BRKT"
    assert match_sku("BRKT brackets, painted", skus) == "BRKT"
    assert match_sku("housings (hsg-2)", skus) == "HSG-2"
    assert match_sku("widgets", skus) is None


def digest(*, missed: int = 3, customers: int = 3, work_centers: int = 3) -> Digest:
    weeks = [date(2026, 9, 28) + timedelta(weeks=k) for k in range(8)]
    load_weeks = [date(2026, 11, 23) + timedelta(weeks=k) for k in range(8)]
    return Digest(
        week_start=date(2026, 11, 16),
        generated_at=datetime(2026, 11, 23, 7, tzinfo=UTC),
        timezone="Europe/Berlin",
        on_time=OnTime(
            week=WeekRate(weeks[-1], 2, missed),
            pending=1,
            trailing=[WeekRate(w, k, k % 3) for k, w in enumerate(weeks[:-1])]
            + [WeekRate(weeks[-1], 2, missed)],
            by_customer=[(f"Customer <{n}> & co", n, 1) for n in range(customers)],
            by_cause=[("ready in the plan, shipped late", 2), ("late receipt of SHEET", 1)],
            missed=[
                Missed(f"PB-{n:05d}", "Acme", "BRKT", 10, date(2026, 11, 18), "breakdown at CNC")
                for n in range(missed)
            ],
        ),
        lead_time=LeadTime(5.25, 4, 8.25, [(w, 5.0, 2) for w in weeks]),
        rush=["PB-00001 Acme: 10 BRKT for Fri 27 Nov"],
        requests=Requests(3, {"approved": 1, "declined": 1, "open": 1}, 13.25, 24.0, 1),
        utilisation={
            f"WC{n}": {w: (n + k) / 8 for k, w in enumerate(load_weeks)}
            for n in range(work_centers)
        },
        load_weeks=load_weeks,
        pipeline=[PipelineLoad("CNC", date(2027, 1, 1), 168.0, 20.0, 202.0)],
        unmatched_leads=1,
        followups=Followups(4, 1, 1, 2, [("U2", 2)]),
        conversion=[("fair", 2, 1, 0)],
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_charts_are_pngs_of_1200_by_600_pixels() -> None:
    charts = render_charts(digest(work_centers=12))
    assert {name: png_size(data) for name, data in charts.items()} == {
        "load.png": (1200, 600),
        "on_time.png": (1200, 600),
    }


def test_charts_of_an_empty_factory_are_still_pngs_of_the_same_size() -> None:
    empty = digest(work_centers=0)
    assert png_size(render_charts(empty)["load.png"]) == (1200, 600)


@pytest.mark.parametrize("missed", [0, 3, 200])
def test_the_message_passes_block_kit_validation_however_much_there_is(missed: int) -> None:
    report = digest(missed=missed, customers=300, work_centers=40)
    blocks = report.blocks()

    assert len(blocks) <= 50
    for block in Block.parse_all(blocks):
        block.validate_json()
    assert "On time this week" in report.text()  # the plain-text fallback


def test_the_summary_says_the_figures_in_words() -> None:
    lines = digest().summary_lines()
    assert lines[0] == "On time this week: 40% (2 kept, 3 missed, 1 pending)"
    assert (
        "Quoted lead time: 5.2 days on average (4 orders, -3.0 days vs the 7 weeks before)" in lines
    )
    assert "If the open leads close, CNC runs at 132% in January 2027" in lines
    assert (
        "Capacity requests: 3 (1 approved, 1 declined, 1 open); "
        "answered in 13.2 h (median), 24.0 h at most" in lines
    )


def test_the_markdown_escapes_nothing_it_does_not_need_to_and_lists_the_charts() -> None:
    report = digest()
    report.charts.update({"load.png": b"x", "on_time.png": b"y"})
    markdown = report.to_markdown()
    assert markdown.startswith("# Weekly digest: Mon 16 Nov – Sun 22 Nov 2026\n")
    assert "![load.png](load.png)" in markdown
    assert "| WC0 | 0% | 12% | 25% |" in markdown
