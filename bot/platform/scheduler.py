"""Scheduled jobs: APScheduler with its job store in our database, run by one leader at a time.

APScheduler 3's job store must not be shared by two running schedulers, so a process runs the
scheduler only while it holds the database lease (`LeaderLease`, a `scheduler_lease` row it keeps
renewing); `run_scheduler_while_leader` starts and stops it as the lease comes and goes, and another
replica takes over when the holder dies (its lease runs out after `ttl`).

The lease is not the guarantee that a reminder goes out once: a leader paused longer than the lease
(or a job retried) could still run a job twice. Every reminder is therefore recorded with
`bot.platform.outbox.send_once` in the transaction that puts its message in the outbox.

This module knows no job: the composition root hands `start_scheduler` the `JobSpec`s to run
(`bot.app.jobs`), each a module-level function referenced by name, with a stable id, so a restart
replaces it instead of adding a duplicate. Every job is coalesced (a restart after missed runs runs
it once) with a misfire grace of hours, and its trigger is in the factory's time zone.

`apscheduler_jobs` is APScheduler's own table, created by the job store on start; Alembic's
autogenerate must ignore it (see `include_object`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.clock import Now, system_now
from bot.platform.db.session import make_engine, write_transaction
from bot.platform.db.tables import SchedulerLeaseRow
from bot.platform.settings import Settings

log = logging.getLogger(__name__)


JOBS_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 6 * 3600
"""A run missed by up to six hours (a deploy, a failover) still happens, once."""


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
        ttl: timedelta | float = timedelta(seconds=30),
        *,
        clock: Now | None = None,
    ) -> None:
        self.sessions = session_factory
        self.name = name
        self.holder = holder or default_holder()
        self.ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
        self.clock: Now = clock or system_now

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
            exists = session.scalar(
                sa.select(SchedulerLeaseRow.name).where(SchedulerLeaseRow.name == self.name)
            )
            if exists is not None:
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

    Every `heartbeat` seconds (default a third of the lease's ttl) the lease is renewed; when it
    is won, `start_scheduler()` builds and starts a scheduler; when it is lost (or the database
    cannot be reached to renew it) that scheduler is shut down at once. On `stop` the scheduler
    is shut down and the lease released. Run it in a thread of `promisebot run`.
    """
    interval = heartbeat if heartbeat is not None else lease.ttl.total_seconds() / 3
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
                try:
                    scheduler = start_scheduler()
                except Exception:
                    # Holding the lease without running jobs would starve every replica: give it
                    # back and stay out for a lease's length so another one can take over.
                    log.exception("scheduler: could not start; giving the lease up")
                    _release_quietly(lease)
                    stop.wait(lease.ttl.total_seconds())
                    continue
            elif not leader and scheduler is not None:
                log.warning("scheduler: %s lost the lease %r; stopping", lease.holder, lease.name)
                stop_scheduler(scheduler, wait=False)
                scheduler = None
            stop.wait(interval)
    finally:
        if scheduler is not None:
            stop_scheduler(scheduler, wait=True)
            _release_quietly(lease)


def _release_quietly(lease: LeaderLease) -> None:
    try:
        lease.release()
    except Exception:
        log.exception("scheduler: could not release the lease %r", lease.name)


def stop_scheduler(scheduler: BaseScheduler, *, wait: bool = True) -> None:
    """Shut a scheduler down without letting it touch the job store on the way out.

    APScheduler 3's scheduler thread runs one last round of due jobs after `shutdown()` has
    stopped the executors; a job due then fails to submit and its next run time is moved on,
    so the run would be lost for the next leader. Detaching the job store first prevents that.
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


def build_scheduler(settings: Settings, *, url: str | None = None) -> BackgroundScheduler:
    """A scheduler (not started) whose job store is `apscheduler_jobs` in our database.

    The job store gets an engine of its own: APScheduler disposes it on shutdown.
    """
    store = SQLAlchemyJobStore(
        engine=make_engine(url or settings.database_url), tablename=JOBS_TABLE
    )
    return BackgroundScheduler(
        jobstores={"default": store},
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            "max_instances": 1,
        },
        timezone=settings.tzinfo,
    )


def register_jobs(scheduler: BaseScheduler, settings: Settings, jobs: Sequence[JobSpec]) -> None:
    """Add `jobs` under their stable ids, replacing what the job store had.

    `replace_existing` alone would also replace a stored job's next run time with a future one,
    so a run missed while no scheduler was up would be lost: an unchanged trigger keeps its
    stored next run time, which the (started, paused) scheduler then runs once, coalesced.
    """
    for spec in jobs:
        trigger = spec.trigger(settings)
        existing = scheduler.get_job(spec.id)
        options: dict[str, Any] = {}
        if existing is not None and repr(existing.trigger) == repr(trigger):
            options["next_run_time"] = existing.next_run_time
        scheduler.add_job(
            spec.func,
            trigger,
            id=spec.id,
            name=spec.name or spec.id,
            replace_existing=True,
            **options,
        )


def start_scheduler(
    settings: Settings, *, url: str | None = None, jobs: Sequence[JobSpec]
) -> BackgroundScheduler:
    """Build, register `jobs` and start: what `run_scheduler_while_leader` runs on winning."""
    scheduler = build_scheduler(settings, url=url)
    scheduler.start(paused=True)  # the job store is open, nothing runs until the jobs are in
    try:
        register_jobs(scheduler, settings, jobs)
    except BaseException:
        stop_scheduler(scheduler, wait=False)
        raise
    scheduler.resume()
    return scheduler
