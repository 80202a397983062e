"""The monthly sales–operations summit: its schedule, reminders, RSVPs and an agenda from the data.

A summit recurs on an APScheduler cron schedule in its own time zone ("first Tuesday 10:00" is
`day="1st tue", hour=10`). Its channel is reminded a week and a day before each occurrence (same
local time of day, so across a DST change too), each reminder once (`send_once`), with the agenda
drawn from what happened since the previous occurrence: promises missed and why, orders that
became rush orders, declined or slow capacity requests, the most loaded work centers of the coming
four weeks, lead follow-ups that slipped, and the points and decisions carried over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.platform import i18n, languages
from bot.platform.blockkit import (
    SECTION_TEXT,
    actions,
    and_more,
    button,
    escape,
    header,
    lines_within,
    mention,
    message,
    section,
)
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import (
    AuditLogRow,
    CapacityRequestRow,
    LeadFollowupRow,
    LeadRow,
    OrderRow,
    SummitAgendaPointRow,
    SummitOccurrenceRow,
    SummitRow,
    SummitRsvpRow,
)
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.platform.outbox import already_decided, enqueue, record_missed, send_once
from bot.platform.settings import Settings
from bot.promising.constraints import at_risk_text
from bot.promising.moves import moves_between

if TYPE_CHECKING:
    from bot.collaboration.digest import Missed
    from bot.promising.orders import OrderService


REMINDERS = (("week", timedelta(days=7)), ("day", timedelta(days=1)))
"""Reminders before each occurrence, in local wall-clock time."""
SLOW_REQUEST = timedelta(hours=4)
"""A capacity request answered later than this (or still open after it) is slow."""
LOAD_WEEKS = 4
RSVP_ANSWERS = ("yes", "no", "maybe")
ITEMS_PER_SECTION = 10


class SummitError(ValueError):
    """Something about a summit a user can fix; the message says what."""


class ScheduleSyntaxError(SummitError):
    pass


# --- schedules -----------------------------------------------------------------------------------

_ORDINALS = {
    "first": "1st",
    "1st": "1st",
    "second": "2nd",
    "2nd": "2nd",
    "third": "3rd",
    "3rd": "3rd",
    "fourth": "4th",
    "4th": "4th",
    "fifth": "5th",
    "5th": "5th",
    "last": "last",
}
_DAYS = {
    "mon": "mon",
    "monday": "mon",
    "tue": "tue",
    "tues": "tue",
    "tuesday": "tue",
    "wed": "wed",
    "wednesday": "wed",
    "thu": "thu",
    "thur": "thu",
    "thurs": "thu",
    "thursday": "thu",
    "fri": "fri",
    "friday": "fri",
    "sat": "sat",
    "saturday": "sat",
    "sun": "sun",
    "sunday": "sun",
}
_WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_A_MONDAY = date(2024, 1, 1)
_TIME = re.compile(r"^(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.I)
# TRANSLATORS: a schedule as /summit reads it in your language (bot.collaboration.summits; a
# test reads it back): vi `thứ Ba đầu tiên 10:00`, zh `每月第一个周二 10:00`.
SCHEDULE_EXAMPLE = N_("first Tuesday 10:00")
# TRANSLATORS: as above: vi `thứ Sáu cuối cùng 15:30, thứ Hai hàng tuần 9:00`,
# zh `每月最后一个周五 15:30, 每周一 9:00`.
SCHEDULE_MORE = N_("last Friday 15:30, every Monday 9:00")
SCHEDULE_USAGE = f"{SCHEDULE_EXAMPLE} (also: {SCHEDULE_MORE})"
"""How a schedule is written in English (the words /summit reads in every language);
`schedule_usage()` says it in the active language, with that language's words."""


def schedule_usage() -> str:
    """SCHEDULE_USAGE in the reader's language."""
    return _("{example} (also: {more})", example=_(SCHEDULE_EXAMPLE), more=_(SCHEDULE_MORE))


@dataclass(frozen=True)
class Schedule:
    """APScheduler cron fields (`day="1st tue", hour="10", minute="0"`) and how to say them."""

    fields: dict[str, str]
    description: str

    def serialise(self) -> str:
        """The form stored in `summits.cron`: `day=1st tue;hour=10;minute=0`."""
        return ";".join(f"{name}={value}" for name, value in self.fields.items())

    @classmethod
    def parse_stored(cls, text: str) -> Schedule:
        fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
        return cls(fields, describe(fields))

    def trigger(self, tz: ZoneInfo) -> CronTrigger:
        return CronTrigger(timezone=tz, **self.fields)


