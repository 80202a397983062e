"""Scheduled jobs driven by state: a run killed midway is finished by the next, an hour with no
replica up is caught up, and what would be wrong late is recorded as missed; each message once.

The factory is DESIGN.md's worked example, its time zone Berlin (CET in late November). Time is
an input: every service and job reads one fake clock, moved by the test. The jobs are run as
the leader's scheduler runs them (bot.app.jobs by name), and the outbox delivers to the fake
Slack, where the messages are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.util import ref_to_obj
from slack_sdk import WebClient

from bot.app.jobs import JOBS, JobContext, configure_jobs
from bot.factory.files import read_factory_dir
from bot.factory.store import save_factory
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import ChannelLanguageRow, OutboxRow, SentReminderRow
from bot.platform.outbox import OutboxWorker, missed_since
from bot.platform.settings import Settings
from bot.platform.users import UserService
from bot.promising.capacity_requests import DELIVERED_HOOKS, CapacityRequestService
from bot.promising.orders import OrderService, record_factory_change
from bot.sandbox.fake_slack import FakeSlack
from capacity.changes import CapacityChange
from tests.conftest import MigratedDb

BERLIN = "Europe/Berlin"
OWNER, OTHER = "U0ANNA", "U0BEN"
MGMT, OPS, SUMMITS = "C0MGMT", "C0OPS", "C0SUMMIT"


def berlin(text: str) -> datetime:
    """A Berlin wall-clock time in late 2026 (CET, UTC+1) as an aware UTC datetime."""
    return (datetime.fromisoformat(text) - timedelta(hours=1)).replace(tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Died(BaseException):
    """The process died here: nothing after this point ran."""


@dataclass
class Plant:
    db: MigratedDb
    slack: FakeSlack
    clock: FakeClock
    context: JobContext
    requests: CapacityRequestService

    def run_jobs(self, *ids: str) -> None:
        """Run the jobs (all by default) as the leader's scheduler calls them."""
        for spec in JOBS:
            if not ids or spec.id in ids:
                ref_to_obj(spec.func)()

    def deliver(self) -> int:
        worker = OutboxWorker(
            self.db.session_factory,
            WebClient(token="xoxb-test", base_url=self.slack.url, timeout=5),
            self.clock,
            on_delivered=DELIVERED_HOOKS,
        )
        delivered = 0
        while batch := worker.deliver_due():
            delivered += batch
        return delivered

    def texts(self) -> Counter[str]:
        """Every message in Slack (thread replies and uploads too), by its first line."""
        found: Counter[str] = Counter()
        for message in self.slack.messages():
            for shown in (message, *message.replies):
                found[shown.text.splitlines()[0] if shown.text else "(files)"] += 1
        return found

    def sent(self) -> Counter[tuple[str, str]]:
        """Every message in Slack by its conversation and first line."""
        found: Counter[tuple[str, str]] = Counter()
        for message in self.slack.messages():
            for shown in (message, *message.replies):
                found[(shown.channel, shown.text.splitlines()[0] if shown.text else "")] += 1
        return found

    def outbox_kinds(self) -> Counter[str]:
        with self.db.session_factory() as session:
            return Counter(session.scalars(sa.select(OutboxRow.kind)))


@pytest.fixture
def plant(migrated_db: MigratedDb, worked_dir: Path) -> Iterator[Plant]:
    with write_transaction(migrated_db.session_factory) as session:
        save_factory(session, read_factory_dir(worked_dir))
        record_factory_change(session, "test", {})
    settings = Settings(
        database_url=migrated_db.url,
        timezone=BERLIN,
        digest_channel=MGMT,
        ops_channel=OPS,
    )
    clock = FakeClock(berlin("2026-11-26T10:00"))  # Thursday
    orders = OrderService(settings, migrated_db.session_factory, clock=clock)
    users = UserService(settings, migrated_db.session_factory, clock=clock)
    requests = CapacityRequestService(
        settings, migrated_db.session_factory, orders, users, clock=clock
    )
    context = JobContext.build(
        settings, migrated_db.session_factory, orders=orders, requests=requests, clock=clock
    )
    configure_jobs(context)
    with FakeSlack(retry_after=0) as slack:
        try:
            yield Plant(migrated_db, slack, clock, context, requests)
        finally:
            configure_jobs(None)


