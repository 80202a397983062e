"""`promisebot simulate` from the command line, on DESIGN.md's worked example."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import MigratedDb, dump_database

AS_OF = {"PROMISEBOT_AS_OF": "2026-11-23"}
SHORT = ["--days", "20", "--seeds", "1", "--fixed-days", "0,10", "--slack-days", "0"]

JSON_KEYS = {
    "policy",
    "setting",
    "arrived",
    "accepted",
    "lost",
    "kept",
    "kept_as_last_told",
    "warned",
    "lead_time",
    "days_late_mean",
    "utilisation",
}


def simulate(
    capsys: pytest.CaptureFixture[str], *args: str, db: MigratedDb | None = None
) -> tuple[int, Any, str]:
    argv = ["simulate", *args]
    if db is not None:
        argv += ["--database-url", db.url]
    code = main(argv, env=AS_OF)
    out, err = capsys.readouterr()
    data: Any = json.loads(out) if out.strip().startswith("{") else out
    return code, data, err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_replayed_demand_file_gives_exactly_its_orders(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(
        tmp_path / "demand.csv",
        "date,customer,sku,qty,requested,latest\n"
        "2026-11-23,Acme,BRKT,40,2026-11-25,2026-12-20\n"
        "2026-11-24,Globex,BRKT,10,2026-11-30,\n"
        "\n"
        "2026-11-24,Initech,BRKT,300,2026-11-26,2026-11-27\n"
        "2026-11-26,Acme,BRKT,5,2026-12-01,2026-12-01\n",
    )
    code, data, err = simulate(
        capsys,
        "--factory",
        str(worked_dir),
        "--demand",
        str(demand),
        "--seeds",
        "1,2",
        "--days",
        "10",
        "--disruptions",
        "none",
        "--json",
    )
    assert code == 0, err
    assert set(data) == {"days", "seeds", "policies"}
    assert data["days"] == 10 and data["seeds"] == [1, 2]
    settings = [(p["policy"], p["setting"]) for p in data["policies"]]
    assert settings == [
        ("fixed", 0),
        ("fixed", 5),
        ("fixed", 10),
        ("fixed", 20),
        ("backlog", 0),
        ("backlog", 5),
        ("backlog", 10),
        ("backlog", 20),
        ("ctp", 0),
        ("ctp", 2),
        ("ctp-repromise", 0),
        ("ctp-repromise", 2),
    ]
    for policy in data["policies"]:
        assert set(policy) == JSON_KEYS
        assert set(policy["lead_time"]) == {"mean", "p50", "p90"}
        assert policy["arrived"] == 8  # the file's 4 orders, for each of the 2 seeds
        assert policy["accepted"] + policy["lost"] == 8
    ctp = next(p for p in data["policies"] if p["policy"] == "ctp" and p["setting"] == 0)
    # The 40 wanted on 25 Nov get DESIGN's quote, Tue 8 Dec; the 10 then wait for sheet
    # and the lines until Wed 9 Dec: 15 days each. 300 by 27 Nov, and 5 by 1 Dec once sheet
    # has to be bought (10 days), cannot be promised by the customers' latest dates: lost.
    assert (ctp["lost"], ctp["accepted"], ctp["kept"]) == (4, 4, 4)
    assert ctp["lead_time"] == {"mean": 15.0, "p50": 15, "p90": 15}
    # A fixed lead time promises all four, and keeps none of them.
    fixed = data["policies"][0]
    assert (fixed["accepted"], fixed["kept"]) == (8, 0)


def test_the_table_the_report_and_its_charts(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    code, text, err = simulate(
        capsys, "--factory", str(worked_dir), *SHORT, "--orders-per-day", "2", "--out", str(out)
    )
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0] == f"factory: {worked_dir}"
    assert "orders: generated, 2.00 a workday on average" in lines
    header = next(line for line in lines if line.startswith("policy"))
    assert header.split()[:6] == ["policy", "setting", "arrived", "accepted", "lost", "on"]
    rows = [line.split()[:2] for line in lines if line.split()[:1] in (["fixed"], ["ctp"])]
    assert rows == [["fixed", "+0"], ["fixed", "+10"], ["ctp", "+0"]]
    assert any(line.startswith("Quoting with promisebot (ctp +0 wd) kept ") for line in lines)
    assert f"Wrote {out / 'report.md'} and 2 charts." in lines
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Promise reliability\n")
    assert "| ctp-repromise | +0 wd |" in report
    for name in ("on_time_vs_lead_time.png", "on_time_by_week.png"):
        assert f"]({name})" in report
        assert png_size(out / name) == (1200, 600)


def test_processes_give_the_same_figures_as_one(
    worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--factory", str(worked_dir), *SHORT, "--seeds", "1,2", "--policies", "backlog,ctp"]
    code, alone, err = simulate(capsys, *args, "--json")
    assert code == 0, err
    code, together, err = simulate(capsys, *args, "--workers", "2", "--json")
    assert code == 0, err
    assert together == alone
    assert [p["policy"] for p in alone["policies"]] == ["backlog", "backlog", "ctp"]


def test_explicit_disruptions_break_promises_that_none_keeps(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(
        tmp_path / "demand.csv",
        "date,customer,sku,qty,requested\n2026-11-23,Acme,BRKT,40,2026-11-25\n",
    )
    # DESIGN's hold of 40 on 8 Dec works CNC on 3, 4 and 7 Dec and PAINT on 7 and 8 Dec.
    breakdown = write(
        tmp_path / "disruptions.csv", "kind,code,date,days\nbreakdown,PAINT,2026-12-07,2\n"
    )
    args = ["--factory", str(worked_dir), "--demand", str(demand), "--days", "5", "--seeds", "1"]
    args += ["--policies", "ctp,ctp-repromise", "--slack-days", "0", "--json"]
    code, calm, err = simulate(capsys, *args, "--disruptions", "none")
    assert code == 0, err
    assert [p["kept"] for p in calm["policies"]] == [1, 1]
    code, broken, err = simulate(capsys, *args, "--disruptions", str(breakdown))
    assert code == 0, err
    ctp, told = broken["policies"]
    assert (ctp["kept"], ctp["kept_as_last_told"], ctp["warned"]) == (0, 0, 0)
    assert (told["kept"], told["kept_as_last_told"], told["warned"]) == (0, 1, 0)
    assert ctp["days_late_mean"] == told["days_late_mean"] == 2.0


def test_bad_demand_rows_are_refused_with_file_row_column_and_what_to_write(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(
        tmp_path / "demand.csv",
        "date,customer,sku,qty,requested\n"
        "2026-11-23,Acme,BRKT,ten,2026-11-25\n"
        "2026-11-23,Acme,BRKX,4,2026-11-25\n"
        "2026-11-24,,BRKT,4,2026-11-20\n"
        "2027-01-04,Acme,BRKT,4,2027-01-05\n"
        "2026-11-24,Acme,BRKT,4,25/11/2026\n",
    )
    code, out, err = simulate(
        capsys, "--factory", str(worked_dir), "--demand", str(demand), *SHORT, "--json"
    )
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{demand}:2: qty: 'ten' is not a whole number; expected a whole number of units, 1 or "
        "more",
        f"{demand}:3: sku: unknown sku 'BRKX' (did you mean BRKT?); expected a sku from the "
        "factory's items",
        f"{demand}:4: customer: empty value; expected a customer name, like Acme",
        f"{demand}:4: requested: 2026-11-20 is before the order's date 2026-11-24; expected that "
        "date or later",
        f"{demand}:5: date: 2027-01-04 is after the last simulated day; expected a date from "
        "2026-11-23 to 2026-12-12 (the simulated days)",
        f"{demand}:6: requested: '25/11/2026' is not a date; expected a date written YYYY-MM-DD, "
        "like 2026-12-03",
        "promisebot simulate: 6 problems; nothing was changed",
    ]


def test_a_demand_file_with_the_wrong_columns_is_refused(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(tmp_path / "demand.csv", "date,customer,item,qty\n2026-11-23,Acme,BRKT,4\n")
    code, _, err = simulate(capsys, "--factory", str(worked_dir), "--demand", str(demand), *SHORT)
    assert code == 2
    expected = "expected columns date, customer, sku, qty, requested, latest"
    assert err.splitlines()[:3] == [
        f"{demand}:1: item: unknown column; {expected}",
        f"{demand}:1: sku: missing required column; {expected}",
        f"{demand}:1: requested: missing required column; {expected}",
    ]


def test_bad_disruption_rows_are_refused(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "disruptions.csv",
        "kind,code,date,days\n"
        "breakdown,CMC,2026-11-24,2\n"
        "late,SHEET,2026-11-24,0\n"
        "flood,CNC,2026-11-24,1\n"
        "breakdown,CNC,2026-11-28,1\n",
    )
    code, _, err = simulate(capsys, "--factory", str(worked_dir), "--disruptions", str(bad), *SHORT)
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:2: code: unknown work center 'CMC' (did you mean CNC?); expected a work center "
        "code",
        f"{bad}:3: days: 0 is too small; expected the days the delivery is late, 1 or more",
        f"{bad}:4: kind: 'flood' is not breakdown or late; expected breakdown or late",
        f"{bad}:5: date: 2026-11-28 is not a workday of CNC; expected one of its workdays",
        "promisebot simulate: 4 problems; nothing was changed",
    ]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--policies", "fixed,ctpp", "'ctpp' is not a policy (did you mean ctp?)"),
        ("--seeds", "1,two", "'two' is not a whole number ≥ 0"),
        ("--fixed-days", "-5", "'-5' is not a whole number ≥ 0"),
        ("--days", "0", "0 should be more than 0"),
        ("--workers", "many", "'many' is not a number"),
        ("--orders-per-day", "-1", "-1 should be more than 0"),
    ],
)
def test_bad_flags_are_refused_with_exit_code_2(
    worked_dir: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["simulate", "--factory", str(worked_dir), f"{flag}={value}"], env=AS_OF)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_demand_and_a_rate_cannot_both_be_given(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(tmp_path / "demand.csv", "date,customer,sku,qty,requested\n")
    with pytest.raises(SystemExit) as stopped:
        main(
            ["simulate", "--demand", str(demand), "--orders-per-day", "3"],
            env=AS_OF,
        )
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_missing_disruptions_file_is_refused(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.csv"
    code, _, err = simulate(
        capsys, "--factory", str(worked_dir), "--disruptions", str(missing), *SHORT
    )
    assert code == 2
    assert err.splitlines()[0] == (
        f"{missing}: no such file; expected a CSV file with expected columns kind, code, date, days"
    )


def test_without_a_factory_folder_it_simulates_the_database_and_changes_nothing(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(worked_dir), "--database-url", migrated_db.url], env=AS_OF) == 0
    assert (
        main(
            [
                "hold",
                "BRKT",
                "25",
                "--date",
                "2026-11-25",
                "--customer",
                "Acme",
                "--database-url",
                migrated_db.url,
            ],
            env=AS_OF,
        )
        == 0
    )
    capsys.readouterr()
    before = dump_database(migrated_db.engine)
    code, data, err = simulate(capsys, *SHORT, "--policies", "fixed,ctp", "--json", db=migrated_db)
    assert code == 0, err
    assert dump_database(migrated_db.engine) == before
    assert [p["policy"] for p in data["policies"]] == ["fixed", "fixed", "ctp"]
    assert all(p["arrived"] > 0 for p in data["policies"])


def test_an_empty_database_is_refused_with_what_to_do(
    migrated_db: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = simulate(capsys, *SHORT, db=migrated_db)
    assert code == 2
    assert "the database's factory has no work centers or items" in err
    assert "promisebot import DIR" in err


def test_a_demand_file_with_no_orders_gives_a_report_with_nothing_in_it(
    worked_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = write(tmp_path / "demand.csv", "date,customer,sku,qty,requested\n")
    out = tmp_path / "report"
    args = ["--factory", str(worked_dir), "--demand", str(demand), *SHORT, "--out", str(out)]
    code, data, err = simulate(capsys, *args, "--json")
    assert code == 0, err
    assert {p["arrived"] for p in data["policies"]} == {0}
    assert {p["lead_time"]["mean"] for p in data["policies"]} == {None}
    assert png_size(out / "on_time_vs_lead_time.png") == (1200, 600)