def parse_schedule(text: str, language: str | None = None) -> Schedule:
    """Read "first Tuesday 10:00" (monthly by default), "last Fri 3pm", "every Monday 9:00".

    In `language` (default: the active one) "vi" also `thứ Ba đầu tiên 10:00` (`hàng tháng`),
    `thứ Sáu cuối cùng 15 giờ 30`, `thứ Hai hàng tuần 9h`, `mỗi thứ Hai 9:00`, `3 giờ chiều`; in
    "zh_Hans" `每月第一个周二 10:00`, `每月最后一个星期五下午3点半`, `每周一 9点`. Raises
    ScheduleSyntaxError naming what is wrong.
    """
    lang = language or i18n.active()
    english = _schedule_in_english(text or "", lang) if lang in ("vi", "zh_Hans") else None
    words = [w for w in re.split(r"[\s,]+", (english or text or "").strip().lower()) if w]
    words = [w for w in words if w not in ("monthly", "of", "the", "month", "each", "on")]
    if not words:
        raise ScheduleSyntaxError(
            _("Say when the summit meets, e.g. {usage}.", usage=schedule_usage())
        )
    weekly = False
    if words[0] in ("every", "weekly"):
        weekly = True
        words = words[1:]
    ordinal = None
    if words and words[0] in _ORDINALS:
        ordinal = _ORDINALS[words[0]]
        words = words[1:]
    if not words or words[0] not in _DAYS:
        raise ScheduleSyntaxError(
            _(
                "Name the weekday (Monday … Friday) in {given}, e.g. {usage}.",
                given=repr(text),
                usage=schedule_usage(),
            )
        )
    day = _DAYS[words[0]]
    time_text = " ".join(words[1:])
    match = _TIME.match(time_text)
    if not match:
        raise ScheduleSyntaxError(
            _(
                "Give the time of day as 10:00 or 3pm in {given}, e.g. {usage}.",
                given=repr(text),
                usage=schedule_usage(),
            )
        )
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ampm = (match.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ScheduleSyntaxError(_("{given} is not a time of day.", given=repr(time_text)))
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleSyntaxError(_("{given} is not a time of day.", given=repr(time_text)))
    if weekly and ordinal is None:
        fields = {"day_of_week": day, "hour": str(hour), "minute": str(minute)}
    else:
        fields = {"day": f"{ordinal or '1st'} {day}", "hour": str(hour), "minute": str(minute)}
    return Schedule(fields, describe(fields))


_VI_DAYS = {
    "hai": "monday",
    "2": "monday",
    "ba": "tuesday",
    "3": "tuesday",
    "tu": "wednesday",
    "4": "wednesday",
    "nam": "thursday",
    "5": "thursday",
    "sau": "friday",
    "6": "friday",
    "bay": "saturday",
    "7": "saturday",
}
_VI_ORDINALS = {
    "hai": "second",
    "2": "second",
    "ba": "third",
    "3": "third",
    "tu": "fourth",
    "4": "fourth",
    "nam": "fifth",
    "5": "fifth",
}
_ZH_DAYS = {
    "一": "monday",
    "二": "tuesday",
    "三": "wednesday",
    "四": "thursday",
    "五": "friday",
    "六": "saturday",
    "日": "sunday",
    "天": "sunday",
}
_ZH_ORDINALS = {
    "一": "first",
    "1": "first",
    "二": "second",
    "2": "second",
    "三": "third",
    "3": "third",
    "四": "fourth",
    "4": "fourth",
    "五": "fifth",
    "5": "fifth",
}


def _schedule_in_english(text: str, language: str) -> str | None:
    """A Vietnamese or Chinese schedule in the English words parse_schedule reads; None when the
    text names no weekday in that language (it may be English, which works in every language).
    What no monthly or weekly schedule can say (every other week, two weekdays, the second-last
    Friday) is refused rather than read as something else."""
    if language == "vi":
        return _vi_schedule(i18n.unaccented(text.lower()), text)
    return _zh_schedule(text)


def _cannot_keep(text: str) -> ScheduleSyntaxError:
    return ScheduleSyntaxError(
        _(
            "The summit meets on one weekday, each month or each week; {given} is not such a "
            "schedule. E.g. {usage}.",
            given=repr(text),
            usage=schedule_usage(),
        )
    )


_VI_DAY = re.compile(r"\b(?:thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|t([2-7])|(chu nhat|cn))\b")
_VI_NTH = re.compile(r"(hai|ba|tu|nam|[2-5])\b")
_VI_WHICH = re.compile(
    r"(dau tien|dau thang|thu nhat|dau)\b|(cuoi cung|cuoi thang|cuoi)\b|thu\s*" + _VI_NTH.pattern
)
_VI_WEEKLY = re.compile(r"\b(?:hang tuan|moi tuan)\b")
_VI_FORTNIGHT = re.compile(r"\b(?:2|hai) tuan(?: mot lan)?\b|\bcach tuan\b|\bmoi (?:2|hai) tuan\b")
_VI_CLOCK = re.compile(
    r"\b(\d{1,2})(?:\s*[-–~]\s*\d{1,2})?\s*(?::|h\b|h(?=\d)|g\b|g(?=\d)|gio\b)\s*(\d{2})?"
    r"(?:\s*phut)?(?:\s*(ruoi))?(?:\s*kem\s*(\d{1,2}))?|\b(\d{1,2})\s+(ruoi)\b"
)
_VI_HALF = re.compile(r"\s*(sang|trua|chieu|toi|dem|am|pm)\b")


def _vi_schedule(plain: str, written: str) -> str | None:
    day = _VI_DAY.search(plain)
    if day is None:
        return None
    weekday = "sunday" if day[3] else _VI_DAYS[day[1] or day[2]]
    # The ordinal follows the weekday: `thứ Ba đầu tiên`, `thứ Tư thứ hai`, `thứ Ba tuần 2`.
    rest = plain[day.end() :]
    start = len(rest) - len(rest.lstrip())
    week = re.match(r"tuan\s+(?:thu\s+)?", rest[start:])
    at = start + (week.end() if week else 0)
    ordinal = None
    found = _VI_WHICH.match(rest, at) or (_VI_NTH.match(rest, at) if week else None)
    if found is not None:
        groups = found.groups()
        if len(groups) == 1:  # `tuần 2`
            ordinal = _VI_ORDINALS[groups[0]]
        else:
            ordinal = "first" if groups[0] else "last" if groups[1] else _VI_ORDINALS[groups[2]]
    taken = day.end() + (found.end() if found else 0)
    blanked = plain[: day.start()] + " " * (taken - day.start()) + plain[taken:]
    before = plain[: day.start()].split()
    weekly = bool(_VI_WEEKLY.search(plain)) or (bool(before) and before[-1] == "moi")
    if _VI_FORTNIGHT.search(plain) or _VI_DAY.search(blanked) or (weekly and ordinal):
        raise _cannot_keep(written)
    clock = _VI_CLOCK.search(blanked)
    if clock is None:
        return _english(weekly, ordinal, weekday, None)
    hour = int(clock[1] or clock[5])
    minute = 30 if (clock[3] or clock[6]) else int(clock[2] or 0)
    if clock[4]:  # `10 giờ kém 15`: a quarter to ten
        hour, minute = hour - 1, 60 - int(clock[4])
    half = _VI_HALF.match(plain, clock.end())
    return _english(weekly, ordinal, weekday, _day_half(hour, minute, half[1] if half else ""))


def _day_half(hour: int, minute: int, word: str) -> tuple[int, int]:
    """The hour of `word`'s half of the day: afternoon/evening/pm add 12, noon adds 12 to 1-5."""
    later = 12 if word in ("chieu", "toi", "dem", "pm", "下午", "晚上", "傍晚") else 0
    if word in ("trua", "中午"):
        later = 6
    if hour < later:
        return hour + 12, minute
    if word in ("sang", "am", "上午", "早上", "凌晨") and hour == 12:
        return 0, minute
    return hour, minute


_ZH_NUMBER = r"(\d{1,2}|[一二两三四五六七八九十]{1,3})"
_ZH_CLOCK = re.compile(
    _ZH_NUMBER
    + r"\s*(?:[-–~]\s*"
    + _ZH_NUMBER
    + r"\s*)?(?:[:：]\s*(\d{2})|[点點时時]"
    + r"(?:\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*分|(半)|(一刻)|(三刻))?)"
)
_ZH_HALF = re.compile(r"(下午|晚上|傍晚|中午|上午|早上|凌晨|am|pm)\s*$", re.IGNORECASE)


def _zh_number(text: str) -> int:
    found = i18n.chinese_number(text)
    return 99 if found is None else found  # 99: no hour, so parse_schedule says so


def _zh_schedule(text: str) -> str | None:
    day = re.search(r"(?:周|星期|礼拜)([一二三四五六日天])", text)
    if day is None:
        return None
    weekday = _ZH_DAYS[day[1]]
    rest = text[: day.start()] + " " * (day.end() - day.start()) + text[day.end() :]
    if re.search(r"(?:周|星期|礼拜)[一二三四五六日天]|、\s*[一二三四五六日天]", rest) or re.search(
        r"隔周|双周|两周|二周|每隔|倒数第\s*[二三四五2-5]", text
    ):
        raise _cannot_keep(text)
    ordinal = None
    if re.search(r"倒数第\s*[一1]|最后|月底|月末", text):
        ordinal = "last"
    elif which := re.search(r"第\s*([一二三四五1-5])\s*个?", text):
        ordinal = _ZH_ORDINALS[which[1]]
    elif "月初" in text:
        ordinal = "first"
    weekly = bool(re.search(r"每\s*(?:个)?\s*(?:周|星期|礼拜)", text))
    if weekly and ordinal:
        raise _cannot_keep(text)
    clock = _ZH_CLOCK.search(rest)
    if clock is None:
        return _english(weekly, ordinal, weekday, None)
    hour = _zh_number(clock[1])
    minute = int(clock[3]) if clock[3] else _zh_number(clock[4]) if clock[4] else 0
    minute = 30 if clock[5] else 15 if clock[6] else 45 if clock[7] else minute
    half = _ZH_HALF.search(rest[: clock.start()]) or re.match(
        r"\s*(am|pm)\b", rest[clock.end() :], re.IGNORECASE
    )
    return _english(
        weekly, ordinal, weekday, _day_half(hour, minute, (half[1] if half else "").lower())
    )


def _english(weekly: bool, ordinal: str | None, weekday: str, clock: tuple[int, int] | None) -> str:
    words = [*(["every"] if weekly and ordinal is None else []), *([ordinal] if ordinal else [])]
    words.append(weekday)
    if clock:
        words.append(f"{clock[0]}:{clock[1]:02d}")  # parse_schedule says so if it is no time
    return " ".join(words)


def describe(fields: dict[str, str]) -> str:
    """The schedule in words, in the active language: "first Tuesday of the month, 10:00"."""
    clock = f"{int(fields.get('hour', 0)):02d}:{int(fields.get('minute', 0)):02d}"
    if "day_of_week" in fields:
        return _("every {weekday}, {time}", weekday=_weekday(fields["day_of_week"]), time=clock)
    day = fields.get("day", "")
    ordinal, _space, weekday = day.partition(" ")
    if weekday:
        name = _weekday(weekday)
        phrase = _monthly(ordinal, name, clock)
        if phrase is not None:
            return phrase
        # TRANSLATORS: ordinal is a cron day such as "2nd" that has no phrase of its own.
        return _(
            "{ordinal} {weekday} of the month, {time}", ordinal=ordinal, weekday=name, time=clock
        )
    return _("day {day} of the month, {time}", day=day, time=clock)


def _monthly(ordinal: str, weekday: str, time: str) -> str | None:
    """A monthly schedule in words, one whole phrase per ordinal (None for another)."""
    fields = {"weekday": weekday, "time": time}
    if ordinal == "1st":
        return _("first {weekday} of the month, {time}", **fields)
    if ordinal == "2nd":
        return _("second {weekday} of the month, {time}", **fields)
    if ordinal == "3rd":
        return _("third {weekday} of the month, {time}", **fields)
    if ordinal == "4th":
        return _("fourth {weekday} of the month, {time}", **fields)
    if ordinal == "5th":
        return _("fifth {weekday} of the month, {time}", **fields)
    if ordinal == "last":
        return _("last {weekday} of the month, {time}", **fields)
    return None


def _weekday(code: str) -> str:
    """A cron weekday (`tue`) by its name in the active language (Babel's CLDR): Tuesday."""
    if code not in _WEEKDAY_INDEX:
        return code
    return i18n.weekday(_A_MONDAY + timedelta(days=_WEEKDAY_INDEX[code]))


# --- views ---------------------------------------------------------------------------------------


DEFAULT_TITLE = N_("Sales–operations summit")
"""The title of a summit scheduled with `/summit` (stored in English, shown translated)."""


@dataclass(frozen=True)
class SummitView:
    id: int
    stored_title: str
    """The title as kept: what the organiser named it, or DEFAULT_TITLE (in English)."""
    schedule: Schedule
    timezone: str
    location: str
    channel: str
    organiser: str
    active: bool
    next_at: datetime | None

    @property
    def title(self) -> str:
        """The title for the active language: the default title is translated, a name someone
        gave it is theirs."""
        return _(DEFAULT_TITLE) if self.stored_title == DEFAULT_TITLE else self.stored_title


@dataclass(frozen=True)
class OccurrenceView:
    id: int
    summit_id: int
    starts_at: datetime
    decisions: str | None


@dataclass(frozen=True)
class SummitReminder:
    summit_id: int
    starts_at: datetime
    kind: str
    """`week` or `day`."""
    due_at: datetime

    @property
    def key(self) -> str:
        when = self.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        return f"summit:{self.summit_id}:{when}:{self.kind}"


@dataclass(frozen=True)
class AgendaPoint:
    id: int
    author: str
    text: str
    carried_over: bool
    done: bool


@dataclass(frozen=True)
class Agenda:
    """What the summit should talk about, from the data between `since` and `until`."""

    summit: str
    starts_at: datetime
    since: datetime
    until: datetime
    missed: list[Missed] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)
    """The lists below are mrkdwn lines: what people typed in them is escaped, the people they
    name are mentions."""
    moved: list[str] = field(default_factory=list)
    """Orders a change in the factory moved, how each was answered and how early."""
    rush: list[str] = field(default_factory=list)
    declined_requests: list[str] = field(default_factory=list)
    slow_requests: list[str] = field(default_factory=list)
    loaded: list[tuple[str, float]] = field(default_factory=list)
    """(work center, load 0–1+) for the coming four weeks, most loaded first."""
    slipped_followups: list[str] = field(default_factory=list)
    carried_over: list[AgendaPoint] = field(default_factory=list)
    previous_decisions: str | None = None
    points: list[AgendaPoint] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[str]]]:
        """(heading, mrkdwn lines) in the order the meeting should take them; empty ones left
        out. Every text somebody typed is escaped (a point saying `<!channel>` pings nobody)."""
        out: list[tuple[str, list[str]]] = []

        def add(title: str, lines: list[str]) -> None:
            if lines:
                shown = lines[:ITEMS_PER_SECTION]
                if len(lines) > ITEMS_PER_SECTION:
                    shown.append(and_more(len(lines) - ITEMS_PER_SECTION))
                out.append((title, shown))

        add(
            _("Promises missed"),
            [
                _(
                    "{ref} {customer}: {qty} {sku} promised {day} ({cause})",
                    ref=escape(m.ref),
                    customer=escape(m.customer),
                    qty=m.qty,
                    sku=escape(m.sku),
                    day=i18n.day(m.promised_on),
                    cause=escape(m.cause),
                )
                for m in self.missed
            ],
        )
        add(_("Orders at risk"), self.at_risk)
        add(_("Promises moved by factory changes"), self.moved)
        add(_("Orders that became rush orders"), self.rush)
        add(_("Capacity requests declined"), self.declined_requests)
        add(_("Capacity requests answered slowly or still open"), self.slow_requests)
        add(
            ngettext(
                "Most loaded work centers, next {n} week",
                "Most loaded work centers, next {n} weeks",
                LOAD_WEEKS,
                n=LOAD_WEEKS,
            ),
            [f"{escape(code)}: {i18n.percent(load)}" for code, load in self.loaded],
        )
        add(_("Lead follow-ups that slipped"), self.slipped_followups)
        carried = [escape(p.text) for p in self.carried_over]
        if self.previous_decisions:
            decided = _("Decided last time: {decisions}", decisions=escape(self.previous_decisions))
            carried = [decided, *carried]
        add(_("Carried over from the last summit"), carried)
        points = [f"{escape(p.text)} ({mention(p.author)})" for p in self.points]
        add(_("Points added for this summit"), points)
        return out

    def text(self) -> str:
        """The agenda as mrkdwn text (a message's fallback)."""
        when = f"{i18n.day(self.starts_at.date(), date.min)} {self.starts_at:%H:%M %Z}"
        lines = [_("Agenda for {summit}, {when}", summit=escape(self.summit), when=when)]
        for title, items in self.sections():
            lines.append(f"\n{title}:")
            lines += [f"- {item}" for item in items]
        if len(lines) == 1:
            lines.append(_("Nothing from the data this time; bring your points."))
        return "\n".join(lines)


