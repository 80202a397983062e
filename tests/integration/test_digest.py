"""The weekly digest's figures, checked against values worked out by hand on a small data set.

The factory is DESIGN.md's worked example (CNC and PAINT, 8 h a day Mon–Fri; BRKT: CNC 2 h setup
+ 0.5 h/unit, PAINT 0.25 h/unit). The digest is for the week Mon 16 – Sun 22 Nov 2026, computed
on Mon 23 Nov 2026 at 09:00 Berlin.
"""

from __future__ import annotations

import argparse
import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.cli.digest import COMMANDS
from bot.collaboration.digest import build_digest, post_digest
from bot.factory.files import read_factory_dir
from bot.factory.store import save_factory
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import (
    AuditLogRow,
    CalendarExceptionRow,
    CapacityRequestRow,
    CustomerRow,
    LeadFollowupRow,
    LeadRow,
    OrderRow,
    OutboxRow,
    ReservationRow,
    ReservedHoursRow,
    ShipmentRow,
)
from bot.platform.outbox import OutboxWorker
from bot.platform.settings import Settings
from bot.promising.orders import OrderService, record_factory_change
from bot.sandbox.fake_slack import FakeSlack
from tests.conftest import MigratedDb

BERLIN = "Europe/Berlin"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Mon 09:00 in Berlin
WEEK = date(2026, 11, 16)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def d(day: str) -> date:
    return date.fromisoformat(day)