@contextmanager
def dies_at_outbox_insert(db: MigratedDb, nth: int) -> Iterator[None]:
    """The process dies as its `nth` outbox row is being written (fault injection at the
    database driver: whatever job is running, in the middle of it)."""
    inserts = 0

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal inserts
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts += 1
            if inserts == nth:
                raise Died(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def missed_keys(plant: Plant) -> list[str]:
    with plant.db.session_factory() as session:
        return sorted(key for key, _ in missed_since(session, berlin("2026-11-01T00:00")))


# --- an hour with every replica down ----------------------------------------------------------


def test_after_an_hour_with_every_replica_down_what_fell_due_is_sent_once(plant: Plant) -> None:
    context = plant.context
    context.leads.create("Acme", OWNER, "wants 200 BRKT", follow_up_on=date(2026, 11, 27))
    context.leads.create("Bolt", OWNER, "price list", follow_up_on=date(2026, 11, 30))
    context.summits.schedule("S&OP", "every Tuesday 09:00", channel=SUMMITS, organiser=OTHER)
    plant.clock.now = berlin("2026-11-27T09:30")  # Friday: Acme's reminder, the week reminder
    plant.run_jobs()
    plant.deliver()
    plant.clock.now = berlin("2026-11-29T10:00")  # Sunday: a hold that runs out Monday 10:00
    assert context.orders is not None
    context.orders.hold("BRKT", 5, date(2026, 12, 4), customer="Acme", owner=OTHER)
    before = plant.texts()

    plant.clock.now = berlin("2026-11-30T07:59:45")  # Monday: the last run before the outage
    plant.run_jobs()
    assert plant.deliver() == 0
    # Every replica is down from 08:00 to 09:00; the first one back runs every job at once.
    plant.clock.now = berlin("2026-11-30T09:00:30")
    plant.run_jobs()
    assert plant.deliver() == 6
    plant.clock.now += timedelta(seconds=15)  # the next round (or another leader): nothing new
    plant.run_jobs()
    assert plant.deliver() == 0

    new = plant.texts() - before
    assert sorted(new) == sorted(
        [
            "Weekly digest: Mon 23 Nov – Sun 29 Nov 2026",
            "Charts for the weekly digest: Mon 23 Nov – Sun 29 Nov 2026",
            "1 overdue lead follow-up",
            "Follow up with Bolt: price list",
            "S&amp;OP tomorrow: Tue 1 Dec 09:00",  # as sent: mrkdwn escapes the summit's &
            new_hold_warning(plant),
        ]
    ), new
    assert set(new.values()) == {1}
    assert missed_keys(plant) == []


def new_hold_warning(plant: Plant) -> str:
    [text] = [t for t in plant.texts() if t.startswith(":hourglass")]
    assert "runs out at 10:00 (in 1 h)" in text
    return text


def test_what_would_be_wrong_late_is_recorded_as_missed_and_the_rest_caught_up(
    plant: Plant,
) -> None:
    context = plant.context
    context.leads.create("Acme", OWNER, follow_up_on=date(2026, 11, 27))
    context.leads.create("Bolt", OWNER, follow_up_on=date(2026, 11, 30))
    context.summits.schedule("S&OP", "every Tuesday 09:00", channel=SUMMITS, organiser=OTHER)
    plant.clock.now = berlin("2026-11-27T09:30")
    plant.run_jobs()
    plant.deliver()
    plant.clock.now = berlin("2026-11-29T10:00")
    assert context.orders is not None
    context.orders.hold("BRKT", 5, date(2026, 12, 4), customer="Acme", owner=OTHER)
    before = plant.texts()

    # Down from Friday evening until Tuesday 09:30: all of Monday, and the summit's start.
    plant.clock.now = berlin("2026-12-01T09:30")
    plant.run_jobs()
    plant.deliver()

    new = plant.texts() - before
    assert "Weekly digest: Mon 23 Nov – Sun 29 Nov 2026" in new  # a day late is still useful
    assert "Follow up with Bolt" in new
    assert "2 overdue lead follow-ups" in new  # Tuesday's list (Monday's is missed)
    assert any(t.startswith(":information_source: Your hold on 5 BRKT") for t in new)  # expired
    assert not any(t.startswith((":hourglass", "S&amp;OP tomorrow")) for t in new)
    assert set(new.values()) == {1}
    assert missed_keys(plant) == sorted(
        [
            f"lead-overdue:{OWNER}:2026-11-30",
            "outbox:hold_expiring:PB-00001:2026-11-30T09:00:00+00:00",
            "summit:1:2026-12-01T08:00Z:day",
        ]
    )
    plant.clock.now += timedelta(minutes=1)
    plant.run_jobs()
    assert plant.deliver() == 0
    assert len(missed_keys(plant)) == 3  # recorded once


# --- killed in the middle of each job -----------------------------------------------------------


def two_lead_reminders(plant: Plant) -> None:
    plant.context.leads.create("Acme", OWNER, follow_up_on=date(2026, 11, 30))
    plant.context.leads.create("Bolt", OTHER, follow_up_on=date(2026, 11, 30))
    plant.clock.now = berlin("2026-11-30T09:10")


def two_overdue_lists(plant: Plant) -> None:
    plant.context.leads.create("Acme", OWNER, follow_up_on=date(2026, 11, 27))
    plant.context.leads.create("Bolt", OTHER, follow_up_on=date(2026, 11, 27))
    plant.clock.now = berlin("2026-11-27T09:10")
    plant.run_jobs("leads.remind")
    plant.deliver()
    plant.clock.now = berlin("2026-11-30T08:10")


def two_summit_reminders(plant: Plant) -> None:
    for title in ("S&OP", "Plant 2 S&OP"):
        plant.context.summits.schedule(
            title, "every Tuesday 09:00", channel=SUMMITS, organiser=OTHER
        )
    plant.clock.now = berlin("2026-11-30T09:10")


def a_digest_with_its_charts(plant: Plant) -> None:
    plant.clock.now = berlin("2026-11-30T08:05")


def two_nudges(plant: Plant) -> None:
    plant.clock.now = berlin("2026-11-26T10:00")
    for qty in (40, 41):
        plant.requests.ask("BRKT", qty, date(2026, 11, 27), customer="Acme", requester=OWNER)
    plant.deliver()  # the questions are posted: now there are threads to nudge in
    plant.clock.now = berlin("2026-11-26T15:00")


def two_hold_warnings(plant: Plant) -> None:
    assert plant.context.orders is not None
    plant.clock.now = berlin("2026-11-29T10:00")
    for qty in (2, 3):
        plant.context.orders.hold("BRKT", qty, date(2026, 12, 4), customer="Acme", owner=OWNER)
    plant.clock.now = berlin("2026-11-30T08:30")


def two_move_nudges(plant: Plant) -> None:
    orders = plant.context.orders
    assert orders is not None
    plant.clock.now = berlin("2026-11-26T10:00")  # Thursday
    for owner, qty in ((OWNER, 12), (OTHER, 13)):
        orders.hold("BRKT", qty, date(2026, 12, 1), customer="Acme", owner=owner)
    down = CapacityChange("CNC", date(2026, 11, 26), date(2026, 12, 1), 0, "spindle repair")
    assert len(orders.apply_change(down).moved) == 2
    plant.deliver()  # each owner is told at once; the nudge is the reminder after that
    plant.clock.now = berlin("2026-11-26T15:00")  # 5 working hours later, unanswered


SETUPS: dict[str, tuple[Callable[[Plant], None], int]] = {
    "leads.remind": (two_lead_reminders, 2),
    "leads.overdue": (two_overdue_lists, 2),
    "summits.remind": (two_summit_reminders, 2),
    "digest.weekly": (a_digest_with_its_charts, 2),
    "requests.nudge": (two_nudges, 2),
    "holds.warn": (two_hold_warnings, 2),
    "moves.nudge": (two_move_nudges, 2),
}


def test_every_job_kind_is_tried_here() -> None:
    assert sorted(SETUPS) == sorted(spec.id for spec in JOBS)


@pytest.mark.parametrize("job", sorted(SETUPS))
def test_a_leader_killed_in_the_middle_of_a_job_leaves_the_rest_to_the_next_and_each_goes_once(
    plant: Plant, job: str
) -> None:
    setup, expected = SETUPS[job]
    setup(plant)
    before = plant.sent()
    with plant.db.session_factory() as session:
        keys_before = session.scalar(sa.select(sa.func.count()).select_from(SentReminderRow))

    with pytest.raises(Died), dies_at_outbox_insert(plant.db, 2):
        plant.run_jobs(job)  # dies as it writes its second message
    plant.clock.now += timedelta(seconds=15)  # the next leader's first run
    plant.run_jobs(job)
    plant.run_jobs(job)  # and its next round
    plant.deliver()

    new = plant.sent() - before
    assert sum(new.values()) == expected, new
    assert set(new.values()) == {1}, new
    with plant.db.session_factory() as session:
        keys = session.scalar(sa.select(sa.func.count()).select_from(SentReminderRow))
        outcomes = set(session.scalars(sa.select(SentReminderRow.outcome)))
    assert outcomes <= {"sent"}
    assert keys is not None and keys_before is not None and keys >= keys_before


# --- killed between a change's commit and its post ----------------------------------------------


class DiesBeforeSlack(WebClient):
    """A client whose process dies as it is about to post: the change has committed."""

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        if api_method == "chat.postMessage":
            raise Died(api_method)
        return super().api_call(api_method, **kwargs)


def test_a_replica_killed_between_asking_operations_and_the_post_loses_nothing(
    plant: Plant,
) -> None:
    plant.requests.outbox = OutboxWorker(
        plant.db.session_factory,
        DiesBeforeSlack(token="xoxb-test", base_url=plant.slack.url),
        plant.clock,
        on_delivered=DELIVERED_HOOKS,
    )
    with pytest.raises(Died):
        plant.requests.ask("BRKT", 40, date(2026, 11, 27), customer="Acme", requester=OWNER)
    [request] = plant.requests.open_requests()
    assert request.message_ts is None  # committed, never posted

    plant.clock.now += timedelta(seconds=11)  # the dead replica's claim has run out
    assert plant.deliver() == 1  # another replica's worker posts it
    [request] = plant.requests.open_requests()
    [question] = plant.slack.messages(OPS)
    assert (request.channel_id, request.message_ts) == (OPS, question.ts)
    assert question.text.startswith("Can you make 40 BRKT for Acme")

    plant.clock.now = berlin("2026-11-26T15:00")  # 4 working hours later: nudged in its thread
    plant.run_jobs("requests.nudge")
    plant.deliver()
    plant.run_jobs("requests.nudge")
    plant.deliver()
    [question] = plant.slack.messages(OPS)
    assert [r.text.split(":")[1] for r in question.replies] == ["alarm_clock"]
    assert len(plant.slack.calls("chat.postMessage")) == 2  # the question and the nudge, once


# --- the digest in its channel's language -----------------------------------------------------


def test_the_weekly_digest_is_written_in_its_channels_language(plant: Plant) -> None:
    with write_transaction(plant.db.session_factory) as session:
        session.add(ChannelLanguageRow(channel_id=MGMT, language="zh_Hans", set_by=OTHER))
    plant.clock.now = berlin("2026-11-30T08:30")  # Monday: last week's digest is due
    plant.run_jobs("digest.weekly")
    plant.deliver()

    posted = [m for m in plant.slack.messages() if m.channel == MGMT]
    shown = [posted[0].text.splitlines()[0], *(r.text for r in posted[0].replies)]
    # The days are the channel's (whatever the catalog says of the words around them).
    assert all("11月23日 周一" in text and "2026年11月29日 周日" in text for text in shown), shown
