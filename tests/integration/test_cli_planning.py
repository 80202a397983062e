"""The planning commands as a user runs them, with JSON exactly as the README documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import MigratedDb, dump_database


def run(
    capsys: pytest.CaptureFixture[str], db: MigratedDb, *args: str, **env: str
) -> tuple[int, Any, str]:
    code = main([*args, "--database-url", db.url], env=env)
    out, err = capsys.readouterr()
    try:
        data = json.loads(out) if out.strip().startswith("{") else out
    except json.JSONDecodeError:
        data = out
    return code, data, err


@pytest.fixture
def worked(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> MigratedDb:
    code, _, err = run(capsys, migrated_db, "import", str(worked_dir))
    assert code == 0, err
    return migrated_db


def test_quote_json_is_the_documented_shape_with_the_worked_example_figures(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, _ = run(
        capsys,
        worked,
        "quote",
        "BRKT",
        "40",
        "--due",
        "2026-11-25",
        "--as-of",
        "2026-11-23",
        "--json",
    )
    assert code == 0
    assert data == {
        "sku": "BRKT",
        "qty": 40,
        "requested": "2026-11-25",
        "as_of": "2026-11-23",
        "earliest": "2026-12-08",
        "on_requested": 25,
        "split": [{"date": "2026-11-25", "qty": 25}, {"date": "2026-12-04", "qty": 15}],
        "rush_earliest": "2026-12-08",
        "constraint": {
            "kind": "lead_time",
            "code": "SHEET",
            "until": "2026-12-03",
            "text": "SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec",
        },
    }


def test_promisebot_as_of_in_the_environment_does_what_the_option_does(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    _, by_option, _ = run(
        capsys,
        worked,
        "quote",
        "BRKT",
        "40",
        "--due",
        "2026-11-25",
        "--as-of",
        "2026-11-23",
        "--json",
    )
    _, by_env, _ = run(
        capsys,
        worked,
        "quote",
        "BRKT",
        "40",
        "--due",
        "2026-11-25",
        "--json",
        PROMISEBOT_AS_OF="2026-11-23",
    )
    assert by_env == by_option


def test_hold_then_confirm_then_cancel_gives_the_capacity_back(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"PROMISEBOT_AS_OF": "2026-11-23"}
    code, held, _ = run(
        capsys,
        worked,
        "hold",
        "BRKT",
        "25",
        "--date",
        "2026-11-25",
        "--customer",
        "Acme",
        "--json",
        **env,
    )
    assert code == 0
    assert held["status"] == "held"
    assert (held["date"], held["qty"], held["customer"]) == ("2026-11-25", 25, "Acme")
    assert held["reservation"]["hours"] == [
        {"work_center": "CNC", "date": "2026-11-24", "hours": 4.0},
        {"work_center": "CNC", "date": "2026-11-25", "hours": 8.0},
        {"work_center": "PAINT", "date": "2026-11-25", "hours": 5.0},
    ]
    _, after_hold, _ = run(
        capsys, worked, "quote", "BRKT", "40", "--due", "2026-11-25", "--json", **env
    )
    assert after_hold["on_requested"] == 0

    code, confirmed, _ = run(capsys, worked, "confirm", str(held["id"]), "--json", **env)
    assert (code, confirmed["status"], confirmed["expires_at"]) == (0, "confirmed", None)

    code, cancelled, _ = run(capsys, worked, "cancel", held["ref"], "--json", **env)
    assert (code, cancelled["status"], cancelled["reservation"]) == (0, "cancelled", None)
    _, after_cancel, _ = run(
        capsys, worked, "quote", "BRKT", "40", "--due", "2026-11-25", "--json", **env
    )
    assert after_cancel["on_requested"] == 25


def test_a_hold_that_cannot_be_kept_exits_3_with_the_current_quote_and_changes_nothing(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump_database(worked.engine)
    code, data, _ = run(
        capsys,
        worked,
        "hold",
        "BRKT",
        "40",
        "--date",
        "2026-11-25",
        "--customer",
        "Acme",
        "--json",
        PROMISEBOT_AS_OF="2026-11-23",
    )
    assert code == 3
    assert "Tue 8 Dec" in data["error"]
    assert data["quote"]["earliest"] == "2026-12-08"
    assert dump_database(worked.engine) == before


def test_an_unknown_sku_exits_2_naming_the_closest_item(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, worked, "quote", "BRKTS", "4", "--due", "2026-11-25")
    assert code == 2
    assert "There is no item 'BRKTS'" in err
    assert "BRKT" in err


def test_plan_json_lists_load_and_stock_for_every_day_with_capacity_or_activity(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        worked,
        "hold",
        "BRKT",
        "25",
        "--date",
        "2026-11-25",
        "--customer",
        "Acme",
        PROMISEBOT_AS_OF="2026-11-23",
    )
    code, plan, _ = run(
        capsys, worked, "plan", "--as-of", "2026-11-23", "--json", PROMISEBOT_AS_OF="2026-11-23"
    )
    assert code == 0
    load = {(r["work_center"], r["date"]): (r["capacity"], r["reserved"]) for r in plan["load"]}
    assert load[("CNC", "2026-11-24")] == (8.0, 4.0)
    assert load[("PAINT", "2026-11-25")] == (8.0, 5.0)
    assert ("CNC", "2026-11-28") not in load  # a Saturday: no capacity, nothing reserved
    stock = [(r["sku"], r["date"], r["pab"]) for r in plan["stock"]]
    assert ("SHEET", "2026-11-23", 20.0) in stock
    assert ("SHEET", "2026-11-24", 0.0) in stock
    assert ("BRKT", "2026-11-25", 0.0) in stock


def test_ship_records_partial_and_final_shipments(
    worked: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"PROMISEBOT_AS_OF": "2026-11-23"}
    _, held, _ = run(
        capsys,
        worked,
        "hold",
        "BRKT",
        "25",
        "--date",
        "2026-11-25",
        "--customer",
        "Acme",
        "--json",
        **env,
    )
    code, part, _ = run(
        capsys, worked, "ship", held["ref"], "--qty", "10", "--date", "2026-11-25", "--json", **env
    )
    assert (code, part["shipped_qty"], part["status"]) == (0, 10, "held")
    code, rest, _ = run(
        capsys, worked, "ship", held["ref"], "--date", "2026-11-25", "--json", **env
    )
    assert (code, rest["shipped_qty"], rest["status"]) == (0, 25, "shipped")
    code, _, err = run(capsys, worked, "ship", held["ref"], "--qty", "1", **env)
    assert code == 2
    assert "shipped" in err