@pytest.fixture
def history(migrated_db: MigratedDb, worked_dir: Path) -> tuple[MigratedDb, OrderService]:
    db = migrated_db
    with write_transaction(db.session_factory) as session:
        save_factory(session, read_factory_dir(worked_dir))
        record_factory_change(session, "test", {})
    clock = FakeClock(at("2026-11-18"))
    orders = OrderService(
        Settings(database_url=db.url, timezone=BERLIN), db.session_factory, clock=clock
    )
    # A rush order created on Wed 18 Nov for Fri 27 Nov: CNC 4.5 h and PAINT 1.25 h in the
    # week of 23 Nov (5 of the 10 from stock, the rest made just in time).
    orders.hold("BRKT", 10, d("2026-11-27"), customer="Acme", rush=True, confirm=True)
    clock.now = NOW

    with write_transaction(db.session_factory) as session:
        customers = {name: CustomerRow(name=name) for name in ("Bolt", "Cord")}
        session.add_all(customers.values())
        customers["Acme"] = session.scalar(sa.select(CustomerRow).where(CustomerRow.name == "Acme"))
        session.flush()

        def order(ref, customer, qty, promised, created, status="confirmed", shipped=(), **kw):
            row = OrderRow(
                ref=ref,
                customer_id=customers[customer].id,
                sku="BRKT",
                qty=qty,
                requested_on=d(promised),
                promised_on=d(promised),
                status=status,
                created_at=at(created),
                updated_at=at(created),
                **kw,
            )
            session.add(row)
            session.flush()
            for on, q in shipped:
                session.add(ShipmentRow(order_id=row.id, on=d(on), qty=q))
            return row

        # The digest's week: kept A1 and C1; missed A2 (short), B1 (at risk), B2 (late).
        order("A1", "Acme", 10, "2026-11-17", "2026-11-10", "shipped", [("2026-11-17", 10)])
        a2 = order(
            "A2", "Acme", 10, "2026-11-18", "2026-11-09", "shipped",
            [("2026-11-18", 6), ("2026-11-20", 4)],
        )  # fmt: skip
        b1 = order(
            "B1", "Bolt", 5, "2026-11-19", "2026-11-16", "at_risk", at_risk_reason="SHEET late"
        )
        b2 = order("B2", "Bolt", 5, "2026-11-20", "2026-11-16", "shipped", [("2026-11-23", 5)])
        c1 = order("C1", "Cord", 3, "2026-11-22", "2026-11-17", "confirmed", [("2026-11-21", 3)])
        order("X1", "Cord", 3, "2026-11-18", "2026-11-12", "cancelled")
        order("H1", "Cord", 3, "2026-11-19", "2026-11-12", "held")
        # The week before: P1 kept, P2 missed (nothing shipped).
        order("P1", "Acme", 4, "2026-11-12", "2026-11-02", "shipped", [("2026-11-12", 4)])
        p2 = order("P2", "Cord", 4, "2026-11-13", "2026-11-06", "confirmed")

        # What the plan knew of the misses. B1 never had a reservation (taken at risk); B2 held
        # 6 h of CNC on Thu 19 Nov, which a breakdown cut to 2 h; P2 was re-planned when SHEET
        # went short; A2 was re-planned with nothing named (an audit from before the details).
        def reserved(row, hours=(), active=False):
            reservation = ReservationRow(
                order_id=row.id, sku="BRKT", qty=row.qty, on=row.promised_on, active=active
            )
            session.add(reservation)
            session.flush()
            for code, on, h in hours:
                session.add(
                    ReservedHoursRow(
                        reservation_id=reservation.id, work_center=code, on=d(on), hours=h
                    )
                )

        def replanned(row, action="replan", **detail):
            session.add(
                AuditLogRow(actor="promisebot", action=action, entity="order",
                            entity_id=row.ref, detail=detail)
            )  # fmt: skip

        reserved(b2, [("CNC", "2026-11-19", 6.0)])
        session.add(
            CalendarExceptionRow(work_center="CNC", on=d("2026-11-19"), hours=2, reason="spindle")
        )
        reserved(p2, [("CNC", "2026-11-12", 4.0)])
        replanned(p2, lost_hours=[], short_stock=["SHEET"])
        reserved(a2, [("CNC", "2026-11-17", 7.0)])
        replanned(a2)

        def request(row, created, answered=None, status="open"):
            session.add(
                CapacityRequestRow(
                    order_id=row.id,
                    requested_by="U1",
                    status=status,
                    question="Can you?",
                    created_at=created,
                    answered_at=answered,
                )
            )

        request(a2, at("2026-11-17", 8), at("2026-11-17", 8) + timedelta(hours=2.5), "approved")
        request(b1, at("2026-11-18", 9), at("2026-11-19", 9), "declined")
        request(c1, at("2026-11-20", 12))
        request(c1, at("2026-11-10", 12), at("2026-11-10", 13), "approved")  # the week before

        def lead(status, source, interest="", qty=None, month=None, owner="U2"):
            row = LeadRow(
                customer_id=customers["Bolt"].id,
                owner_slack_id=owner,
                source=source,
                product_interest=interest,
                expected_qty=qty,
                expected_month=month,
                status=status,
            )
            session.add(row)
            session.flush()
            return row

        l1 = lead("open", "fair", "BRKT brackets", 400, d("2027-01-01"), owner="U1")
        l2 = lead("open", "web", "widgets", 50, d("2027-01-01"))
        l3 = lead("won", "fair")
        lead("lost", "web")

        def followup(row, due, done=None):
            session.add(LeadFollowupRow(lead_id=row.id, due_at=due, done_at=done))

        followup(l1, at("2026-11-16", 8), at("2026-11-16", 15))  # on time
        followup(l1, at("2026-11-17", 8), at("2026-11-19", 9))  # late
        followup(l2, at("2026-11-18", 8))  # open, overdue
        followup(l2, at("2026-11-10", 8))  # the week before, overdue
        followup(l3, at("2026-11-19", 8))  # open, but the lead is won: not overdue
    return db, orders


