"""The scheduled jobs of `promisebot run`: each knows from the database what is due.

Every job runs every `DUE_CHECK_SECONDS` on the leader, and once at once when a process becomes
leader; none depends on running at a particular moment. Each finds in the database what is due
now (its time passed, its key not yet recorded in `sent_reminders`, within its grace period),
puts each message in the outbox in the transaction that records its key, and leaves the rest: a
run killed midway is finished by the next run, on this leader or the next one, and a window
missed while every replica was down is caught up, or, where sending late would be wrong,
recorded as missed (logged, counted in /metrics, listed by /healthz):

    job             due from                              until                      then
    leads.remind    its time, in the owner's working hours  (no end: next working hours)
    leads.overdue   08:00 owner-local on a working day      18:00 that day             missed
    summits.remind  a week, and a day, before the summit    the next one, or the start missed
    digest.weekly   Monday 08:00 (factory time)             the next Monday 08:00      missed
    requests.nudge  4 working hours unanswered              (no end)
    holds.warn      2 hours before a hold runs out          when it runs out           missed

The functions are module-level (APScheduler refers to them by name) and find this process's
services through `configure_jobs(JobContext(...))`, set once per process. `bot.platform.scheduler`
runs them only while this process holds the lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.collaboration.digest import build_digest, enqueue_digest, last_complete_week
from bot.collaboration.leads import LeadService
from bot.collaboration.summits import SummitService
from bot.platform import i18n, languages
from bot.platform.clock import Clock, Now, system_now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import SentReminderRow
from bot.platform.outbox import OutboxWorker, already_decided, record_missed, send_once
from bot.platform.scheduler import JobSpec
from bot.platform.settings import Settings
from bot.promising.capacity_requests import CapacityRequestService
from bot.promising.moves import queue_move_nudges
from bot.promising.orders import OrderService

log = logging.getLogger(__name__)

DUE_CHECK_SECONDS = 15
"""How often the leader asks each job what is due (and how late a run after a failover can be)."""

DIGEST_DUE = time(8)
"""Monday, factory time: the weekly digest of the week before is due."""


def _every(seconds: int) -> Callable[[Settings], BaseTrigger]:
    return lambda settings: IntervalTrigger(seconds=seconds, timezone=settings.tzinfo)


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "leads.remind",
        "bot.app.jobs:send_lead_reminders",
        _every(DUE_CHECK_SECONDS),
        "DM lead follow-ups that are due, in their owners' working hours",
    ),
    JobSpec(
        "leads.overdue",
        "bot.app.jobs:send_overdue_followups",
        _every(DUE_CHECK_SECONDS),
        "each working morning, list each owner's overdue follow-ups",
    ),
    JobSpec(
        "summits.remind",
        "bot.app.jobs:send_summit_reminders",
        _every(DUE_CHECK_SECONDS),
        "remind summit channels a week and a day before",
    ),
    JobSpec(
        "moves.nudge",
        "bot.app.jobs:nudge_moved_orders",
        _every(DUE_CHECK_SECONDS),
        "remind owners of moved orders left unanswered for 4 working hours",
    ),
    JobSpec(
        "digest.weekly",
        "bot.app.jobs:post_weekly_digest",
        _every(DUE_CHECK_SECONDS),
        "post last week's digest from Monday 08:00",
    ),
    JobSpec(
        "requests.nudge",
        "bot.app.jobs:send_request_nudges",
        _every(DUE_CHECK_SECONDS),
        "nudge operations about capacity requests waiting for an answer",
    ),
    JobSpec(
        "holds.warn",
        "bot.app.jobs:warn_expiring_holds",
        _every(DUE_CHECK_SECONDS),
        "tell salespeople their holds run out within two hours",
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
    requests: CapacityRequestService | None = None
    clock: Now = system_now

    @classmethod
    def build(
        cls,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        outbox: OutboxWorker | None = None,
        orders: OrderService | None = None,
        requests: CapacityRequestService | None = None,
        clock: Now | None = None,
    ) -> JobContext:
        clock = clock or Clock.from_settings(settings)
        session_factory = with_clock(session_factory, clock)  # rows stamped on the jobs' clock
        return cls(
            settings=settings,
            sessions=session_factory,
            leads=LeadService(settings, session_factory, clock=clock),
            summits=SummitService(settings, session_factory, orders=orders, clock=clock),
            outbox=outbox,
            orders=orders,
            requests=requests,
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


# --- the jobs (module level, so the scheduler can refer to them by name) -------------------------


def send_lead_reminders() -> int:
    """DM each owner the follow-ups that are due, in the owner's working hours."""
    context = job_context()
    return context.leads.queue_reminders(context.clock())


