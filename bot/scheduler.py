"""Scheduled jobs: APScheduler with its job store in our database, run by one leader at a time.

APScheduler 3's job store must not be shared by two running schedulers, so a process runs the
scheduler only while it holds the database lease (`LeaderLease`, a `scheduler_lease` row it keeps
renewing); `run_scheduler_while_leader` starts and stops it as the lease comes and goes, and another
replica takes over when the holder dies (its lease runs out after `ttl`).

The lease is not the guarantee that a reminder goes out once: a leader paused longer than the lease
(or a job retried) could still run a job twice. Every reminder is therefore recorded with
`send_once(session, key)` in the same transaction that puts its message in the outbox, and a key
already recorded means "already sent, skip".

Jobs are module-level functions referenced by name ("bot.scheduler:send_lead_reminders"), with
stable ids, so a restart replaces them instead of adding duplicates. They find the services through
`configure_jobs(JobContext(...))`, set once per process, because the job store pickles job
arguments and services cannot be pickled. Every job is coalesced (a restart after missed runs runs
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
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db.session import make_engine, write_transaction
from bot.db.tables import SchedulerLeaseRow, SentReminderRow

if TYPE_CHECKING:
    from bot.leads import LeadService
    from bot.orders import OrderService
    from bot.outbox import OutboxWorker
    from bot.summits import SummitService

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

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


# --- once per key --------------------------------------------------------------------------------


def send_once(session: Session, key: str) -> bool:
    """Record that the reminder `key` ("what:when") is being sent; False if it already was.

    Call it in the transaction that enqueues the reminder's outbox message and enqueue only on
    True: the unique key makes a restart, a second replica or a retried job skip it. On
    PostgreSQL a concurrent transaction recording the same key waits for this one and then
    gets False.
    """
    try:
        with session.begin_nested():
            session.add(SentReminderRow(key=key))
    except sa.exc.IntegrityError:
        return False
    return True


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
        clock: Clock | None = None,
    ) -> None:
        self.sessions = session_factory
        self.name = name
        self.holder = holder or default_holder()
        self.ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))

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


def _cron(**fields: Any) -> Callable[[Settings], BaseTrigger]:
    return lambda settings: CronTrigger(timezone=settings.tzinfo, **fields)


def _every(seconds: int) -> Callable[[Settings], BaseTrigger]:
    return lambda settings: IntervalTrigger(seconds=seconds, timezone=settings.tzinfo)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("outbox.deliver", "bot.scheduler:deliver_outbox", _every(10), "deliver the outbox"),
    JobSpec(
        "leads.remind",
        "bot.scheduler:send_lead_reminders",
        _cron(minute="*/15"),
        "DM lead follow-ups that are due, in their owners' working hours",
    ),
    JobSpec(
        "leads.overdue",
        "bot.scheduler:send_overdue_followups",
        _cron(minute="5,35"),
        "each morning, list each owner's overdue follow-ups",
    ),
    JobSpec(
        "summits.remind",
        "bot.scheduler:send_summit_reminders",
        _cron(minute="*/15"),
        "remind summit channels a week and a day before",
    ),
    JobSpec(
        "digest.weekly",
        "bot.scheduler:post_weekly_digest",
        _cron(day_of_week="mon", hour=8, minute=0),
        "post the weekly digest, Monday 08:00",
    ),
)


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


def register_jobs(
    scheduler: BaseScheduler, settings: Settings, jobs: Sequence[JobSpec] = JOBS
) -> None:
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
    settings: Settings, *, url: str | None = None, jobs: Sequence[JobSpec] = JOBS
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


# --- what the jobs work with ---------------------------------------------------------------------


@dataclass
class JobContext:
    """The services the jobs use in this process (set with `configure_jobs`)."""

    settings: Settings
    sessions: sessionmaker[Session]
    leads: LeadService
    summits: SummitService
    outbox: OutboxWorker | None = None
    orders: OrderService | None = None
    clock: Clock = lambda: datetime.now(UTC)  # noqa: E731 - a default, not a definition

    @classmethod
    def build(
        cls,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        outbox: OutboxWorker | None = None,
        orders: OrderService | None = None,
        clock: Clock | None = None,
    ) -> JobContext:
        from bot.leads import LeadService
        from bot.summits import SummitService

        clock = clock or (lambda: datetime.now(UTC))
        return cls(
            settings=settings,
            sessions=session_factory,
            leads=LeadService(settings, session_factory, clock=clock),
            summits=SummitService(settings, session_factory, orders=orders, clock=clock),
            outbox=outbox,
            orders=orders,
            clock=clock,
        )


_context: JobContext | None = None
_context_lock = threading.Lock()


def configure_jobs(context: JobContext | None) -> None:
    """Give this process's jobs their services (None: forget them, e.g. between tests)."""
    global _context
    with _context_lock:
        _context = context


def job_context() -> JobContext:
    context = _context
    if context is None:
        raise RuntimeError("scheduled jobs need configure_jobs(JobContext(...)) first")
    return context


# --- the jobs (module level, so the job store can refer to them by name) -------------------------


def deliver_outbox() -> int:
    """Send the outbox messages that are due."""
    context = job_context()
    if context.outbox is None:
        return 0
    return context.outbox.deliver_due()


def send_lead_reminders() -> int:
    """DM each owner the follow-ups that are due, in the owner's working hours."""
    context = job_context()
    return context.leads.queue_reminders(context.clock())


def send_overdue_followups() -> int:
    """In each owner's morning, DM them the list of their overdue follow-ups (once a day)."""
    context = job_context()
    return context.leads.queue_overdue_lists(context.clock())


def send_summit_reminders() -> int:
    """Post summit reminders a week and a day before, with the agenda and RSVP buttons."""
    context = job_context()
    return context.summits.queue_reminders(context.clock())


def post_weekly_digest() -> bool:
    """Put last week's digest in the outbox for PROMISEBOT_DIGEST_CHANNEL (once per week)."""
    from bot.digest import build_digest, enqueue_digest, last_complete_week

    context = job_context()
    channel = context.settings.digest_channel
    if not channel:
        log.info("digest: PROMISEBOT_DIGEST_CHANNEL is not set; not posting")
        return False
    if context.orders is None:
        log.warning("digest: no order service configured; not posting")
        return False
    now = context.clock()
    week_start = last_complete_week(now.astimezone(context.settings.tzinfo).date())
    digest = build_digest(context.sessions, context.orders, week_start, now)
    with write_transaction(context.sessions) as session:
        if not send_once(session, digest_key(week_start)):
            return False
        enqueue_digest(session, channel, digest)
    return True


def digest_key(week_start: date) -> str:
    return f"digest:{week_start.isoformat()}"
