"""Business time: the one place promisebot asks what "now" and "today" are.

Every service, the scheduler's jobs, the outbox and the database's timestamp columns take their
time from one `Clock`, built from the settings by the composition root (`Clock.from_settings`):

- unset `PROMISEBOT_AS_OF`: now is the machine's time, today the factory-local date of it;
- `PROMISEBOT_AS_OF=D`: the clock starts at 09:00 factory time on D when the process starts, and
  then runs at the speed of real time. Timestamps (orders, holds, messages, the audit log) are on
  D, a 24-hour hold expires 24 hours of running later, and a reminder due at 09:00 on D is due at
  once. Each process starts at 09:00 on D again, so a hold made by one `promisebot hold` command
  is not yet expired for the next one;
- with `PROMISEBOT_AS_OF_STARTED=T` too (a moment of the machine's clock, ISO 8601 with its
  offset), 09:00 on D was at T instead of at this process's start: replicas (and restarts)
  given the same T share one business clock, as replicas must when they hand each other work.

A test moves time by passing a clock of its own (any `() -> aware datetime`). The machine's clock
itself is read only here (`system_now`), for what is not business time: leases between replicas
and the age of delivery keys.
"""

from __future__ import annotations

import time as timing
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.platform.settings import Settings

Now = Callable[[], datetime]
"""What services call for the current moment: an aware datetime (UTC)."""

FIXED_DAY_STARTS_AT = time(9)
"""Factory-local time of day at which a fixed day (`PROMISEBOT_AS_OF`) begins in each process."""


def system_now() -> datetime:
    """The machine's clock, in UTC: for leases between replicas, never for planning."""
    return datetime.now(UTC)


class Clock:
    """Now and today for promisebot; call it (`clock()`) for now, as every `Now` is called."""

    def __init__(
        self, tz: ZoneInfo, *, as_of: date | None = None, started: datetime | None = None
    ) -> None:
        self.tz = tz
        self.as_of = as_of
        self.started = started
        """The machine's time at which the fixed day began (None: when this clock was made)."""
        self._start: datetime | None = None
        self._t0 = timing.monotonic()
        if as_of is not None:
            self._start = datetime.combine(as_of, FIXED_DAY_STARTS_AT, tzinfo=tz).astimezone(UTC)

    @classmethod
    def from_settings(cls, settings: Settings) -> Clock:
        """The clock `settings` ask for: the factory's time zone, a fixed day if one is set."""
        return cls(settings.tzinfo, as_of=settings.as_of, started=settings.as_of_started)

    def now(self) -> datetime:
        """The current moment (aware, UTC)."""
        if self._start is None:
            return system_now()
        if self.started is not None:
            return self._start + (system_now() - self.started)
        return self._start + timedelta(seconds=timing.monotonic() - self._t0)

    __call__ = now

    def today(self) -> date:
        """The factory-local date of now: the planning date."""
        return self.now().astimezone(self.tz).date()

    def timestamp(self) -> float:
        """Now as POSIX seconds (for code that speaks Unix time, like Slack's `ts`)."""
        return self.now().timestamp()

    def __repr__(self) -> str:
        fixed = f", as_of={self.as_of.isoformat()}" if self.as_of else ""
        return f"Clock({self.tz.key}{fixed})"


def local_today(now: Now, tz: ZoneInfo) -> date:
    """The factory-local date of `now()`: today for any clock, a test's included."""
    return now().astimezone(tz).date()