def send_overdue_followups() -> int:
    """In each owner's working day, DM them the list of their overdue follow-ups (once a day)."""
    context = job_context()
    return context.leads.queue_overdue_lists(context.clock())


def send_summit_reminders() -> int:
    """Post summit reminders a week and a day before, with the agenda and RSVP buttons."""
    context = job_context()
    return context.summits.queue_reminders(context.clock())


def send_request_nudges() -> int:
    """Remind operations, in each request's thread, of capacity requests left unanswered."""
    context = job_context()
    if context.requests is None:
        log.debug("nudges: no capacity request service configured; not nudging")
        return 0
    return len(context.requests.queue_nudges(context.clock()))


def warn_expiring_holds() -> int:
    """Warn owners of holds that run out soon (and release expired ones on the way)."""
    context = job_context()
    if context.orders is None:
        log.debug("holds: no order service configured; not warning")
        return 0
    context.orders.expire_holds()
    return len(context.orders.warn_expiring_holds())


def nudge_moved_orders() -> int:
    """Remind, once, each owner of a moved order left unanswered for 4 working hours."""
    context = job_context()
    if context.orders is None:
        log.debug("moves: no order service configured; not reminding")
        return 0
    return len(queue_move_nudges(context.orders, context.clock()))


def post_weekly_digest() -> bool:
    """Put the digest of the last complete week in the outbox, once, from Monday 08:00.

    Due from Monday 08:00 (factory time) until the next Monday 08:00, when the next week's takes
    over; a week whose digest could not go out in that time is recorded as missed (once digests
    have been posted before: a new installation has missed nothing).
    """
    context = job_context()
    channel = context.settings.digest_channel
    if not channel or context.orders is None:
        log.debug("digest: no PROMISEBOT_DIGEST_CHANNEL or order service; not posting")
        return False
    now = context.clock()
    week_start = digest_week_due(now, context.settings)
    key = digest_key(week_start)
    with context.sessions() as session:
        decided = already_decided(session, key)
        skipped = digest_key(week_start - timedelta(weeks=1))
        if not already_decided(session, skipped) and _posted_digests_before(session, skipped):
            with write_transaction(context.sessions) as writing:
                record_missed(writing, skipped, "the weekly digest")
        language = languages.of_channel(session, context.settings, channel)
    if decided:
        return False
    # Drawn (its charts too) in the digest channel's language: everyone there reads the same.
    with i18n.using(language):
        digest = build_digest(context.sessions, context.orders, week_start, now)
        with write_transaction(context.sessions) as session:
            if not send_once(session, key):
                return False
            enqueue_digest(session, channel, digest)
    return True


def digest_week_due(now: datetime, settings: Settings) -> date:
    """The Monday of the week whose digest is due at `now`: last week's from Monday 08:00
    (factory time), the week before's until then."""
    local = now.astimezone(settings.tzinfo)
    week_start = last_complete_week(local.date())
    due = datetime.combine(week_start + timedelta(weeks=1), DIGEST_DUE, tzinfo=settings.tzinfo)
    return week_start if local >= due else week_start - timedelta(weeks=1)


def digest_key(week_start: date) -> str:
    return f"digest:{week_start.isoformat()}"


def _posted_digests_before(session: Session, key: str) -> bool:
    found = session.scalar(
        sa.select(SentReminderRow.id)
        .where(SentReminderRow.key.like("digest:%"), SentReminderRow.key < key)
        .limit(1)
    )
    return found is not None
