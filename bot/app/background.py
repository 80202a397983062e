"""The work `promisebot run` does besides answering Slack: delivering the outbox, and running the
scheduler while this process holds the database lease.

    background = Background.start_for(settings, services, client)
    try:
        serve(app, settings)
    finally:
        background.stop()

Two daemon threads:
- the outbox loop calls `OutboxWorker.deliver_due()` every `outbox_every` seconds (every replica
  runs one; rows are claimed, so several workers never send a message twice);
- the leader loop is `bot.platform.scheduler.run_scheduler_while_leader`: it starts
  APScheduler with the jobs of `bot.app.jobs.JOBS` plus `EXTRA_JOBS` only while this process
  holds the lease, so exactly one replica schedules.

`stop()` sets one event both loops wait on, shuts the scheduler down, gives the lease back and
joins the threads; Ctrl-C or SIGTERM in `promisebot run` ends in it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.app.jobs import JOBS, JobContext, configure_jobs, job_context
from bot.platform.clock import Now, system_now
from bot.platform.db.session import make_engine, with_clock
from bot.platform.outbox import OutboxWorker
from bot.platform.scheduler import (
    JOBS_TABLE,
    JobSpec,
    LeaderLease,
    run_scheduler_while_leader,
    start_scheduler,
)
from bot.platform.settings import Settings
from bot.promising.capacity_requests import CapacityRequestService, send_due_nudges

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


OUTBOX_EVERY_SECONDS = 2.0
LEASE_TTL_SECONDS = 30.0

EXTRA_JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "requests.nudge",
        "bot.app.background:send_request_nudges",
        lambda settings: CronTrigger(minute="*/15", timezone=settings.tzinfo),
        "nudge operations about capacity requests waiting for an answer",
    ),
    JobSpec(
        "holds.warn",
        "bot.app.background:warn_expiring_holds",
        lambda settings: CronTrigger(minute="*/15", timezone=settings.tzinfo),
        "tell salespeople their holds run out within two hours",
    ),
)
"""Jobs that need this process's Slack client, beside `bot.app.jobs.JOBS`."""

RUN_JOBS: tuple[JobSpec, ...] = (*JOBS, *EXTRA_JOBS)
"""What the leader schedules in `promisebot run`."""


# --- the capacity-request nudges (a job, so it needs module-level state like bot.app.jobs) ---


@dataclass(frozen=True)
class _Nudger:
    requests: CapacityRequestService
    client: WebClient


_nudger: _Nudger | None = None


def configure_nudges(requests: CapacityRequestService | None, client: WebClient | None) -> None:
    """Give this process's nudge job its service and Slack client (None: forget them)."""
    global _nudger
    _nudger = _Nudger(requests, client) if requests is not None and client is not None else None


def send_request_nudges() -> int:
    """Remind operations, in each request's thread, of capacity requests left unanswered."""
    nudger = _nudger
    if nudger is None:
        log.warning("nudges: no capacity request service configured; not nudging")
        return 0
    return send_due_nudges(nudger.requests, nudger.client, job_context().clock())


def warn_expiring_holds() -> int:
    """Job: warn owners of holds that run out soon (and release expired ones on the way)."""
    orders = job_context().orders
    if orders is None:
        log.warning("holds: no order service configured; not warning")
        return 0
    orders.expire_holds()
    return len(orders.warn_expiring_holds())


def ensure_job_table(url: str) -> None:
    """Create APScheduler's job table now, before anything else in this process writes.

    The job store creates it on start, checking first in a deferred transaction; on SQLite that
    check holds a read lock that cannot become a write lock while another connection (the outbox
    loop, a Slack listener) is writing, and SQLite then fails at once with "database is locked"
    instead of waiting. Here the write lock is taken first (BEGIN IMMEDIATE), so it just waits.
    """
    engine = make_engine(url, execution_options={"sqlite_immediate": True})
    try:
        table = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE).jobs_t
        with engine.begin() as connection:
            table.create(connection, checkfirst=True)
    finally:
        engine.dispose()


# --- the threads --------------------------------------------------------------------------------


class Background:
    """The outbox loop and the leader loop of one process; `start()` once, `stop()` once."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        services: Services,
        client: WebClient,
        *,
        outbox_every: float = OUTBOX_EVERY_SECONDS,
        lease_ttl: float = LEASE_TTL_SECONDS,
        heartbeat: float | None = None,
        holder: str | None = None,
        jobs: Sequence[JobSpec] = RUN_JOBS,
        clock: Now | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = session_factory
        self.services = services
        self.clock: Now = clock or services.clock
        self.sessions = with_clock(session_factory, self.clock)
        self.worker = OutboxWorker(self.sessions, client, self.clock)
        self.client = client
        # Replicas must agree on real time to share a lease, whatever day they plan on.
        self.lease = LeaderLease(session_factory, holder=holder, ttl=lease_ttl, clock=system_now)
        self.outbox_every = outbox_every
        self.heartbeat = heartbeat
        self.jobs = tuple(jobs)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler: BaseScheduler | None = None
        self._lock = threading.Lock()

    @classmethod
    def start_for(cls, settings: Settings, services: Services, client: WebClient) -> Background:
        """What `promisebot run` starts: the defaults, with the app's own services."""
        background = cls(settings, services.orders.sessions, services, client)
        background.start()
        return background

    @property
    def leading(self) -> bool:
        """Whether this process runs the scheduler now."""
        with self._lock:
            return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the background work is already running")
        configure_jobs(
            JobContext.build(
                self.settings,
                self.sessions,
                outbox=self.worker,
                orders=self.services.orders,
                clock=self.clock,
            )
        )
        configure_nudges(self.services.requests, self.client)
        ensure_job_table(self.settings.database_url)
        self._threads = [
            threading.Thread(target=self._deliver_loop, name="promisebot-outbox", daemon=True),
            threading.Thread(target=self._leader_loop, name="promisebot-scheduler", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info(
            "background: outbox every %.0f s; scheduler while holding the lease as %s",
            self.outbox_every,
            self.lease.holder,
        )

    def stop(self, timeout: float = 15.0) -> None:
        """Stop both loops: the scheduler is shut down and the lease given back."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("background: %s did not stop within %.0f s", thread.name, timeout)
        self._threads = []

    def __enter__(self) -> Background:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the loops

    def _deliver_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.worker.deliver_due()
            except Exception:  # deliver_due never raises; a bug must not end the loop
                log.exception("background: outbox delivery failed")
            self._stop.wait(self.outbox_every)

    def _leader_loop(self) -> None:
        try:
            run_scheduler_while_leader(
                self.lease, self._start_scheduler, self._stop, heartbeat=self.heartbeat
            )
        except Exception:
            log.exception("background: the scheduler loop failed")
        finally:
            with self._lock:
                self._scheduler = None

    def _start_scheduler(self) -> BaseScheduler:
        scheduler = start_scheduler(self.settings, jobs=self.jobs)
        with self._lock:
            self._scheduler = scheduler
        return scheduler