def test_on_time_figures_match_the_hand_count(history: tuple[MigratedDb, OrderService]) -> None:
    db, orders = history
    digest = build_digest(db.session_factory, orders, WEEK, NOW, charts=False)
    ot = digest.on_time

    assert (ot.week.kept, ot.week.missed, ot.pending) == (2, 3, 0)
    assert ot.week.rate == pytest.approx(0.4)
    assert [(w.week, w.kept, w.missed) for w in ot.trailing[-2:]] == [
        (d("2026-11-09"), 1, 1),
        (d("2026-11-16"), 2, 3),
    ]
    assert len(ot.trailing) == 8 and ot.trailing[0].week == d("2026-09-28")
    assert ot.trailing_rate == pytest.approx(3 / 7)
    assert ot.by_customer == [("Bolt", 0, 2), ("Acme", 2, 1), ("Cord", 1, 1)]
    # The cause of each miss is what the plan knew, not that it shipped late.
    assert ot.by_cause == [
        ("breakdown at CNC", 1),
        ("late receipt of SHEET", 1),
        ("taken without a quote", 1),
        ("the order moved", 1),
    ]
    assert [(m.ref, m.cause) for m in ot.missed] == [
        ("A2", "the order moved"),
        ("B1", "taken without a quote"),
        ("B2", "breakdown at CNC"),
    ]


def test_lead_time_rush_and_requests_match_the_hand_count(
    history: tuple[MigratedDb, OrderService],
) -> None:
    db, orders = history
    digest = build_digest(db.session_factory, orders, WEEK, NOW, charts=False)

    # Created in the week: B1 3 days, B2 4, C1 5, the rush order 9 → 5.25.
    # Before it: A1 7, A2 9, P1 10, P2 7 → 8.25.
    assert digest.lead_time.week_mean_days == pytest.approx(5.25)
    assert digest.lead_time.week_orders == 4
    assert digest.lead_time.previous_mean_days == pytest.approx(8.25)
    assert digest.lead_time.trend_days == pytest.approx(-3.0)
    assert digest.rush == ["PB-00001 Acme: 10 BRKT for Fri 27 Nov"]

    rq = digest.requests
    assert rq.count == 3
    assert rq.by_outcome == {"approved": 1, "declined": 1, "open": 1}
    assert rq.median_response_hours == pytest.approx((2.5 + 24) / 2)
    assert rq.max_response_hours == pytest.approx(24.0)
    assert rq.still_open == 1