# --- the service ---------------------------------------------------------------------------------


class SummitService:
    """Summits, their occurrences, reminders, RSVPs, agenda points and decisions."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        orders: OrderService | None = None,
        clock: Now | None = None,
    ) -> None:
        self.settings = settings
        self.orders = orders
        self.clock: Now = clock or Clock.from_settings(settings)
        self.sessions = with_clock(session_factory, self.clock)

    # ------------------------------------------------------------------ schedule

    def schedule(
        self,
        title: str,
        when: str | Schedule = "first Tuesday 10:00",
        *,
        channel: str,
        organiser: str,
        location: str = "",
        timezone: str | None = None,
    ) -> SummitView:
        """Create a recurring summit (monthly unless `when` says every week)."""
        schedule = when if isinstance(when, Schedule) else parse_schedule(when)
        tz_name = timezone or self.settings.timezone
        _zone(tz_name)
        if not title.strip():
            raise SummitError(_("Give the summit a title."))
        if not channel:
            raise SummitError(_("Name the channel to invite."))
        with write_transaction(self.sessions) as session:
            row = SummitRow(
                title=title.strip(),
                cron=schedule.serialise(),
                timezone=tz_name,
                location=location.strip(),
                channel_id=channel,
                organiser_slack_id=organiser,
                active=True,
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            _audit(session, organiser, "summit.schedule", "summit", row.id, {"cron": row.cron})
            return self._view(row)

    def summits(self, *, active_only: bool = True) -> list[SummitView]:
        with self.sessions() as session:
            query = sa.select(SummitRow).order_by(SummitRow.id)
            if active_only:
                query = query.where(SummitRow.active.is_(True))
            return [self._view(row) for row in session.scalars(query)]

    def cancel(self, summit_id: int, *, actor: str) -> SummitView:
        with write_transaction(self.sessions) as session:
            row = self._summit(session, summit_id)
            row.active = False
            _audit(session, actor, "summit.cancel", "summit", row.id)
            return self._view(row)

    def next_occurrences(
        self, summit_id: int, after: datetime | None = None, count: int = 3
    ) -> list[datetime]:
        """The next `count` start times after `after` (default now), timezone-aware, local."""
        with self.sessions() as session:
            row = self._summit(session, summit_id)
        return _occurrences(row, after or self.clock(), count)

    # ------------------------------------------------------------------ reminders

    def reminders_due(self, now: datetime) -> list[SummitReminder]:
        """Reminders whose time has come for the next occurrence of each active summit.

        The week reminder is due from 7 days before until the day reminder takes over; the
        day reminder from 1 day before until the summit starts. Each has a `key` for send_once.
        """
        with self.sessions() as session:
            rows = session.scalars(sa.select(SummitRow).where(SummitRow.active.is_(True))).all()
        due = []
        for row in rows:
            for starts in _occurrences(row, now, 1):
                windows = [(kind, starts - before) for kind, before in REMINDERS]
                for index, (kind, at) in enumerate(windows):
                    end = windows[index + 1][1] if index + 1 < len(windows) else starts
                    if at.astimezone(UTC) <= now.astimezone(UTC) < end.astimezone(UTC):
                        due.append(SummitReminder(row.id, starts, kind, at.astimezone(UTC)))
        return due

    def queue_reminders(
        self,
        now: datetime,
        render: Callable[[SummitView, OccurrenceView, Agenda, datetime], dict[str, Any]]
        | None = None,
    ) -> int:
        """Post each due reminder to its summit's channel, with the agenda, once.

        A reminder whose window closed before any replica could send it (the week reminder once
        the day reminder is due, the day reminder once the summit has started) is recorded as
        missed: the next reminder, or the summit itself, has taken its place. `render` draws a
        reminder as of `now` (it says how far off the summit is from when it is sent).
        """
        render = render or reminder_message
        self._record_missed(now)
        queued = 0
        for reminder in self.reminders_due(now):
            occurrence = self.occurrence(reminder.summit_id, reminder.starts_at)
            # The reminder is posted to the summit's channel: its agenda (whose lines are written
            # as it is read) and its words are in the channel's language.
            with i18n.using(self.channel_language(reminder.summit_id)):
                agenda = self.agenda(occurrence.id, now=now)
                with write_transaction(self.sessions) as session:
                    if not send_once(session, reminder.key):
                        continue
                    summit = self._view(self._summit(session, reminder.summit_id))
                    args = render(summit, occurrence, agenda, now)
                    enqueue(
                        session, "summit_reminder", {"method": "chat_postMessage", "args": args}
                    )
                    queued += 1
        return queued

    def channel_language(self, summit_id: int) -> str:
        """The language of the channel the summit meets in (what is posted there speaks it)."""
        with self.sessions() as session:
            channel = self._summit(session, summit_id).channel_id
            return languages.of_channel(session, self.settings, channel)

    def _record_missed(self, now: datetime) -> None:
        with write_transaction(self.sessions) as session:
            rows = session.scalars(sa.select(SummitRow).where(SummitRow.active.is_(True))).all()
            for row in rows:
                upcoming = _occurrences(row, now, 1)
                if not upcoming:
                    continue
                starts = [upcoming[0].astimezone(UTC)]
                previous = _previous_start(row, starts[0])
                if now - previous < REMINDERS[0][1] + timedelta(days=1):
                    starts.append(previous)
                for start in starts:
                    windows = [(kind, start - before) for kind, before in REMINDERS]
                    for index, (kind, at) in enumerate(windows):
                        end = windows[index + 1][1] if index + 1 < len(windows) else start
                        if end > now or at < row.created_at:
                            continue  # still open, or before the summit was scheduled
                        key = SummitReminder(row.id, start, kind, at).key
                        if not already_decided(session, key):
                            record_missed(session, key, f"the {kind} reminder of {row.title!r}")

    # ------------------------------------------------------------------ occurrences

    def occurrence(self, summit_id: int, starts_at: datetime) -> OccurrenceView:
        """The occurrence starting at `starts_at` (created on first use)."""
        starts_at = starts_at.astimezone(UTC)
        with write_transaction(self.sessions) as session:
            self._summit(session, summit_id)
            row = session.scalar(
                sa.select(SummitOccurrenceRow).where(
                    SummitOccurrenceRow.summit_id == summit_id,
                    SummitOccurrenceRow.starts_at == starts_at,
                )
            )
            if row is None:
                # Carry the undone points of the previous occurrence over to this one.
                row = SummitOccurrenceRow(summit_id=summit_id, starts_at=starts_at)
                session.add(row)
                session.flush()
                previous = _previous_occurrence(session, summit_id, starts_at)
                if previous is not None:
                    for point in _points(session, previous.id):
                        if not point.done:
                            session.add(
                                SummitAgendaPointRow(
                                    occurrence_id=row.id,
                                    author=point.author,
                                    text=point.text,
                                    carried_over=True,
                                )
                            )
                session.flush()
            return _occurrence_view(row)

    def occurrence_of(self, occurrence_id: int) -> tuple[SummitView, OccurrenceView]:
        """The summit an occurrence belongs to, and the occurrence (SummitError if none)."""
        with self.sessions() as session:
            occurrence = self._occurrence(session, occurrence_id)
            return self._view(self._summit(session, occurrence.summit_id)), _occurrence_view(
                occurrence
            )

    def rsvp(self, occurrence_id: int, user: str, answer: str) -> dict[str, list[str]]:
        """Record (or change) `user`'s answer: yes, no or maybe. Returns everyone's answers."""
        answer = answer.strip().lower()
        if answer not in RSVP_ANSWERS:
            raise SummitError(_("Answer yes, no or maybe, not {given}.", given=repr(answer)))
        with write_transaction(self.sessions) as session:
            self._occurrence(session, occurrence_id)
            row = session.scalar(
                sa.select(SummitRsvpRow).where(
                    SummitRsvpRow.occurrence_id == occurrence_id,
                    SummitRsvpRow.slack_user_id == user,
                )
            )
            if row is None:
                session.add(
                    SummitRsvpRow(occurrence_id=occurrence_id, slack_user_id=user, answer=answer)
                )
            else:
                row.answer = answer
            session.flush()
            return _rsvps(session, occurrence_id)

    def rsvps(self, occurrence_id: int) -> dict[str, list[str]]:
        with self.sessions() as session:
            return _rsvps(session, occurrence_id)

    def add_agenda_point(self, occurrence_id: int, author: str, text: str) -> AgendaPoint:
        text = " ".join(text.split())
        if not text:
            raise SummitError(_("Write the point you want on the agenda."))
        if len(text) > 500:
            raise SummitError(_("Keep an agenda point under {n} characters.", n=500))
        with write_transaction(self.sessions) as session:
            self._occurrence(session, occurrence_id)
            row = SummitAgendaPointRow(occurrence_id=occurrence_id, author=author, text=text)
            session.add(row)
            session.flush()
            return _point(row)

    def record_decisions(
        self,
        occurrence_id: int,
        decisions: str,
        *,
        actor: str,
        done_points: Iterable[int] = (),
    ) -> OccurrenceView:
        """After the summit: what was decided, and which points were dealt with. The next
        agenda shows the decisions and carries the other points over."""
        done = set(done_points)
        with write_transaction(self.sessions) as session:
            row = self._occurrence(session, occurrence_id)
            row.decisions = decisions.strip() or None
            for point in _points(session, occurrence_id):
                if point.id in done:
                    point.done = True
            _audit(session, actor, "summit.decisions", "summit_occurrence", row.id)
            session.flush()
            return _occurrence_view(row)

    # ------------------------------------------------------------------ the agenda

    def agenda(self, occurrence_id: int, *, now: datetime | None = None) -> Agenda:
        """The agenda for an occurrence from the data since the previous one (up to now)."""
        now = now or self.clock()
        with self.sessions() as session:
            occurrence = self._occurrence(session, occurrence_id)
            summit = self._summit(session, occurrence.summit_id)
            tz = _zone(summit.timezone)
            starts = occurrence.starts_at
            previous = _previous_occurrence(session, summit.id, starts)
            since = previous.starts_at if previous is not None else _previous_start(summit, starts)
            until = min(now, starts)
            today = until.astimezone(tz).date()
            points = [_point(row) for row in _points(session, occurrence.id)]
            sections: dict[str, Any] = {
                "missed": _missed(session, since.astimezone(tz).date(), today),
                "at_risk": _at_risk(session, today),
                "moved": [m.line() for m in moves_between(session, since, until, tz)],
                "rush": _rush(session, since, until),
                "declined_requests": _declined(session, since, until),
                "slow_requests": _slow(session, since, until),
                "slipped_followups": _slipped(session, since, until, tz),
                "previous_decisions": previous.decisions if previous is not None else None,
            }
        return Agenda(
            summit=summit.title,
            starts_at=starts.astimezone(tz),
            since=since,
            until=until,
            loaded=self._loaded(today),
            carried_over=[p for p in points if p.carried_over],
            points=[p for p in points if not p.carried_over],
            **sections,
        )

    def _loaded(self, today: date) -> list[tuple[str, float]]:
        if self.orders is None:
            return []
        plan = self.orders.plan(as_of=today)
        end = today + timedelta(weeks=LOAD_WEEKS)
        capacity: dict[str, float] = {}
        reserved: dict[str, float] = {}
        for row in plan["load"]:
            if today.isoformat() <= row["date"] < end.isoformat():
                capacity[row["work_center"]] = capacity.get(row["work_center"], 0) + row["capacity"]
                reserved[row["work_center"]] = reserved.get(row["work_center"], 0) + row["reserved"]
        loads = [
            (code, reserved.get(code, 0.0) / hours)
            for code, hours in capacity.items()
            if hours > 0 and reserved.get(code, 0.0) > 0
        ]
        return sorted(loads, key=lambda item: (-item[1], item[0]))[:3]

    # ------------------------------------------------------------------ internals

    def _summit(self, session: Session, summit_id: int) -> SummitRow:
        row = session.get(SummitRow, summit_id)
        if row is None:
            raise SummitError(_("There is no summit {id}.", id=summit_id))
        return row

    def _occurrence(self, session: Session, occurrence_id: int) -> SummitOccurrenceRow:
        row = session.get(SummitOccurrenceRow, occurrence_id)
        if row is None:
            raise SummitError(_("There is no summit occurrence {id}.", id=occurrence_id))
        return row

    def _view(self, row: SummitRow) -> SummitView:
        upcoming = _occurrences(row, self.clock(), 1) if row.active else []
        return SummitView(
            id=row.id,
            stored_title=row.title,
            schedule=Schedule.parse_stored(row.cron),
            timezone=row.timezone,
            location=row.location,
            channel=row.channel_id,
            organiser=row.organiser_slack_id,
            active=row.active,
            next_at=upcoming[0] if upcoming else None,
        )


# --- helpers -------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SummitError(
            _("{given} is not a time zone (try Europe/Berlin or UTC).", given=repr(name))
        ) from None


def _occurrences(row: SummitRow, after: datetime, count: int) -> list[datetime]:
    trigger = Schedule.parse_stored(row.cron).trigger(_zone(row.timezone))
    found: list[datetime] = []
    previous: datetime | None = None
    now = after
    while len(found) < count:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None:
            break
        if nxt > after:
            found.append(nxt)
        previous = nxt
        now = nxt + timedelta(seconds=1)
    return found


def _previous_start(row: SummitRow, starts: datetime) -> datetime:
    """The scheduled start before `starts` (the summit that would have been last)."""
    trigger = Schedule.parse_stored(row.cron).trigger(_zone(row.timezone))
    last: datetime | None = None
    previous: datetime | None = None
    moment = starts - timedelta(days=400)
    while True:
        nxt = trigger.get_next_fire_time(previous, moment)
        if nxt is None or nxt >= starts:
            break
        last, previous, moment = nxt, nxt, nxt + timedelta(seconds=1)
    return (last or starts - timedelta(days=31)).astimezone(UTC)


def _previous_occurrence(
    session: Session, summit_id: int, starts: datetime
) -> SummitOccurrenceRow | None:
    return session.scalar(
        sa.select(SummitOccurrenceRow)
        .where(SummitOccurrenceRow.summit_id == summit_id, SummitOccurrenceRow.starts_at < starts)
        .order_by(SummitOccurrenceRow.starts_at.desc())
        .limit(1)
    )


def _points(session: Session, occurrence_id: int) -> list[SummitAgendaPointRow]:
    return list(
        session.scalars(
            sa.select(SummitAgendaPointRow)
            .where(SummitAgendaPointRow.occurrence_id == occurrence_id)
            .order_by(SummitAgendaPointRow.id)
        )
    )


def _point(row: SummitAgendaPointRow) -> AgendaPoint:
    return AgendaPoint(row.id, row.author, row.text, row.carried_over, row.done)


def _occurrence_view(row: SummitOccurrenceRow) -> OccurrenceView:
    return OccurrenceView(row.id, row.summit_id, row.starts_at, row.decisions)


def _rsvps(session: Session, occurrence_id: int) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {answer: [] for answer in RSVP_ANSWERS}
    for user, answer in session.execute(
        sa.select(SummitRsvpRow.slack_user_id, SummitRsvpRow.answer)
        .where(SummitRsvpRow.occurrence_id == occurrence_id)
        .order_by(SummitRsvpRow.id)
    ):
        answers.setdefault(answer, []).append(user)
    return answers


def _missed(session: Session, since: date, until: date) -> list[Missed]:
    # bot.collaboration.digest brings pandas: import it only when an agenda is drawn.
    from bot.collaboration.digest import (
        PROMISED_STATUSES,
        Missed,
        causes_of_misses,
        classify_promise,
    )

    orders = session.scalars(
        sa.select(OrderRow)
        .where(
            OrderRow.status.in_(PROMISED_STATUSES),
            OrderRow.promised_on >= since,
            OrderRow.promised_on < until,
        )
        .options(selectinload(OrderRow.shipments), selectinload(OrderRow.customer))
        .order_by(OrderRow.promised_on, OrderRow.ref)
    ).all()
    how: dict[int, str] = {}
    for order in orders:
        assert order.promised_on is not None
        shipped = [(s.on, s.qty) for s in order.shipments]
        outcome, went = classify_promise(order.qty, order.promised_on, shipped, until)
        if outcome == "missed":
            how[order.id] = went
    causes = causes_of_misses(session, how)
    return [
        Missed(o.ref, o.customer.name, o.sku, o.qty, o.promised_on, causes[o.id])
        for o in orders
        if o.id in causes and o.promised_on is not None
    ]


def _at_risk(session: Session, today: date) -> list[str]:
    rows = session.scalars(
        sa.select(OrderRow)
        .where(OrderRow.status == "at_risk")
        .options(selectinload(OrderRow.customer))
        .order_by(OrderRow.promised_on, OrderRow.ref)
    ).all()
    return [_at_risk_line(o, today) for o in rows]


def _at_risk_line(o: OrderRow, today: date) -> str:
    reason = at_risk_text(o.at_risk_reason, o.at_risk_facts, today)
    fields: dict[str, Any] = {
        "ref": escape(o.ref),
        "customer": escape(o.customer.name),
        "qty": o.qty,
        "sku": escape(o.sku),
        "reason": escape(reason or ""),
    }
    if o.promised_on:
        fields["day"] = i18n.day(o.promised_on)
        if reason:
            return _("{ref} {customer}: {qty} {sku} promised {day} ({reason})", **fields)
        return _("{ref} {customer}: {qty} {sku} promised {day}", **fields)
    if reason:
        return _("{ref} {customer}: {qty} {sku} ({reason})", **fields)
    return "{ref} {customer}: {qty} {sku}".format(**fields)


def _rush(session: Session, since: datetime, until: datetime) -> list[str]:
    rows = session.scalars(
        sa.select(OrderRow)
        .where(
            OrderRow.rush.is_(True),
            OrderRow.status.notin_(("quoted", "cancelled", "expired")),
            OrderRow.updated_at >= since,
            OrderRow.updated_at < until,
        )
        .options(selectinload(OrderRow.customer))
        .order_by(OrderRow.created_at, OrderRow.ref)
    ).all()
    lines = []
    for o in rows:
        fields: dict[str, Any] = {
            "ref": escape(o.ref),
            "customer": escape(o.customer.name),
            "qty": o.qty,
            "sku": escape(o.sku),
        }
        if o.promised_on:
            lines.append(
                _("{ref} {customer}: {qty} {sku} for {day}", day=i18n.day(o.promised_on), **fields)
            )
        else:
            lines.append("{ref} {customer}: {qty} {sku}".format(**fields))
    return lines


def _request_line(request: CapacityRequestRow) -> str:
    order = request.order
    who = f"{escape(order.ref)} {escape(order.customer.name)}: {order.qty} {escape(order.sku)}"
    return f"{who} ({mention(request.requested_by)})"


def _requests(session: Session, *where: Any) -> list[CapacityRequestRow]:
    return list(
        session.scalars(
            sa.select(CapacityRequestRow)
            .where(*where)
            .options(selectinload(CapacityRequestRow.order).selectinload(OrderRow.customer))
            .order_by(CapacityRequestRow.created_at, CapacityRequestRow.id)
        )
    )


def _declined(session: Session, since: datetime, until: datetime) -> list[str]:
    rows = _requests(
        session,
        CapacityRequestRow.status == "declined",
        CapacityRequestRow.answered_at >= since,
        CapacityRequestRow.answered_at < until,
    )
    return [
        _request_line(r) + (f": {escape(r.answer_note)}" if r.answer_note else "") for r in rows
    ]


def _slow(session: Session, since: datetime, until: datetime) -> list[str]:
    rows = _requests(
        session, CapacityRequestRow.created_at >= since, CapacityRequestRow.created_at < until
    )
    lines = []
    for r in rows:
        if r.answered_at is not None:
            waited = r.answered_at - r.created_at
            if waited > SLOW_REQUEST:
                lines.append(
                    _(
                        "{request}: answered after {hours}",
                        request=_request_line(r),
                        hours=_hours(waited),
                    )
                )
        elif until - r.created_at > SLOW_REQUEST:
            lines.append(
                _(
                    "{request}: open for {hours}",
                    request=_request_line(r),
                    hours=_hours(until - r.created_at),
                )
            )
    return lines


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return _("{hours} h", hours=format(hours, ".0f"))
    return _("{days} days", days=format(hours / 24, ".1f"))


def _slipped(session: Session, since: datetime, until: datetime, tz: ZoneInfo) -> list[str]:
    rows = session.scalars(
        sa.select(LeadFollowupRow)
        .join(LeadRow)
        .where(LeadFollowupRow.due_at >= since, LeadFollowupRow.due_at < until)
        .options(selectinload(LeadFollowupRow.lead).selectinload(LeadRow.customer))
        .order_by(LeadFollowupRow.due_at, LeadFollowupRow.id)
    ).all()
    lines = []
    for row in rows:
        due_day = row.due_at.astimezone(tz).date()
        customer, owner = escape(row.lead.customer.name), mention(row.lead.owner_slack_id)
        due = i18n.day(due_day)
        if row.done_at is not None:
            done_day = row.done_at.astimezone(tz).date()
            if done_day > due_day:
                lines.append(
                    _(
                        "{customer} ({owner}), due {due}: done {done}",
                        customer=customer,
                        owner=owner,
                        due=due,
                        done=i18n.day(done_day),
                    )
                )
        elif row.lead.status == "open" and until.astimezone(tz).date() > due_day:
            lines.append(
                _(
                    "{customer} ({owner}), due {due}: still open",
                    customer=customer,
                    owner=owner,
                    due=due,
                )
            )
    return lines


def _audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLogRow(
            actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail or {}
        )
    )


# --- the reminder message ------------------------------------------------------------------------

RSVP_YES = "summit_rsvp_yes"
RSVP_MAYBE = "summit_rsvp_maybe"
RSVP_NO = "summit_rsvp_no"
ADD_POINT = "summit_add_point"
"""The ids of a summit message's buttons (handlers.summits answers them)."""


