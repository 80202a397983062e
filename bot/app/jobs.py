"""The scheduled jobs of `promisebot run`: what runs when, and the services each finds.

The job store pickles job arguments and services cannot be pickled, so jobs are module-level
functions referenced by name ("bot.app.jobs:send_lead_reminders") that find this process's services
through `configure_jobs(JobContext(...))`, set once per process. `bot.platform.scheduler` runs them
(only while this process holds the lease); every reminder a job sends is keyed with
`bot.platform.outbox.send_once`, so a second run skips it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.collaboration.digest import build_digest, enqueue_digest, last_complete_week
from bot.collaboration.leads import LeadService
from bot.collaboration.summits import SummitService
from bot.platform.clock import Clock, Now, system_now
from bot.platform.db.session import write_transaction
from bot.platform.outbox import OutboxWorker, send_once
from bot.platform.scheduler import JobSpec
from bot.platform.settings import Settings
from bot.promising.moves import queue_move_nudges
from bot.promising.orders import OrderService

log = logging.getLogger(__name__)



def _cron(**fields: Any) -> Callable[[Settings], BaseTrigger]:
    return lambda settings: CronTrigger(timezone=settings.tzinfo, **fields)


def _every(seconds: int) -> Callable[[Settings], BaseTrigger]:
    return lambda settings: IntervalTrigger(seconds=seconds, timezone=settings.tzinfo)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("outbox.deliver", "bot.app.jobs:deliver_outbox", _every(10), "deliver the outbox"),
    JobSpec(
        "leads.remind",
        "bot.app.jobs:send_lead_reminders",
        _cron(minute="*/15"),
        "DM lead follow-ups that are due, in their owners' working hours",
    ),
    JobSpec(
        "leads.overdue",
        "bot.app.jobs:send_overdue_followups",
        _cron(minute="5,35"),
        "each morning, list each owner's overdue follow-ups",
    ),
    JobSpec(
        "summits.remind",
        "bot.app.jobs:send_summit_reminders",
        _cron(minute="*/15"),
        "remind summit channels a week and a day before",
    ),
    JobSpec(
        "moves.nudge",
        "bot.app.jobs:nudge_moved_orders",
        _cron(minute="*/15"),
        "remind owners of moved orders left unanswered for 4 working hours",
    ),
    JobSpec(
        "digest.weekly",
        "bot.app.jobs:post_weekly_digest",
        _cron(day_of_week="mon", hour=8, minute=0),
        "post the weekly digest, Monday 08:00",
    ),
)


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
    clock: Now = system_now

    @classmethod
    def build(
        cls,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        outbox: OutboxWorker | None = None,
        orders: OrderService | None = None,
        clock: Now | None = None,
    ) -> JobContext:
        clock = clock or Clock.from_settings(settings)
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


def nudge_moved_orders() -> int:
    """Remind, once, each owner of a moved order left unanswered for 4 working hours."""
    context = job_context()
    if context.orders is None:
        log.warning("moves: no order service configured; not reminding")
        return 0
    return len(queue_move_nudges(context.orders, context.clock()))


def post_weekly_digest() -> bool:
    """Put last week's digest in the outbox for PROMISEBOT_DIGEST_CHANNEL (once per week)."""
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
