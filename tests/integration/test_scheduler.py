"""The scheduler: local-time triggers, no duplicate jobs, one run after missed ones, one leader,
and every reminder sent once however many processes try."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.jobs import DUE_CHECK_SECONDS, JOBS, JobContext, configure_jobs, job_context
from bot.collaboration.leads import LeadService
from bot.platform.db.session import make_engine, make_session_factory, write_transaction
from bot.platform.db.tables import OutboxRow, SchedulerLeaseRow, SentReminderRow
from bot.platform.outbox import enqueue, send_once
from bot.platform.scheduler import (
    JOBS_TABLE,
    JobSpec,
    LeaderLease,
    build_scheduler,
    include_object,
    register_jobs,
    run_scheduler_while_leader,
    start_scheduler,
    stop_scheduler,
)
from bot.platform.settings import Settings
from tests.conftest import MigratedDb

BERLIN = "Europe/Berlin"


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def settings(db: MigratedDb) -> Settings:
    return Settings(database_url=db.url, timezone=BERLIN)


@pytest.fixture(autouse=True)
def no_job_context() -> Iterator[None]:
    yield
    configure_jobs(None)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def outbox_count(db: MigratedDb) -> int:
    with db.session_factory() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) or 0)


# --- jobs driven by state: every few seconds, at once on a new leader ---------------------


def test_every_job_runs_every_few_seconds_in_the_factory_time_zone_once_at_a_time(
    migrated_db: MigratedDb,
) -> None:
    scheduler = build_scheduler(settings(migrated_db))
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        register_jobs(scheduler, settings(migrated_db), JOBS, now=now)
        register_jobs(scheduler, settings(migrated_db), JOBS, now=now)  # no duplicates
        jobs = scheduler.get_jobs()
    finally:
        stop_scheduler(scheduler)
    assert sorted(job.id for job in jobs) == sorted(spec.id for spec in JOBS)
    assert {"requests.nudge", "holds.warn", "digest.weekly"} <= {job.id for job in jobs}
    for job in jobs:
        assert str(job.trigger.timezone) == BERLIN
        assert job.trigger.interval == timedelta(seconds=DUE_CHECK_SECONDS)
        assert job.next_run_time == now  # a new leader runs each at once
        assert job.coalesce is True and job.max_instances == 1


def test_the_schedule_is_not_kept_in_the_database(migrated_db: MigratedDb) -> None:
    scheduler = start_scheduler(settings(migrated_db), jobs=JOBS)
    stop_scheduler(scheduler)
    with migrated_db.engine.connect() as connection:
        assert JOBS_TABLE not in sa.inspect(connection).get_table_names()


def test_alembic_check_with_the_filter_ignores_an_old_job_store_table(
    migrated_db: MigratedDb,
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.platform.db.tables import Base

    # Databases from before the jobs were driven by state still have APScheduler's table.
    with migrated_db.engine.begin() as connection:
        connection.execute(
            sa.text(f"CREATE TABLE {JOBS_TABLE} (id VARCHAR(191) PRIMARY KEY, next_run_time FLOAT)")
        )
    with migrated_db.engine.connect() as connection:
        unfiltered = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
        filtered = compare_metadata(
            MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            ),
            Base.metadata,
        )
    assert any(diff[0] == "remove_table" for diff in unfiltered)
    assert filtered == []


def tick() -> None:
    """A job that puts one message in the outbox each time it runs."""
    with write_transaction(job_context().sessions) as session:
        enqueue(
            session,
            "test",
            {"method": "chat_postMessage", "args": {"channel": "C0", "text": "tick"}},
        )


def test_a_new_leader_runs_each_job_at_once_and_then_on_its_interval(
    migrated_db: MigratedDb,
) -> None:
    config = settings(migrated_db)
    configure_jobs(JobContext.build(config, migrated_db.session_factory))
    hourly = JobSpec(
        "test.hourly", f"{__name__}:tick", lambda s: IntervalTrigger(hours=1, timezone=s.tzinfo)
    )
    for restart in (1, 2):
        scheduler = start_scheduler(config, jobs=[hourly])
        try:
            assert wait_for(lambda n=restart: outbox_count(migrated_db) >= n)  # type: ignore[misc]
            time.sleep(0.3)  # give any further (wrong) runs the time to happen
            assert outbox_count(migrated_db) == restart
            job = scheduler.get_job(hourly.id)
            assert job is not None and job.next_run_time > datetime.now(UTC) + timedelta(minutes=59)
        finally:
            stop_scheduler(scheduler)


# --- once per key ------------------------------------------------------------------------------


def test_send_once_records_a_key_once(migrated_db: MigratedDb) -> None:
    with write_transaction(migrated_db.session_factory) as session:
        assert send_once(session, "summit:1:2026-12-01T09:00Z:week") is True
        assert send_once(session, "summit:1:2026-12-01T09:00Z:week") is False
        assert send_once(session, "summit:1:2026-12-01T09:00Z:day") is True
    with write_transaction(migrated_db.session_factory) as session:
        assert send_once(session, "summit:1:2026-12-01T09:00Z:day") is False
    with migrated_db.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SentReminderRow)) == 2


# --- the lease ---------------------------------------------------------------------------------


def test_one_holder_at_a_time_and_another_takes_over_when_the_holder_stops(
    migrated_db: MigratedDb,
) -> None:
    clock = FakeClock(utc("2026-11-17T10:00"))
    a = LeaderLease(migrated_db.session_factory, "scheduler", "a", ttl=30, clock=clock)
    b = LeaderLease(migrated_db.session_factory, "scheduler", "b", ttl=30, clock=clock)

    assert a.acquire() is True
    assert b.acquire() is False
    clock.now += timedelta(seconds=20)
    assert a.renew() is True  # the heartbeat
    clock.now += timedelta(seconds=20)
    assert b.acquire() is False  # 40 s after the first, but 20 s after the renewal
    clock.now += timedelta(seconds=11)  # a stopped heartbeating 31 s ago
    assert b.acquire() is True
    assert a.renew() is False
    assert a.current_holder() == "b"

    b.release()
    assert a.acquire() is True


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_processes_racing_for_the_lease_give_one_leader(migrated_db: MigratedDb) -> None:
    engines = [make_engine(migrated_db.url) for _ in range(6)]
    try:
        leases = [
            LeaderLease(make_session_factory(engine), "scheduler", f"p{n}", ttl=30)
            for n, engine in enumerate(engines)
        ]
        barrier = threading.Barrier(len(leases))
        won: list[str] = []

        def race(lease: LeaderLease) -> None:
            barrier.wait()
            if lease.acquire():
                won.append(lease.holder)

        threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_two_replicas_racing_for_an_expired_lease_give_one_leader(migrated_db: MigratedDb) -> None:
    dead = LeaderLease(migrated_db.session_factory, "scheduler", "dead", ttl=10)
    assert dead.acquire() is True
    with write_transaction(migrated_db.session_factory) as session:  # it died 30 s ago
        session.execute(
            sa.update(SchedulerLeaseRow).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=20)
            )
        )
    engines = [make_engine(migrated_db.url) for _ in range(2)]
    try:
        replicas = [
            LeaderLease(make_session_factory(engine), "scheduler", name, ttl=10)
            for engine, name in zip(engines, ("b", "c"), strict=True)
        ]
        for _ in range(5):  # race again each time the lease is free
            barrier = threading.Barrier(len(replicas))
            won: list[str] = []

            def race(
                lease: LeaderLease,
                barrier: threading.Barrier = barrier,
                won: list[str] = won,
            ) -> None:
                barrier.wait()
                if lease.acquire():
                    won.append(lease.holder)

            threads = [threading.Thread(target=race, args=(lease,)) for lease in replicas]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(won) == 1, won
            assert replicas[0].current_holder() == won[0]
            with write_transaction(migrated_db.session_factory) as session:
                session.execute(
                    sa.update(SchedulerLeaseRow).values(
                        expires_at=datetime.now(UTC) - timedelta(seconds=1)
                    )
                )
    finally:
        for engine in engines:
            engine.dispose()


def test_a_standby_takes_over_the_moment_the_holders_lease_runs_out(
    migrated_db: MigratedDb,
) -> None:
    ttl = 2.0
    started: dict[str, float] = {}

    def starter(name: str) -> Callable[[], BaseScheduler]:
        def start() -> BaseScheduler:
            started[name] = time.monotonic()
            return start_scheduler(settings(migrated_db), jobs=[])

        return start

    leases = {
        name: LeaderLease(migrated_db.session_factory, "scheduler", name, ttl=ttl)
        for name in ("a", "b")
    }
    stops = {name: threading.Event() for name in leases}
    threads = {
        name: threading.Thread(
            target=run_scheduler_while_leader, args=(leases[name], starter(name), stops[name])
        )
        for name in leases
    }
    threads["a"].start()
    assert wait_for(lambda: "a" in started)
    threads["b"].start()
    try:
        time.sleep(ttl * 1.5)  # b waits through several of a's renewals
        assert "b" not in started
        # a dies: it stops renewing and never gives the lease back.
        leases["a"].release = lambda: None  # type: ignore[method-assign]
        stops["a"].set()
        threads["a"].join()
        died = time.monotonic()
        with migrated_db.session_factory() as session:
            expires = session.scalar(sa.select(SchedulerLeaseRow.expires_at))
        assert expires is not None
        left = (expires - datetime.now(UTC)).total_seconds()
        assert wait_for(lambda: "b" in started, timeout=ttl + 2)
        takeover = started["b"] - died
        # Not before the lease ran out, and at most a moment after.
        assert left - 0.1 <= takeover <= left + 0.5, (left, takeover)
        assert takeover <= ttl + 0.5
    finally:
        for stop in stops.values():
            stop.set()
        for thread in threads.values():
            if thread.is_alive():
                thread.join()


# --- two processes, one database ---------------------------------------------------------------

NOW = utc("2026-11-17T10:00")  # Tue 11:00 in Berlin: working hours


def add_due_leads(leads: LeadService, *customers: str) -> None:
    for customer in customers:
        leads.create(customer, "U0BER", follow_up_on=date(2026, 11, 17))


def reminder_channels(db: MigratedDb) -> list[str]:
    with db.session_factory() as session:
        rows = session.scalars(sa.select(OutboxRow).where(OutboxRow.kind == "lead_reminder"))
        return sorted(row.payload["args"]["text"] for row in rows)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_processes_queueing_reminders_at_once_send_each_once(migrated_db: MigratedDb) -> None:
    config = settings(migrated_db)
    engines = [make_engine(migrated_db.url) for _ in range(2)]
    try:
        services = [
            LeadService(config, make_session_factory(engine), clock=FakeClock(NOW))
            for engine in engines
        ]
        add_due_leads(services[0], *(f"Customer {n}" for n in range(8)))
        barrier = threading.Barrier(2)
        sent: list[int] = []

        def process(leads: LeadService) -> None:
            for _ in range(3):
                barrier.wait()
                sent.append(leads.queue_reminders(NOW))

        threads = [threading.Thread(target=process, args=(s,)) for s in services]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for engine in engines:
            engine.dispose()

    assert sum(sent) == 8
    assert reminder_channels(migrated_db) == sorted(
        f"Follow up with Customer {n}" for n in range(8)
    )


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_schedulers_on_one_database_run_one_at_a_time_and_send_each_reminder_once(
    migrated_db: MigratedDb,
) -> None:
    config = settings(migrated_db)
    context = JobContext.build(config, migrated_db.session_factory, clock=FakeClock(NOW))
    configure_jobs(context)
    add_due_leads(context.leads, "Acme", "Bolt", "Cord")
    every_second = JobSpec(
        "leads.remind",
        "bot.app.jobs:send_lead_reminders",
        lambda s: IntervalTrigger(seconds=1, timezone=s.tzinfo),
    )
    started: list[str] = []

    def starter(name: str) -> Callable[[], BaseScheduler]:
        def start() -> BaseScheduler:
            started.append(name)
            return start_scheduler(config, jobs=[every_second])

        return start

    leases = {
        name: LeaderLease(migrated_db.session_factory, "scheduler", name, ttl=1.5)
        for name in ("a", "b")
    }
    stops = {name: threading.Event() for name in leases}
    threads = {
        name: threading.Thread(
            target=run_scheduler_while_leader,
            args=(leases[name], starter(name), stops[name]),
            kwargs={"heartbeat": 0.2},
        )
        for name in leases
    }
    threads["a"].start()
    assert wait_for(lambda: started == ["a"])
    threads["b"].start()
    try:
        assert wait_for(lambda: len(reminder_channels(migrated_db)) == 3)
        assert started == ["a"]  # b waits while a holds the lease

        # a dies: it stops heartbeating and never gives the lease back.
        leases["a"].release = lambda: None  # type: ignore[method-assign]
        stops["a"].set()
        threads["a"].join()
        add_due_leads(context.leads, "Dent", "Emil")

        assert wait_for(lambda: started == ["a", "b"], timeout=6)
        assert wait_for(lambda: len(reminder_channels(migrated_db)) == 5)
        time.sleep(1.2)  # another run of b's job: nothing new to send
        assert reminder_channels(migrated_db) == [
            f"Follow up with {c}" for c in ("Acme", "Bolt", "Cord", "Dent", "Emil")
        ]
        assert leases["b"].current_holder() == "b"
    finally:
        for stop in stops.values():
            stop.set()
        for thread in threads.values():
            if thread.is_alive():
                thread.join()


def test_a_replica_whose_scheduler_cannot_start_gives_the_lease_to_another(
    migrated_db: MigratedDb,
) -> None:
    broken = LeaderLease(migrated_db.session_factory, "scheduler", "broken", ttl=1.0)
    healthy = LeaderLease(migrated_db.session_factory, "scheduler", "healthy", ttl=1.0)
    stop = threading.Event()

    def cannot_start() -> BaseScheduler:
        raise RuntimeError("job store unreachable")

    thread = threading.Thread(
        target=run_scheduler_while_leader,
        args=(broken, cannot_start, stop),
        kwargs={"heartbeat": 0.1},
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not healthy.acquire():
            assert time.monotonic() < deadline, "the broken replica kept the lease"
            time.sleep(0.1)
        assert healthy.current_holder() == "healthy"
    finally:
        stop.set()
        thread.join(timeout=5)