def how_far(today: date, day: date) -> str:
    """`today`, `tomorrow`, `in a week` or `in 3 days`: how far off `day` is from `today`."""
    days = (day - today).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days == 7:
        return _("in a week")
    return ngettext("in {n} day", "in {n} days", days, n=days)


def heading(summit: SummitView, starts_at: datetime) -> str:
    """`Sales–operations summit, Tue 1 Dec 10:00 in Plant 2`: which summit, when and where."""
    local = starts_at.astimezone(_zone(summit.timezone))
    when = f"{i18n.day(local.date())} {local:%H:%M}"
    if summit.location:
        return _(
            "{summit}, {when} in {place}", summit=summit.title, when=when, place=summit.location
        )
    return _("{summit}, {when}", summit=summit.title, when=when)


def summit_buttons(occurrence_id: int) -> list[dict[str, Any]]:
    """RSVP and "Add an agenda point", for the occurrence (every summit message has them)."""
    value = str(occurrence_id)
    return [
        button(_("I'll be there"), RSVP_YES, value, "primary"),
        button(_("Maybe"), RSVP_MAYBE, value),
        button(_("Can't come"), RSVP_NO, value),
        button(_("Add an agenda point"), ADD_POINT, value),
    ]


def agenda_blocks(agenda: Agenda, empty: str) -> list[dict[str, Any]]:
    """A section per part of the agenda, or `empty` when the data brought nothing."""
    found = []
    for title, lines in agenda.sections():
        head = f"*{escape(title)}*"
        body = lines_within([f"• {line}" for line in lines], SECTION_TEXT - len(head) - 1)
        found.append(section(f"{head}\n{body}"))
    return found or [section(empty)]


