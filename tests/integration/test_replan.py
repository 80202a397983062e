"""When an import takes capacity or material away, the promises it breaks are found and placed
again: on their date when they still fit, else moved to their new earliest date (the owner is
told), else at risk when nothing fits in the horizon."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.platform import i18n
from bot.platform.db.tables import OutboxRow, ReservationRow, ReservedHoursRow
from bot.platform.settings import Settings
from bot.promising.constraints import at_risk_text
from bot.promising.orders import OrderService
from tests.conftest import MigratedDb

AS_OF = date(2026, 11, 23)
ENV = {"PROMISEBOT_AS_OF": AS_OF.isoformat()}
OWNER = "U0SALES"


@pytest.fixture
def promised(migrated_db: MigratedDb, worked_dir: Path) -> OrderService:
    """The worked example with 25 BRKT confirmed for Wed 25 Nov by a salesperson in Slack."""
    assert main(["import", str(worked_dir), "--database-url", migrated_db.url], env=ENV) == 0
    orders = OrderService(
        Settings(database_url=migrated_db.url, as_of=AS_OF), migrated_db.session_factory
    )
    orders.hold("BRKT", 25, date(2026, 11, 25), customer="Acme", owner=OWNER, confirm=True)
    return orders


def reimport(db: MigratedDb, worked_dir: Path, tmp_path: Path, **changes: str) -> str:
    """Import the worked example again with some files replaced; returns what import printed."""
    folder = tmp_path / "changed"
    shutil.copytree(worked_dir, folder)
    for name, text in changes.items():
        (folder / f"{name}.csv").write_text(text)
    return str(folder)


def run_import(db: MigratedDb, folder: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["import", folder, "--database-url", db.url], env=ENV) == 0
    return capsys.readouterr().out


def test_a_promise_that_no_longer_fits_its_date_is_moved_and_its_owner_told(
    promised: OrderService,
    migrated_db: MigratedDb,
    worked_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    closed = "work_center,date,hours,reason\nCNC,2026-11-24,0,repair\nCNC,2026-11-25,0,repair\n"
    out = run_import(
        migrated_db, reimport(migrated_db, worked_dir, tmp_path, calendar=closed), capsys
    )

    order = promised.order("PB-00001")
    assert (order.status, order.promised_on) == ("confirmed", date(2026, 11, 25))
    assert (order.moved_from, order.moved_to) == (date(2026, 11, 25), date(2026, 11, 26))
    assert order.placement is not None
    assert "moved: PB-00001 from Wed 25 Nov to Thu 26 Nov (until its owner answers)" in out
    with migrated_db.session_factory() as session:
        sent = [row.payload["args"] for row in session.scalars(sa.select(OutboxRow))]
    assert len(sent) == 1
    assert sent[0]["channel"] == OWNER
    assert sent[0]["text"].startswith(
        "The factory data was imported again (promisebot import). Your order 25 BRKT for Acme "
        "(PB-00001) cannot ship Wed 25 Nov any more: it is now booked for Thu 26 Nov"
    )


def test_a_promise_with_no_date_left_in_the_horizon_is_at_risk_and_its_owner_told(
    promised: OrderService,
    migrated_db: MigratedDb,
    worked_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    days = [AS_OF + timedelta(n) for n in range(365)]
    closed = "work_center,date,hours,reason\n" + "".join(f"PAINT,{d},0,sold\n" for d in days)
    out = run_import(
        migrated_db, reimport(migrated_db, worked_dir, tmp_path, calendar=closed), capsys
    )

    order = promised.order("PB-00001")
    assert order.status == "at_risk"
    assert order.placement is None
    assert "at risk now: PB-00001" in out
    with migrated_db.session_factory() as session:
        sent = [row.payload["args"] for row in session.scalars(sa.select(OutboxRow))]
    assert [m["channel"] for m in sent] == [OWNER]
    assert sent[0]["text"].startswith(
        ":warning: Order PB-00001 (25 BRKT for Acme on Wed 25 Nov) is at risk"
    )
    # Why, kept in English for the CLI and the JSON, and as facts for every other reader.
    english = "the factory changed: 25 BRKT cannot be promised within the 365-day horizon"
    assert order.at_risk_reason == english
    assert order.to_json()["at_risk_reason"] == english
    with i18n.using("vi"):
        told = at_risk_text(order.at_risk_reason, order.at_risk_facts, AS_OF)
    assert told == "nhà máy đã thay đổi: không thể cam kết 25 BRKT trong phạm vi kế hoạch 365 ngày"


def test_a_promise_that_can_still_keep_its_date_is_re_planned_quietly(
    promised: OrderService,
    migrated_db: MigratedDb,
    worked_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    # The hold took CNC 8 h on the 25th and 4 h on the 24th; the 25th now has 6 h.
    shorter = "work_center,date,hours,reason\nCNC,2026-11-25,6,short shift\n"
    out = run_import(
        migrated_db, reimport(migrated_db, worked_dir, tmp_path, calendar=shorter), capsys
    )

    order = promised.order("PB-00001")
    assert order.status == "confirmed"
    assert "re-planned to keep their date: PB-00001" in out
    with migrated_db.session_factory() as session:
        cnc = dict(
            session.execute(
                sa.select(ReservedHoursRow.on, ReservedHoursRow.hours)
                .join(ReservationRow)
                .where(ReservationRow.active.is_(True), ReservedHoursRow.work_center == "CNC")
            ).all()
        )
        told = session.scalar(sa.select(sa.func.count()).select_from(OutboxRow))
    assert cnc == {date(2026, 11, 25): 6.0, date(2026, 11, 24): 6.0}
    assert told == 0


def test_stock_counted_lower_moves_the_promise_that_counted_on_it(
    promised: OrderService,
    migrated_db: MigratedDb,
    worked_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    fewer = "sku,on_hand\nBRKT,5\nSHEET,10\n"
    run_import(migrated_db, reimport(migrated_db, worked_dir, tmp_path, inventory=fewer), capsys)

    order = promised.order("PB-00001")
    # 10 sheets in hand and 10 bought: a purchase arrives Thu 3 Dec at the earliest.
    assert (order.status, order.moved_to) == ("confirmed", date(2026, 12, 4))
    assert promised.engine().atp("SHEET", AS_OF) == 0.0  # nothing is counted twice


def test_an_import_that_changes_nothing_leaves_every_promise_alone(
    promised: OrderService,
    migrated_db: MigratedDb,
    worked_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    out = run_import(migrated_db, str(worked_dir), capsys)

    assert promised.order("PB-00001").status == "confirmed"
    assert "re-planned" not in out
    assert "at risk" not in out
