"""The planner's charts and Johnson sequences from the command line, on the worked example."""

from __future__ import annotations

import json
import struct
from collections import defaultdict
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from capacity.sequencing import Job, makespan
from tests.conftest import MigratedDb, dump_database

AS_OF = {"PROMISEBOT_AS_OF": "2026-11-23"}


def run(capsys: pytest.CaptureFixture[str], db: MigratedDb, *args: str) -> tuple[int, Any, str]:
    code = main([*args, "--database-url", db.url], env=AS_OF)
    out, err = capsys.readouterr()
    data: Any = out
    if out.strip().startswith("{"):
        data = json.loads(out)
    return code, data, err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def booked(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> MigratedDb:
    """The worked example with 40 BRKT held on Tue 8 Dec (DESIGN.md's hold), then 10 on Thu 10."""
    assert run(capsys, migrated_db, "import", str(worked_dir))[0] == 0
    for qty, day, customer in (("40", "2026-12-08", "Acme"), ("10", "2026-12-10", "Globex")):
        code, _, err = run(
            capsys, migrated_db, "hold", "BRKT", qty, "--date", day, "--customer", customer
        )
        assert code == 0, err
    return migrated_db


def test_the_load_chart_draws_exactly_the_plans_reservations(
    booked: MigratedDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cnc.png"
    code, chart, err = run(capsys, booked, "chart", "load", "CNC", "--out", str(out), "--json")
    assert code == 0, err
    assert png_size(out) == (1200, 600)
    _, plan, _ = run(capsys, booked, "plan", "--json")
    reserved = {r["date"]: r["reserved"] for r in plan["load"] if r["work_center"] == "CNC"}
    assert len(chart["days"]) == 28
    for day in chart["days"]:
        assert sum(o["hours"] for o in day["orders"]) == pytest.approx(day["reserved"])
        assert day["reserved"] == pytest.approx(reserved.get(day["date"], 0.0))
    # The 40 on 8 Dec takes DESIGN.md's hours: 3.5 h on Thu 3, 8 h on Fri 4 and Mon 7 Dec.
    acme = {
        day["date"]: o["hours"]
        for day in chart["days"]
        for o in day["orders"]
        if o["customer"] == "Acme"
    }
    assert acme == {"2026-12-03": 3.5, "2026-12-04": 8.0, "2026-12-07": 8.0}
    assert chart["summary"].startswith("CNC: ")
    assert "booked over 4 weeks" in chart["summary"]
    assert "full Fri 4 – Mon 7 Dec" in chart["summary"]


def test_the_load_chart_in_words_names_the_full_days(
    booked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, _ = run(capsys, booked, "chart", "load", "cnc", "--weeks", "2", "--json")
    assert code == 0
    assert text["summary"] == (
        # Two weeks from Mon 23 Nov end on Sun 6 Dec: of the full run only Fri 4 is in them.
        f"CNC: {text['booked']:.0%} booked over 2 weeks; full Fri 4 Dec.".replace("%", " %")
    )


def test_an_unknown_work_center_is_answered_with_the_closest_codes_and_changes_nothing(
    booked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump_database(booked.engine)
    code, _, err = run(capsys, booked, "chart", "load", "CMC", "--json")
    assert code == 2
    assert "no work center 'CMC'" in err
    assert "Did you mean CNC?" in err
    assert dump_database(booked.engine) == before


def test_the_order_chart_says_which_work_center_makes_it_on_which_days(
    booked: MigratedDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = _ref_of(booked, "Acme")
    png = tmp_path / "order.png"
    code, text, err = run(capsys, booked, "chart", "order", ref, "--out", str(png))
    assert code == 0, err
    assert png_size(png) == (1200, 600)
    lines = text.splitlines()
    assert lines[0] == f"{ref}: 40 BRKT for Acme, promised Tue 8 Dec."
    assert "CNC (op 10 BRKT): Thu 3 Dec – Mon 7 Dec, 19.5 h" in lines
    assert "PAINT (op 20 BRKT): Mon 7 Dec – Tue 8 Dec, 8.75 h" in lines
    assert "SHEET: 20 from stock on Thu 3 Dec" in lines
    assert "SHEET: a purchase of 15 arriving Thu 3 Dec" in lines
    assert "BRKT: 0 from stock" not in text


def test_an_unknown_order_is_refused(
    booked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, booked, "chart", "order", "PB-99999", "--json")
    assert code == 2
    assert "no order 'PB-99999'" in err


def test_johnsons_order_for_the_week_is_the_shortest_and_flags_what_it_would_make_late(
    booked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, err = run(
        capsys, booked, "sequence", "CNC", "PAINT", "--week", "2026-12-09", "--json"
    )
    assert code == 0, err
    acme, globex = _ref_of(booked, "Acme"), _ref_of(booked, "Globex")
    # Both work on CNC and PAINT in the week of Mon 7 Dec; each job's hours are its whole
    # operations there: 2 + 0.5 × 40 and 0.25 × 40 for Acme, 2 + 0.5 × 10 and 0.25 × 10 for Globex.
    assert result["week"] == "2026-12-07"
    assert result["hours"] == {acme: [22.0, 10.0], globex: [7.0, 2.5]}
    assert result["orders"] == [acme, globex]
    assert result["promised_order"] == [acme, globex]
    assert result["makespan_hours"] == 34.5  # CNC 0–22, 22–29; PAINT 22–32, 32–34.5
    assert result["promised_order_makespan_hours"] == 34.5
    assert result["late"] == []
    jobs = [Job(ref, tuple(result["hours"][ref])) for ref in result["orders"]]
    best = min(makespan(order) for order in permutations(jobs))
    assert result["makespan_hours"] == pytest.approx(best)

    code, empty, _ = run(capsys, booked, "sequence", "CNC", "PAINT", "--week", "2026-11-23")
    assert code == 0
    assert "no order holds hours on all of them this week" in empty


def test_a_sequence_needs_known_distinct_work_centers(
    booked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, booked, "sequence", "CNC", "PAINTER", "--json")
    assert code == 2
    assert "Did you mean PAINT?" in err
    code, _, err = run(capsys, booked, "sequence", "CNC", "CNC")
    assert code == 2
    assert "once" in err


def _ref_of(db: MigratedDb, customer: str) -> str:
    rows = dump_database(db.engine)
    customers = {row[0]: row[1] for row in rows["customers"]}
    by_customer: dict[str, list[str]] = defaultdict(list)
    for row in rows["orders"]:
        by_customer[customers[row[2]]].append(row[1])
    (ref,) = by_customer[customer]
    return ref