def _reminder_title(summit: SummitView, days: int, when: str) -> str:
    """`Sales–operations summit tomorrow: Tue 1 Dec 10:00 in Plant 2`, one whole sentence for
    each distance (`today`, `tomorrow`, `in a week`, `in N days`) with and without a place."""
    fields = {"summit": summit.title, "when": when, "place": summit.location, "n": days}
    if summit.location:
        if days == 0:
            return _("{summit} today: {when} in {place}", **fields)
        if days == 1:
            return _("{summit} tomorrow: {when} in {place}", **fields)
        if days == 7:
            return _("{summit} in a week: {when} in {place}", **fields)
        return ngettext(
            "{summit} in {n} day: {when} in {place}",
            "{summit} in {n} days: {when} in {place}",
            days,
            **fields,
        )
    if days == 0:
        return _("{summit} today: {when}", **fields)
    if days == 1:
        return _("{summit} tomorrow: {when}", **fields)
    if days == 7:
        return _("{summit} in a week: {when}", **fields)
    return ngettext("{summit} in {n} day: {when}", "{summit} in {n} days: {when}", days, **fields)


def reminder_message(
    summit: SummitView, occurrence: OccurrenceView, agenda: Agenda, now: datetime
) -> dict[str, Any]:
    """chat.postMessage arguments: the reminder with the agenda, RSVP and add-a-point buttons,
    saying how far off the summit is as of `now`, in the summit's time zone (and in the active
    language: the summit's channel's, as SummitService.queue_reminders draws it)."""
    tz = _zone(summit.timezone)
    starts = occurrence.starts_at.astimezone(tz)
    days = (starts.date() - now.astimezone(tz).date()).days
    title = _reminder_title(summit, days, f"{i18n.day(starts.date())} {starts:%H:%M}")
    blocks = [
        header(title),  # plain text: nothing in it is a mention or a link
        *agenda_blocks(agenda, _("Nothing from the data; bring your points.")),
        actions(summit_buttons(occurrence.id), block_id=f"summit_{occurrence.id}"),
    ]
    text = f"{escape(title)}\n{agenda.text()}"
    return {"channel": summit.channel, **message(text, blocks)}