def test_load_pipeline_and_follow_ups_match_the_hand_count(
    history: tuple[MigratedDb, OrderService],
) -> None:
    db, orders = history
    digest = build_digest(db.session_factory, orders, WEEK, NOW, charts=False)

    assert digest.load_weeks[0] == d("2026-11-23") and len(digest.load_weeks) == 8
    assert digest.utilisation["CNC"][d("2026-11-23")] == pytest.approx(4.5 / 40)
    assert digest.utilisation["PAINT"][d("2026-11-23")] == pytest.approx(1.25 / 40)
    assert digest.utilisation["CNC"][d("2026-11-30")] == 0.0

    # 400 BRKT in January 2027 (21 workdays, 168 h): CNC 2 + 200 h, PAINT 100 h.
    [cnc, paint] = digest.pipeline
    assert (cnc.work_center, cnc.month, cnc.lead_hours) == ("CNC", d("2027-01-01"), 202.0)
    assert cnc.capacity_hours == pytest.approx(168.0)
    assert cnc.load == pytest.approx(202 / 168)
    assert paint.load == pytest.approx(100 / 168)
    assert cnc.sentence() == "if the open leads close, CNC runs at 120% in January 2027"
    assert digest.unmatched_leads == 1

    fu = digest.followups
    assert (fu.due, fu.on_time, fu.late, fu.open) == (4, 1, 1, 2)
    assert fu.rate == pytest.approx(0.25)
    assert fu.overdue_by_owner == [("U2", 2)]
    assert digest.conversion == [("fair", 2, 1, 0), ("web", 2, 0, 1)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_digest_renders_as_valid_block_kit_markdown_and_png_charts(
    history: tuple[MigratedDb, OrderService],
) -> None:
    db, orders = history
    digest = build_digest(db.session_factory, orders, WEEK, NOW)

    assert set(digest.charts) == {"load.png", "on_time.png"}
    for data in digest.charts.values():
        assert png_size(data) == (1200, 600)
    blocks = digest.blocks()
    assert len(blocks) <= 50
    for block in Block.parse_all(blocks):
        block.validate_json()
    assert digest.text().startswith("Weekly digest: Mon 16 Nov – Sun 22 Nov 2026")
    markdown = digest.to_markdown()
    assert "On time this week: 40% (2 kept, 3 missed)" in markdown
    assert "if the open leads close, CNC runs at 120% in January 2027" in markdown


def test_post_digest_posts_the_message_and_uploads_the_charts_in_its_thread(
    history: tuple[MigratedDb, OrderService],
) -> None:
    db, orders = history
    digest = build_digest(db.session_factory, orders, WEEK, NOW)
    with FakeSlack() as slack:
        ts = post_digest(WebClient(token="xoxb-test", base_url=slack.url), "C0MGMT", digest)
        [message] = slack.messages("C0MGMT")
        assert message.ts == ts and message.text == digest.text()
        [reply] = message.replies
        assert sorted(f["name"] for f in reply.files) == ["load.png", "on_time.png"]
        assert sorted(f.name for f in slack.files()) == ["load.png", "on_time.png"]


def test_the_digest_command_writes_markdown_and_charts_and_queues_the_post(
    history: tuple[MigratedDb, OrderService], tmp_path: Path
) -> None:
    db, _ = history
    settings = Settings(
        database_url=db.url, timezone=BERLIN, digest_channel="C0MGMT", as_of=d("2026-11-23")
    )
    service = OrderService(settings, db.session_factory, clock=FakeClock(NOW))
    _, add_arguments, run = COMMANDS["digest"]
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    args = parser.parse_args(["--week", "2026-11-18", "--out", str(tmp_path / "out"), "--post"])
    assert run(args, service) == 0

    assert "40% (2 kept, 3 missed)" in (tmp_path / "out" / "digest.md").read_text()
    assert png_size((tmp_path / "out" / "load.png").read_bytes()) == (1200, 600)
    with FakeSlack() as slack:
        worker = OutboxWorker(
            db.session_factory,
            WebClient(token="xoxb-test", base_url=slack.url),
            FakeClock(NOW + timedelta(seconds=5)),
        )
        assert worker.deliver_due() == 2
        texts = [m.text for m in slack.messages("C0MGMT")]
        assert texts[0].startswith("Weekly digest: Mon 16 Nov")
        assert sorted(f.name for f in slack.files()) == ["load.png", "on_time.png"]
    with db.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 2


def test_posting_without_a_digest_channel_is_refused(
    history: tuple[MigratedDb, OrderService], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = history
    service = OrderService(Settings(database_url=db.url), db.session_factory)
    _, add_arguments, run = COMMANDS["digest"]
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--post"]), service) == 2
    assert "PROMISEBOT_DIGEST_CHANNEL" in capsys.readouterr().err


def test_a_promise_missed_after_a_breakdown_the_plan_learned_of_is_put_down_to_it(
    migrated_db: MigratedDb, worked_dir: Path
) -> None:
    db = migrated_db
    with write_transaction(db.session_factory) as session:
        save_factory(session, read_factory_dir(worked_dir))
        record_factory_change(session, "test", {})
    clock = FakeClock(at("2026-11-16"))
    settings = Settings(database_url=db.url, timezone=BERLIN)
    orders = OrderService(settings, db.session_factory, clock=clock)
    order = orders.hold("BRKT", 20, d("2026-11-20"), customer="Acme", confirm=True)
    assert order.placement is not None
    cnc_days = sorted({use.on for use in order.placement.hours if use.work_center == "CNC"})

    # CNC breaks down on the days the order counted on; the re-check moves its hours.
    with write_transaction(db.session_factory) as session:
        for on in cnc_days:
            session.add(CalendarExceptionRow(work_center="CNC", on=on, hours=0, reason="broken"))
        record_factory_change(session, "test", {"calendar": "CNC down"})
        orders.recheck_promises(session)

    clock.now = NOW  # a week later it has not shipped
    digest = build_digest(db.session_factory, orders, WEEK, NOW, charts=False)
    assert [(m.ref, m.cause) for m in digest.on_time.missed] == [(order.ref, "breakdown at CNC")]
    assert digest.on_time.by_cause == [("breakdown at CNC", 1)]
    assert "breakdown at CNC" in str(digest.blocks())
