"""Scheduled jobs: APScheduler, run by one leader at a time, holding a lease in the database.

A process runs the scheduler only while it holds the database lease (`LeaderLease`, a
`scheduler_lease` row it renews every `LEASE_HEARTBEAT_SECONDS`); `run_scheduler_while_leader`
starts and stops it as the lease comes and goes. A standby does not poll blindly: it waits until
the moment the holder's lease runs out (or `heartbeat` seconds, if sooner) and takes it then, so
a replica takes over within a lease (`LEASE_TTL_SECONDS`, 10 s) and a moment of the holder's
death; README states the figure measured by bench/replicas.py.

The jobs are driven by state, not by the moment (see bot.app.jobs): each finds in the database
what is due and records a key for each message it sends, so the scheduler keeps no schedule of
its own worth saving. Its jobs live in memory, each runs once as soon as a process becomes
leader (what the previous one had not finished) and then every few seconds. A leader paused
longer than its lease (or a job retried) could still run a job twice: every reminder is recorded
with `bot.platform.outbox.send_once` in the transaction that puts its message in the outbox.

This module knows no job: the composition root hands `start_scheduler` the `JobSpec`s to run
(`bot.app.jobs`), each a module-level function referenced by name, with a stable id.

`apscheduler_jobs` was APScheduler's job table when schedules were stored in the database; older
databases may still have it, so Alembic's autogenerate ignores it (see `include_object`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.platform import metrics
from bot.platform.clock import Now, system_now
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import SchedulerLeaseRow
from bot.platform.settings import Settings

log = logging.getLogger(__name__)


JOBS_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 60
"""A run later than this (a paused process) is skipped: the next one, seconds later, does it."""
LEASE_TTL_SECONDS = 10.0
LEASE_HEARTBEAT_SECONDS = 2.0
"""The holder renews every 2 s, so a database hiccup of up to 8 s does not lose the lease; a
standby waits for the holder's expiry (at most this long between looks)."""


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic `include_object` hook: leave APScheduler's table (and its index) out of
    autogenerate and `alembic check`."""
    if type_ == "table":
        return name != JOBS_TABLE
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) != JOBS_TABLE


# --- the leader lease ----------------------------------------------------------------------------


def default_holder() -> str:
    """A name for this process that differs between replicas and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLease:
    """A named lease in `scheduler_lease`: whoever holds an unexpired row is the leader.

    `acquire()` takes the lease if it is free or expired, or renews it if we hold it, in one
    transaction (a conditional UPDATE, else an INSERT); it returns whether we hold it now. A
    holder that stops calling it (it died, it hangs) loses the lease `ttl` after its last renewal.
    Times come from `clock` on each replica, so their clocks must agree to well within `ttl`.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        name: str = "scheduler",
        holder: str | None = None,
        ttl: timedelta | float = timedelta(seconds=LEASE_TTL_SECONDS),
        *,
        clock: Now | None = None,
    ) -> None:
        self.sessions = session_factory
        self.name = name
        self.holder = holder or default_holder()
        self.ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
        self.clock: Now = clock or system_now
        self.seen_expiry: datetime | None = None
        """When the lease someone else held ran out, as of the last failed `acquire`."""

    def acquire(self) -> bool:
        """Take or renew the lease; True when this holder holds it until now + ttl."""
        now = self.clock()
        with write_transaction(self.sessions) as session:
            taken = session.execute(
                sa.update(SchedulerLeaseRow)
                .where(
                    SchedulerLeaseRow.name == self.name,
                    sa.or_(
                        SchedulerLeaseRow.holder == self.holder,
                        SchedulerLeaseRow.expires_at <= now,
                    ),
                )
                .values(holder=self.holder, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) == 1:
                return True
            expires = session.scalar(
                sa.select(SchedulerLeaseRow.expires_at).where(SchedulerLeaseRow.name == self.name)
            )
            if expires is not None:
                self.seen_expiry = expires
                return False
            try:
                with session.begin_nested():
                    session.add(
                        SchedulerLeaseRow(
                            name=self.name, holder=self.holder, expires_at=now + self.ttl
                        )
                    )
            except sa.exc.IntegrityError:
                return False  # another replica inserted it first
            return True

    renew = acquire

    def release(self) -> None:
        """Give the lease up now (on a clean shutdown), so another replica need not wait."""
        with write_transaction(self.sessions) as session:
            session.execute(
                sa.update(SchedulerLeaseRow)
                .where(
                    SchedulerLeaseRow.name == self.name,
                    SchedulerLeaseRow.holder == self.holder,
                )
                .values(expires_at=self.clock())
                .execution_options(synchronize_session=False)
            )

    def current_holder(self) -> str | None:
        """Who holds the lease now (None when nobody does)."""
        with self.sessions() as session:
            row = session.get(SchedulerLeaseRow, self.name)
            if row is None or row.expires_at <= self.clock():
                return None
            return row.holder


def run_scheduler_while_leader(
    lease: LeaderLease,
    start_scheduler: Callable[[], BaseScheduler],
    stop: threading.Event,
    *,
    heartbeat: float | None = None,
) -> None:
    """Run the scheduler exactly while holding `lease`, until `stop` is set.

    Every `heartbeat` seconds (default `LEASE_HEARTBEAT_SECONDS`, at most a fifth of the ttl)
    the holder renews the lease; a standby tries again the moment the holder's lease runs out,
    and at least every `heartbeat` seconds. When the lease is won, `start_scheduler()` builds and
    starts a scheduler; when it is lost (or the database cannot be reached to renew it) that
    scheduler is shut down at once. On `stop` the scheduler is shut down and the lease released.
    Run it in a thread of `promisebot run`.
    """
    interval = (
        heartbeat
        if heartbeat is not None
        else min(LEASE_HEARTBEAT_SECONDS, lease.ttl.total_seconds() / 5)
    )
    scheduler: BaseScheduler | None = None
    try:
        while not stop.is_set():
            try:
                leader = lease.acquire()
            except Exception:
                log.exception("scheduler: could not renew the lease %r", lease.name)
                leader = False
            if leader and scheduler is None:
                log.info("scheduler: %s holds the lease %r; starting", lease.holder, lease.name)
                metrics.LEASE_CHANGES.labels(change="acquired").inc()
                try:
                    scheduler = start_scheduler()
                except Exception:
                    # Holding the lease without running jobs would starve every replica: give it
                    # back and stay out for a lease's length so another one can take over.
                    log.exception("scheduler: could not start; giving the lease up")
                    _release_quietly(lease)
                    metrics.LEASE_CHANGES.labels(change="released").inc()
                    stop.wait(lease.ttl.total_seconds())
                    continue
                metrics.LEADER.set(1)
            elif not leader and scheduler is not None:
                log.warning("scheduler: %s lost the lease %r; stopping", lease.holder, lease.name)
                metrics.LEASE_CHANGES.labels(change="lost").inc()
                metrics.LEADER.set(0)
                stop_scheduler(scheduler, wait=False)
                scheduler = None
            stop.wait(interval if leader else _until_expiry(lease, interval))
    finally:
        if scheduler is not None:
            stop_scheduler(scheduler, wait=True)
            _release_quietly(lease)
            metrics.LEASE_CHANGES.labels(change="released").inc()
            metrics.LEADER.set(0)


def _until_expiry(lease: LeaderLease, interval: float) -> float:
    """Seconds a standby waits before trying again: until just after the holder's lease runs
    out, if that is sooner than `interval`."""
    if lease.seen_expiry is None:
        return interval
    left = (lease.seen_expiry - lease.clock()).total_seconds() + 0.02
    return max(0.02, min(interval, left))


def _release_quietly(lease: LeaderLease) -> None:
    try:
        lease.release()
    except Exception:
        log.exception("scheduler: could not release the lease %r", lease.name)


def stop_scheduler(scheduler: BaseScheduler, *, wait: bool = True) -> None:
    """Shut a scheduler down without letting it start another run on the way out.

    APScheduler 3's scheduler thread runs one last round of due jobs after `shutdown()` has
    stopped the executors; detaching the job store first leaves it nothing to run.
    """
    try:
        if scheduler.running:
            scheduler.pause()
            for alias in list(getattr(scheduler, "_jobstores", {})):
                scheduler.remove_jobstore(alias, shutdown=True)
            scheduler.shutdown(wait=wait)
    except Exception:
        log.exception("scheduler: shutdown failed")


# --- the scheduler and its jobs ------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: a stable id, the function's import path, and when it runs."""

    id: str
    func: str
    trigger: Callable[[Settings], BaseTrigger]
    name: str = ""


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    """A scheduler (not started) keeping its jobs in memory, in the factory's time zone, whose
    runs are counted in `promisebot_scheduler_runs_total`."""
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            "max_instances": 1,
        },
        timezone=settings.tzinfo,
    )
    counted = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
    scheduler.add_listener(_count_run, counted)
    return scheduler


def _count_run(event: JobEvent) -> None:
    if event.code == EVENT_JOB_EXECUTED:
        outcome = "ok"
    elif event.code == EVENT_JOB_ERROR:
        outcome = "error"
    else:
        outcome = "skipped"  # missed its time (a paused process) or still running
    metrics.SCHEDULER_RUNS.labels(job=event.job_id, outcome=outcome).inc()


def register_jobs(
    scheduler: BaseScheduler, settings: Settings, jobs: Sequence[JobSpec], *, now: datetime
) -> None:
    """Add `jobs` under their stable ids, each to run first at `now` (what a previous leader
    left unfinished is done at once), then on its trigger."""
    for spec in jobs:
        scheduler.add_job(
            spec.func,
            spec.trigger(settings),
            id=spec.id,
            name=spec.name or spec.id,
            replace_existing=True,
            next_run_time=now,
        )


def start_scheduler(settings: Settings, *, jobs: Sequence[JobSpec]) -> BackgroundScheduler:
    """Build, register `jobs` and start: what `run_scheduler_while_leader` runs on winning."""
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        register_jobs(scheduler, settings, jobs, now=system_now())
    except BaseException:
        stop_scheduler(scheduler, wait=False)
        raise
    scheduler.resume()
    return scheduler
