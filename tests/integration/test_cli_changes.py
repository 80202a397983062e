"""Changes to the factory from the command line, and `replan`, as a planner runs them.

The worked example of DESIGN.md as of Mon 23 Nov 2026, with an open purchase order PO-778 of 40
SHEET arriving Mon 30 Nov. Each change is applied and re-planned in one transaction; the JSON is
exactly the README's.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.collaboration.digest import build_digest
from bot.collaboration.summits import SummitService
from bot.platform.db.tables import OutboxRow, ReservationRow
from bot.platform.settings import Settings
from bot.promising.orders import OrderService
from capacity.changes import CapacityChange
from tests.conftest import MigratedDb, dump_database

AS_OF = date(2026, 11, 23)
ENV = {"PROMISEBOT_AS_OF": AS_OF.isoformat()}
NOTHING: dict[str, list[Any]] = {"kept": [], "moved": [], "at_risk": []}


def run(capsys: pytest.CaptureFixture[str], db: MigratedDb, *args: str) -> tuple[int, Any, str]:
    code = main([*args, "--database-url", db.url], env=ENV)
    out, err = capsys.readouterr()
    try:
        data = json.loads(out) if out.strip().startswith("{") else out
    except json.JSONDecodeError:
        data = out
    return code, data, err


def ok(capsys: pytest.CaptureFixture[str], db: MigratedDb, *args: str) -> Any:
    code, data, err = run(capsys, db, *args)
    assert code == 0, err
    return data


@pytest.fixture
def factory(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> MigratedDb:
    (worked_dir / "receipts.csv").write_text("sku,date,qty,ref\nSHEET,2026-11-30,40,PO-778\n")
    ok(capsys, migrated_db, "import", str(worked_dir))
    return migrated_db


@pytest.fixture
def promised(factory: MigratedDb, capsys: pytest.CaptureFixture[str]) -> MigratedDb:
    """PB-00001: 25 BRKT held for Acme on Wed 25 Nov (CNC 4 h Tue 24 and 8 h Wed 25);
    PB-00002: 30 BRKT confirmed for Globex on Wed 2 Dec; PB-00003: 10 BRKT confirmed on Wed 9."""
    ok(capsys, factory, "hold", "BRKT", "25", "--date", "2026-11-25", "--customer", "Acme")
    for qty, on, customer in (("30", "2026-12-02", "Globex"), ("10", "2026-12-09", "Initech")):
        ok(capsys, factory, "hold", "BRKT", qty, "--date", on, "--customer", customer, "--confirm")
    return factory


def show(db: MigratedDb, ref: str) -> dict[str, Any]:
    """The order's JSON, as `hold --json` and `confirm --json` print it."""
    settings = Settings(database_url=db.url, as_of=AS_OF)
    return OrderService(settings, db.session_factory).order(ref).to_json()


def reservation_ids(db: MigratedDb) -> dict[int, int]:
    """order id → its active reservation's id."""
    with db.session_factory() as session:
        rows = session.execute(
            sa.select(ReservationRow.order_id, ReservationRow.id).where(
                ReservationRow.active.is_(True)
            )
        )
        return dict(rows.all())


def test_a_downtime_moves_the_order_it_breaks_to_its_new_earliest_date(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = reservation_ids(promised)

    data = ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
        "--reason",
        "spindle repair",
        "--json",
    )

    assert data == {
        "kept": [],
        "moved": [{"ref": "PB-00001", "from": "2026-11-25", "to": "2026-11-26"}],
        "at_risk": [],
    }
    moved = show(promised, "PB-00001")
    assert (moved["date"], moved["moved_from"], moved["moved_to"]) == (
        "2026-11-25",
        "2026-11-25",
        "2026-11-26",
    )
    # Booked at once just in time for Thu 26: nothing later can take its place.
    assert {(h["work_center"], h["date"]) for h in moved["reservation"]["hours"]} == {
        ("CNC", "2026-11-23"),
        ("CNC", "2026-11-26"),
        ("PAINT", "2026-11-26"),
    }
    after = reservation_ids(promised)
    assert after[1] != before[1]
    assert (after[2], after[3]) == (before[2], before[3]), "orders it did not break are untouched"


