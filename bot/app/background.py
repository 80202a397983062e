"""The work `promisebot run` does besides answering Slack: delivering the outbox, and running the
scheduler while this process holds the database lease.

    background = Background.start_for(settings, services, client)
    try:
        serve(app, settings, status=background.status)
    finally:
        background.stop()

Two daemon threads:
- the outbox loop calls `OutboxWorker.deliver_due()` every `outbox_every` seconds (every replica
  runs one; rows are claimed, so several workers never send a message twice);
- the leader loop is `bot.platform.scheduler.run_scheduler_while_leader`: it starts
  APScheduler with the jobs of `bot.app.jobs.JOBS` only while this process holds the lease, so
  exactly one replica schedules.

`status()` is what /healthz and /metrics show of them. `stop()` sets one event both loops wait
on, shuts the scheduler down, gives the lease back and joins the threads; Ctrl-C or SIGTERM in
`promisebot run` ends in it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.app.jobs import JOBS, JobContext, configure_jobs
from bot.platform import metrics
from bot.platform.clock import Now, system_now
from bot.platform.db.session import with_clock
from bot.platform.outbox import OutboxWorker, missed_since
from bot.platform.scheduler import (
    LEASE_TTL_SECONDS,
    JobSpec,
    LeaderLease,
    run_scheduler_while_leader,
    start_scheduler,
)
from bot.platform.settings import Settings
from bot.promising.capacity_requests import DELIVERED_HOOKS

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


OUTBOX_EVERY_SECONDS = 1.0
MISSED_SHOWN_FOR = timedelta(days=7)
"""/healthz lists the reminders recorded as missed in the last week."""

RUN_JOBS: tuple[JobSpec, ...] = JOBS
"""What the leader schedules in `promisebot run`."""


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
        self.services = services
        self.clock: Now = clock or services.clock
        self.sessions = with_clock(session_factory, self.clock)
        self.worker = OutboxWorker(
            self.sessions, client, self.clock, on_delivered=DELIVERED_HOOKS, name=holder
        )
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
                requests=self.services.requests,
                clock=self.clock,
            )
        )
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

    def status(self) -> dict[str, Any]:
        """What /healthz says about this replica: whether it holds the lease (and who does),
        the outbox's backlog and its oldest message's age, and reminders recorded as missed.
        Also sets the scrape-time gauges of /metrics."""
        stats = self.worker.stats()
        metrics.OUTBOX_BACKLOG.set(stats.undelivered - stats.parked)
        metrics.OUTBOX_PARKED.set(stats.parked)
        metrics.OUTBOX_OLDEST_AGE.set(stats.oldest_age_seconds or 0.0)
        leading = self.leading
        metrics.LEADER.set(1 if leading else 0)
        with self.sessions() as session:
            missed = missed_since(session, self.clock() - MISSED_SHOWN_FOR)
        return {
            "leader": leading,
            "holder": self.lease.holder,
            "lease_holder": self.lease.current_holder(),
            "outbox": {
                "undelivered": stats.undelivered - stats.parked,
                "parked": stats.parked,
                "oldest_undelivered_seconds": (
                    round(stats.oldest_age_seconds, 1)
                    if stats.oldest_age_seconds is not None
                    else None
                ),
            },
            "missed_reminders": [
                {"key": key, "recorded_at": at.isoformat(timespec="seconds")} for key, at in missed
            ],
        }

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