def test_broken_orders_are_placed_again_confirmed_first_then_by_promised_date(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two hours a day on CNC for a week: both the held order of the 25th and the confirmed one
    # of the 2nd lose hours. The confirmed one is placed first and takes what is left first.
    data = ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-12-01",
        "--hours",
        "2",
        "--json",
    )

    assert data == {
        "kept": [],
        "moved": [
            {"ref": "PB-00002", "from": "2026-12-02", "to": "2026-12-03"},
            {"ref": "PB-00001", "from": "2026-11-25", "to": "2026-12-07"},
        ],
        "at_risk": [],
    }


def test_giving_capacity_back_moves_nothing_until_replan_brings_the_order_back(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    down = ("capacity", "CNC", "--from", "2026-11-24", "--to", "2026-11-25")
    ok(capsys, promised, *down, "--closed", "--json")

    assert ok(capsys, promised, *down, "--hours", "8", "--json") == NOTHING
    assert show(promised, "PB-00001")["moved_from"] == "2026-11-25"

    assert ok(capsys, promised, "replan", "--json") == {
        "kept": ["PB-00001"],
        "moved": [],
        "at_risk": [],
    }
    back = show(promised, "PB-00001")
    assert (back["date"], back["moved_from"], back["moved_to"]) == ("2026-11-25", None, None)
    assert ok(capsys, promised, "replan", "--json") == NOTHING


def test_replan_lists_still_moved_orders_again_and_run_twice_changes_nothing(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
    )
    still = {
        "kept": [],
        "moved": [{"ref": "PB-00001", "from": "2026-11-25", "to": "2026-11-26"}],
        "at_risk": [],
    }
    before = dump_database(promised.engine)

    assert ok(capsys, promised, "replan", "--json") == still
    assert ok(capsys, promised, "replan", "--json") == still
    assert dump_database(promised.engine) == before


def test_a_receipt_that_slips_or_is_cut_moves_the_orders_that_counted_on_it(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    late = ok(capsys, promised, "receipt", "SHEET", "PO-778", "--date", "2026-12-07", "--json")

    # SHEET is short from Mon 30 (PB-00002's 30) to Sun 6 Dec, so every allocation of SHEET up
    # to then is broken, PB-00001's 20 of Tue 24 too. Confirmed first: PB-00002 takes the 20 in
    # hand and 10 bought (lead time 10 days: Thu 3); the held PB-00001 waits for PO-778.
    assert late == {
        "kept": [],
        "moved": [
            {"ref": "PB-00002", "from": "2026-12-02", "to": "2026-12-04"},
            {"ref": "PB-00001", "from": "2026-11-25", "to": "2026-12-08"},
        ],
        "at_risk": [],
    }
    cut = ok(capsys, promised, "receipt", "SHEET", "PO-778", "--qty", "0", "--json")
    assert cut["kept"] == ["PB-00003"]
    assert [m["ref"] for m in cut["moved"]] == ["PB-00002", "PB-00001"]


def test_a_count_lower_than_the_system_thought_moves_the_promise_on_those_parts(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ok(capsys, promised, "count", "SHEET", "10", "--json")

    assert data["moved"][0]["ref"] == "PB-00001"
    assert data["moved"][0]["from"] == "2026-11-25"
    assert data["at_risk"] == []


def test_an_order_that_no_longer_fits_in_the_horizon_is_at_risk_and_holds_nothing(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ok(
        capsys,
        promised,
        "capacity",
        "PAINT",
        "--from",
        "2026-11-23",
        "--to",
        "2027-11-22",
        "--closed",
        "--json",
    )

    # In re-plan order: confirmed first.
    assert data == {"kept": [], "moved": [], "at_risk": ["PB-00002", "PB-00003", "PB-00001"]}
    gone = show(promised, "PB-00002")
    assert (gone["status"], gone["reservation"], gone["moved_from"]) == ("at_risk", None, None)
    assert reservation_ids(promised) == {}
    assert ok(capsys, promised, "replan", "--json") == NOTHING, "at-risk orders are not retried"


def test_a_dry_run_prints_what_would_move_and_changes_nothing(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump_database(promised.engine)
    args = ("capacity", "CNC", "--from", "2026-11-24", "--to", "2026-11-25", "--closed")

    text = ok(capsys, promised, *args, "--reason", "spindle repair", "--dry-run")
    data = ok(capsys, promised, *args, "--dry-run", "--json")

    assert text.splitlines() == [
        "Would apply: CNC is down Tue 24 – Wed 25 Nov: spindle repair",
        "would move: PB-00001 (25 BRKT for Acme) from Wed 25 Nov to Thu 26 Nov",
        "Nothing was changed (--dry-run).",
    ]
    assert data["moved"] == [{"ref": "PB-00001", "from": "2026-11-25", "to": "2026-11-26"}]
    assert dump_database(promised.engine) == before
    assert ok(capsys, promised, "replan", "--dry-run", "--json") == NOTHING


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("capacity", "LASER", "--from", "2026-11-24", "--closed"),
            "there is no work center 'LASER'; the work centers are CNC, PAINT",
        ),
        (
            ("capacity", "CNC", "--from", "2026-11-20", "--closed"),
            "the first day 2026-11-20 is before the planning date 2026-11-23",
        ),
        (
            ("capacity", "CNC", "--from", "2026-11-24", "--to", "2027-12-01", "--hours", "4"),
            "the last day 2027-12-01 is beyond the 365-day planning horizon (it ends 2027-11-22)",
        ),
        (
            ("capacity", "CNC", "--from", "2026-11-24", "--hours", "-2"),
            "hours must be 0 or more, not -2",
        ),
        (
            ("receipt", "SHEET", "PO-1", "--qty", "5"),
            "SHEET has no receipt 'PO-1'; its receipts are PO-778",
        ),
        (
            ("receipt", "SHEET", "PO-778", "--date", "2028-01-01"),
            "the new date 2028-01-01 is beyond the 365-day planning horizon",
        ),
        (("count", "NOPE", "3"), "there is no item 'NOPE'"),
        (("count", "SHEET", "-1"), "a count must be 0 or more, not -1"),
    ],
)
def test_bad_input_exits_2_with_what_to_fix_and_changes_nothing(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    before = dump_database(promised.engine)

    code, _, err = run(capsys, promised, *args)
    json_code, data, _ = run(capsys, promised, *args, "--json")

    assert (code, json_code) == (2, 2)
    assert message in err
    assert err.rstrip().endswith("nothing was changed")
    assert message in data["error"]
    assert dump_database(promised.engine) == before


def test_codes_and_skus_are_matched_without_regard_to_case(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    down = ok(
        capsys,
        promised,
        "capacity",
        "cnc",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
        "--json",
    )
    late = ok(capsys, promised, "receipt", "sheet", "PO-778", "--date", "2026-12-07", "--json")

    assert [m["ref"] for m in down["moved"]] == ["PB-00001"]
    assert [m["ref"] for m in late["moved"]] == ["PB-00002", "PB-00001"]


def test_plan_json_lists_open_orders_with_moved_from(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
    )

    plan = ok(capsys, promised, "plan", "--json")

    assert plan["orders"][0] == {
        "ref": "PB-00001",
        "customer": "Acme",
        "sku": "BRKT",
        "qty": 25,
        "date": "2026-11-25",
        "status": "held",
        "moved_from": "2026-11-25",
        "moved_to": "2026-11-26",
    }
    assert [(o["ref"], o["moved_from"]) for o in plan["orders"][1:]] == [
        ("PB-00002", None),
        ("PB-00003", None),
    ]


def test_the_owner_of_a_moved_order_is_told_once_and_operations_get_one_summary(
    factory: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = OrderService(
        Settings(database_url=factory.url, as_of=AS_OF, ops_channel="C0OPS"),
        factory.session_factory,
    )
    mine = orders.hold("BRKT", 25, date(2026, 11, 25), customer="Acme", owner="U0SAM")
    assert mine.ref == "PB-00001"
    nobody = orders.hold("BRKT", 30, date(2026, 12, 2), customer="Globex")
    result = orders.apply_change(
        CapacityChange("CNC", AS_OF, date(2026, 12, 2), 0, "spindle repair"),
        who="U0PAT",
    )

    assert [m.ref for m in result.moved] == ["PB-00001", nobody.ref]
    with factory.session_factory() as session:
        sent = [(row.kind, row.payload["args"]) for row in session.scalars(sa.select(OutboxRow))]
    assert [kind for kind, _ in sent] == ["order_moved", "change_summary"]
    dm = sent[0][1]
    assert dm["channel"] == "U0SAM"
    assert dm["text"].startswith("CNC is down Mon 23 Nov – Wed 2 Dec: spindle repair. Your order")
    buttons = [
        e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons[:2] == ["Accept new date", "Ask operations"]
    assert buttons[-1] == "Cancel"
    summary = sent[1][1]
    assert summary["channel"] == "C0OPS"
    assert "(reported by <@U0PAT>)" in summary["text"]
    assert "PB-00002 30 BRKT for Globex" in summary["text"]
    assert "nobody in Slack owns it" in summary["text"]


def test_export_then_import_keeps_a_moved_order_moved(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
    )
    first, second = tmp_path / "first", tmp_path / "second"
    ok(capsys, promised, "export", str(first))

    out = ok(capsys, promised, "import", str(first))
    ok(capsys, promised, "export", str(second))

    assert "moved: PB-00001 from 2026-11-25 to 2026-11-26 (until its owner answers)" in out
    moved = show(promised, "PB-00001")
    assert (moved["status"], moved["moved_from"], moved["moved_to"]) == (
        "held",
        "2026-11-25",
        "2026-11-26",
    )
    for name in sorted(path.name for path in first.iterdir()):
        assert (second / name).read_text() == (first / name).read_text(), name


def test_the_digest_and_the_summit_agenda_count_moves_and_how_early_customers_were_told(
    promised: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(
        capsys,
        promised,
        "capacity",
        "CNC",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-25",
        "--closed",
    )
    settings = Settings(database_url=promised.url, as_of=AS_OF)
    orders = OrderService(settings, promised.session_factory)
    orders.accept_move("PB-00001", actor="U0SAM")

    digest = build_digest(promised.session_factory, orders, AS_OF, orders.clock(), charts=False)
    summits = SummitService(settings, promised.session_factory, orders=orders, clock=orders.clock)
    summit = summits.schedule("S&OP", "first Tuesday 10:00", channel="C0SOP", organiser="U0BOSS")
    [starts] = summits.next_occurrences(summit.id, count=1)
    # The evening of the planning day: every clock above (the CLI's, this service's) starts at
    # 09:00 on it when made, so "now" must come after all of their stamps, however slow each was.
    evening = datetime.combine(AS_OF, time(18), tzinfo=settings.tzinfo)
    agenda = summits.agenda(summits.occurrence(summit.id, starts).id, now=evening)

    assert (
        "Promises moved by factory changes: 1 (1 answered; customers told 2 days before the old "
        "date (median))"
    ) in digest.summary_lines()
    assert agenda.moved == [
        "PB-00001 Acme: 25 BRKT Wed 25 Nov → Thu 26 Nov (accepted, 2 days before the old date)"
    ]
    assert "Promises moved by factory changes:" in agenda.text()
