"""Sales leads and their follow-ups: due in the owner's working hours, reminded once, counted.

A follow-up is due at 09:00 on a working day in its owner's time zone (the Slack `tz` stored on
the user, else the factory's). Reminders go out only in the owner's working hours (Mon–Fri,
09:00–18:00 local), never at night or on a weekend, and each (follow-up, owner, due time) is
reminded once (`send_once`). Snoozing moves the due time and reminds again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.platform import i18n, languages
from bot.platform.blockkit import (
    SECTION_TEXT,
    actions,
    button,
    escape,
    lines_within,
    message,
    plain,
    section,
)
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import AuditLogRow, CustomerRow, LeadFollowupRow, LeadRow, UserRow
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.platform.outbox import (
    OutboxWorker,
    already_decided,
    enqueue,
    record_missed,
    send_once,
)
from bot.platform.settings import Settings
from bot.promising.orders import MAX_CUSTOMER_LENGTH

WORKDAY_START = time(9, 0)
WORKDAY_END = time(18, 0)
OVERDUE_LIST = (time(8, 0), WORKDAY_END)
"""When the overdue list goes out, owner-local on a working day: from 08:00, and while replicas
were down until the end of that working day; after that it is recorded as missed."""
DEFAULT_FOLLOW_UP_DAYS = 3


class LeadError(ValueError):
    """Something about a lead a user can fix; the message says what."""


class LeadNotFound(LeadError):
    pass


class LeadSyntaxError(LeadError):
    """`/lead` text that cannot be read; the message shows the usage."""


@dataclass(frozen=True)
class FollowupView:
    id: int
    lead_id: int
    customer: str
    owner: str
    note: str
    due_at: datetime
    """When it is due now (after any snooze)."""
    original_due_at: datetime
    done_at: datetime | None
    reminded_at: datetime | None
    product_interest: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass(frozen=True)
class LeadView:
    id: int
    customer: str
    owner: str
    source: str
    product_interest: str
    expected_qty: int | None
    expected_month: date | None
    note: str
    status: str
    created_at: datetime
    next_followup: FollowupView | None


@dataclass(frozen=True)
class LeadReminder:
    followup: FollowupView
    key: str


@dataclass(frozen=True)
class SourceConversion:
    source: str
    leads: int
    won: int
    lost: int
    open: int

    @property
    def rate(self) -> float | None:
        """Won as a share of all leads from the source (None when there are none)."""
        return self.won / self.leads if self.leads else None


class LeadService:
    """Leads, their follow-ups, and the reminders about them."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        clock: Now | None = None,
        outbox: OutboxWorker | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Now = clock or Clock.from_settings(settings)
        self.sessions = with_clock(session_factory, self.clock)
        self.outbox = outbox
        """Sends what a change put in the outbox at once (None: the background worker will)."""

    # ------------------------------------------------------------------ changes

    def create(
        self,
        customer: str,
        owner: str,
        note: str = "",
        *,
        follow_up_on: date | None = None,
        follow_up_in_days: int | None = None,
        source: str = "",
        product_interest: str = "",
        expected_qty: int | None = None,
        expected_month: date | None = None,
        actor: str | None = None,
    ) -> LeadView:
        """A new open lead and its first follow-up, due 09:00 owner-local on a working day.

        The follow-up day is `follow_up_on`, else today + `follow_up_in_days` (default 3) in the
        owner's time zone; a weekend day moves to the Monday after.
        """
        customer = customer.strip()
        if not customer:
            raise LeadError(_("Name the customer the lead is for."))
        if len(customer) > MAX_CUSTOMER_LENGTH:
            raise LeadError(_("Keep the customer's name to {n} characters.", n=MAX_CUSTOMER_LENGTH))
        if not owner:
            raise LeadError(_("A lead needs an owner."))
        if expected_qty is not None and expected_qty < 1:
            raise LeadError(
                _("The expected quantity must be at least 1, not {qty}.", qty=expected_qty)
            )
        now = self.clock()
        with write_transaction(self.sessions) as session:
            tz = self._tz(session, owner)
            today = now.astimezone(tz).date()
            if follow_up_on is None:
                days = DEFAULT_FOLLOW_UP_DAYS if follow_up_in_days is None else follow_up_in_days
                if days < 0:
                    raise LeadError(_("Follow up in a number of days from today, not before it."))
                follow_up_on = today + timedelta(days=days)
            elif follow_up_on < today:
                raise LeadError(_("{day} is in the past.", day=_day_in_year(follow_up_on)))
            lead = LeadRow(
                customer=_customer(session, customer),
                owner_slack_id=owner,
                source=source.strip(),
                product_interest=product_interest.strip(),
                expected_qty=expected_qty,
                expected_month=expected_month.replace(day=1) if expected_month else None,
                note=note.strip(),
                status="open",
                created_at=now,
            )
            session.add(lead)
            session.flush()
            session.add(LeadFollowupRow(lead_id=lead.id, due_at=working_start(follow_up_on, tz)))
            _audit(session, actor or owner, "lead.create", lead.id, {"customer": customer})
            session.flush()
            session.refresh(lead)
            return self._lead_view(session, lead)

    def done(
        self, followup_id: int, *, actor: str | None = None, next_on: date | None = None
    ) -> FollowupView:
        """Mark a follow-up done (twice is harmless); `next_on` schedules the next one."""
        now = self.clock()
        with write_transaction(self.sessions) as session:
            row = self._followup(session, followup_id)
            if row.done_at is None:
                row.done_at = now
                _audit(session, actor or row.lead.owner_slack_id, "lead.followup_done", row.lead_id)
            if next_on is not None:
                tz = self._tz(session, row.lead.owner_slack_id)
                session.add(LeadFollowupRow(lead_id=row.lead_id, due_at=working_start(next_on, tz)))
            session.flush()
            return _followup_view(row)

    def snooze(
        self, followup_id: int, days: int | str, *, actor: str | None = None
    ) -> FollowupView:
        """Move a follow-up to 09:00 owner-local `days` days from today, or "next week" (Monday).

        It is reminded again when the new time comes.
        """
        now = self.clock()
        with write_transaction(self.sessions) as session:
            row = self._followup(session, followup_id)
            if row.done_at is not None:
                raise LeadError(_("That follow-up is already done."))
            tz = self._tz(session, row.lead.owner_slack_id)
            today = now.astimezone(tz).date()
            if isinstance(days, str):
                if days.strip().lower().replace("_", " ") != "next week":
                    raise LeadError(
                        _(
                            "Snooze for a number of days or 'next week', not {given}.",
                            given=repr(days),
                        )
                    )
                day = today + timedelta(days=7 - today.weekday())
            else:
                if days < 1:
                    raise LeadError(_("Snooze for at least one day."))
                day = today + timedelta(days=days)
            row.snoozed_to = working_start(day, tz)
            row.reminded_at = None
            _audit(
                session,
                actor or row.lead.owner_slack_id,
                "lead.followup_snooze",
                row.lead_id,
                {"to": row.snoozed_to.isoformat()},
            )
            session.flush()
            return _followup_view(row)

    def reassign(
        self,
        lead_id: int,
        new_owner: str,
        *,
        actor: str | None = None,
        tell: Callable[[LeadView], Sequence[Mapping[str, Any]]] | None = None,
    ) -> LeadView:
        """Give the lead to `new_owner`; open follow-ups keep their day at 09:00 in the new
        owner's time zone and remind the new owner. What `tell` draws about it (outbox payloads,
        e.g. the new owner's DM) goes to the outbox in the same transaction, then out."""
        if not new_owner:
            raise LeadError(_("Name the new owner."))
        with write_transaction(self.sessions) as session:
            lead = session.get(LeadRow, lead_id)
            if lead is None:
                raise LeadNotFound(_("There is no lead {id}.", id=lead_id))
            old_tz = self._tz(session, lead.owner_slack_id)
            new_tz = self._tz(session, new_owner)
            previous = lead.owner_slack_id
            lead.owner_slack_id = new_owner
            for followup in lead.followups:
                if followup.done_at is not None:
                    continue
                followup.due_at = working_start(followup.due_at.astimezone(old_tz).date(), new_tz)
                if followup.snoozed_to is not None:
                    day = followup.snoozed_to.astimezone(old_tz).date()
                    followup.snoozed_to = working_start(day, new_tz)
                followup.reminded_at = None
            _audit(
                session,
                actor or previous,
                "lead.reassign",
                lead.id,
                {"from": previous, "to": new_owner},
            )
            session.flush()
            view = self._lead_view(session, lead)
            # What `tell` draws is for the new owner: in their language.
            with i18n.using(languages.of_user(session, self.settings, new_owner)):
                told = list(tell(view)) if tell is not None else []
            queued = [
                row.id
                for payload in told
                if (row := enqueue(session, "lead_notice", payload)) is not None
            ]
        if self.outbox is not None and queued:
            self.outbox.deliver_now(queued)
        return view

    def close(self, lead_id: int, status: str, *, actor: str | None = None) -> LeadView:
        """Mark a lead `won` or `lost`; its open follow-ups stop reminding."""
        if status not in ("won", "lost", "open"):
            raise LeadError(_("A lead is won, lost or open, not {given}.", given=repr(status)))
        with write_transaction(self.sessions) as session:
            lead = session.get(LeadRow, lead_id)
            if lead is None:
                raise LeadNotFound(_("There is no lead {id}.", id=lead_id))
            lead.status = status
            _audit(session, actor or lead.owner_slack_id, f"lead.{status}", lead.id)
            session.flush()
            return self._lead_view(session, lead)

    # ------------------------------------------------------------------ questions

    def lead(self, lead_id: int) -> LeadView:
        with self.sessions() as session:
            lead = session.get(LeadRow, lead_id)
            if lead is None:
                raise LeadNotFound(_("There is no lead {id}.", id=lead_id))
            return self._lead_view(session, lead)

    def followup(self, followup_id: int) -> FollowupView:
        with self.sessions() as session:
            return _followup_view(self._followup(session, followup_id))

    def due_reminders(self, now: datetime) -> list[LeadReminder]:
        """Open follow-ups due by `now`, not yet reminded, whose owner is at work now."""
        with self.sessions() as session:
            return [
                LeadReminder(_followup_view(row), _reminder_key(row))
                for row in self._due_rows(session, now)
            ]

    def overdue(self, owner: str | None, now: datetime) -> list[FollowupView]:
        """Open follow-ups whose due day (owner-local) is before today, oldest first."""
        with self.sessions() as session:
            return [_followup_view(row) for row in self._overdue_rows(session, owner, now)]

    def conversion_by_source(self) -> list[SourceConversion]:
        """Leads per source and how many were won, lost or are still open."""
        with self.sessions() as session:
            rows = session.execute(
                sa.select(LeadRow.source, LeadRow.status, sa.func.count())
                .group_by(LeadRow.source, LeadRow.status)
                .order_by(LeadRow.source)
            ).all()
        counts: dict[str, dict[str, int]] = {}
        for source, status, count in rows:
            counts.setdefault(source or "(none)", {})[status] = int(count)
        return [
            SourceConversion(
                source,
                sum(by.values()),
                by.get("won", 0),
                by.get("lost", 0),
                by.get("open", 0),
            )
            for source, by in sorted(counts.items())
        ]

    # ------------------------------------------------------------------ reminders (jobs)

    def queue_reminders(
        self,
        now: datetime,
        render: Callable[[FollowupView], dict[str, Any]] | None = None,
    ) -> int:
        """Put a DM in the outbox for each follow-up `due_reminders(now)` finds, once each, drawn
        in the owner's language."""
        render = render or reminder_message
        queued = 0
        with write_transaction(self.sessions) as session:
            for row in self._due_rows(session, now):
                view = _followup_view(row)
                if send_once(session, _reminder_key(row)):
                    with i18n.using(languages.of_user(session, self.settings, view.owner)):
                        args = render(view)
                    enqueue(session, "lead_reminder", {"method": "chat_postMessage", "args": args})
                    queued += 1
                row.reminded_at = now
        return queued

    def queue_overdue_lists(
        self,
        now: datetime,
        render: Callable[[str, list[FollowupView]], dict[str, Any]] | None = None,
    ) -> int:
        """Each working day from 08:00 owner-local, DM each owner their overdue follow-ups, once.

        A list that could not go out by the end of that working day (every replica was down) is
        recorded as missed instead: the next day's list carries the same follow-ups.
        """
        render = render or overdue_message
        queued = 0
        with write_transaction(self.sessions) as session:
            by_owner: dict[str, list[FollowupView]] = {}
            for row in self._overdue_rows(session, None, now):
                by_owner.setdefault(row.lead.owner_slack_id, []).append(_followup_view(row))
            for owner, followups in by_owner.items():
                tz = self._tz(session, owner)
                local = now.astimezone(tz)
                opens, closes = OVERDUE_LIST
                in_window = local.weekday() < 5 and opens <= local.time() < closes
                if in_window and send_once(session, overdue_list_key(owner, local.date())):
                    with i18n.using(languages.of_user(session, self.settings, owner)):
                        args = render(owner, followups)
                    enqueue(session, "lead_overdue", {"method": "chat_postMessage", "args": args})
                    queued += 1
                # The last working day whose window has closed: was its list ever sent?
                after = local.weekday() < 5 and local.time() >= closes
                day = local.date() if after else local.date() - timedelta(days=1)
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                was_overdue = any(f.due_at.astimezone(tz).date() < day for f in followups)
                key = overdue_list_key(owner, day)
                if was_overdue and not already_decided(session, key):
                    record_missed(session, key, f"<@{owner}>'s overdue follow-ups of {day}")
        return queued

    # ------------------------------------------------------------------ internals

    def _tz(self, session: Session, owner: str) -> ZoneInfo:
        name = session.scalar(sa.select(UserRow.tz).where(UserRow.slack_user_id == owner))
        return user_timezone(name, self.settings.tzinfo)

    def _open_followups(self, session: Session) -> sa.Select[LeadFollowupRow]:
        return (
            sa.select(LeadFollowupRow)
            .join(LeadRow)
            .where(LeadFollowupRow.done_at.is_(None), LeadRow.status == "open")
            .options(selectinload(LeadFollowupRow.lead).selectinload(LeadRow.customer))
        )

    def _due_rows(self, session: Session, now: datetime) -> list[LeadFollowupRow]:
        due = sa.func.coalesce(LeadFollowupRow.snoozed_to, LeadFollowupRow.due_at)
        rows = session.scalars(
            self._open_followups(session)
            .where(LeadFollowupRow.reminded_at.is_(None), due <= now)
            .order_by(due, LeadFollowupRow.id)
        ).all()
        zones: dict[str, ZoneInfo] = {}
        found = []
        for row in rows:
            owner = row.lead.owner_slack_id
            tz = zones.get(owner) or zones.setdefault(owner, self._tz(session, owner))
            if in_working_hours(now, tz):
                found.append(row)
        return found

    def _overdue_rows(
        self, session: Session, owner: str | None, now: datetime
    ) -> list[LeadFollowupRow]:
        due = sa.func.coalesce(LeadFollowupRow.snoozed_to, LeadFollowupRow.due_at)
        query = self._open_followups(session).where(due <= now).order_by(due, LeadFollowupRow.id)
        if owner is not None:
            query = query.where(LeadRow.owner_slack_id == owner)
        zones: dict[str, ZoneInfo] = {}
        found = []
        for row in session.scalars(query):
            who = row.lead.owner_slack_id
            tz = zones.get(who) or zones.setdefault(who, self._tz(session, who))
            if _effective_due(row).astimezone(tz).date() < now.astimezone(tz).date():
                found.append(row)
        return found

    def _followup(self, session: Session, followup_id: int) -> LeadFollowupRow:
        row = session.get(LeadFollowupRow, followup_id)
        if row is None:
            raise LeadNotFound(_("There is no follow-up {id}.", id=followup_id))
        return row

    def _lead_view(self, session: Session, lead: LeadRow) -> LeadView:
        open_ups = [f for f in lead.followups if f.done_at is None]
        nxt = min(open_ups, key=_effective_due, default=None)
        return LeadView(
            id=lead.id,
            customer=lead.customer.name,
            owner=lead.owner_slack_id,
            source=lead.source,
            product_interest=lead.product_interest,
            expected_qty=lead.expected_qty,
            expected_month=lead.expected_month,
            note=lead.note,
            status=lead.status,
            created_at=lead.created_at,
            next_followup=_followup_view(nxt) if nxt is not None else None,
        )


# --- time ----------------------------------------------------------------------------------------


def user_timezone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    """The user's Slack time zone, or `fallback` when unknown or not a zone name."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def working_day(day: date) -> date:
    """`day`, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def working_start(day: date, tz: ZoneInfo) -> datetime:
    """09:00 in `tz` on `day` (a weekend day moves to Monday), as a UTC datetime."""
    return datetime.combine(working_day(day), WORKDAY_START, tzinfo=tz).astimezone(UTC)


def in_working_hours(moment: datetime, tz: ZoneInfo) -> bool:
    """Mon–Fri, 09:00–18:00 in `tz`."""
    local = moment.astimezone(tz)
    return local.weekday() < 5 and WORKDAY_START <= local.time() < WORKDAY_END


def _day_in_year(day: date) -> str:
    """`Tue 15 Dec 2026`: a day with its year, in the active language."""
    return i18n.day(day, as_of=date.min)


def _effective_due(row: LeadFollowupRow) -> datetime:
    return row.snoozed_to or row.due_at


def overdue_list_key(owner: str, day: date) -> str:
    """The key of `owner`'s overdue list of `day` (owner-local), sent or missed once."""
    return f"lead-overdue:{owner}:{day.isoformat()}"


def _reminder_key(row: LeadFollowupRow) -> str:
    due = _effective_due(row).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return f"lead-followup:{row.id}:{row.lead.owner_slack_id}:{due}"


# --- rows and views ------------------------------------------------------------------------------


def _customer(session: Session, name: str) -> CustomerRow:
    row = session.scalar(sa.select(CustomerRow).where(CustomerRow.name == name))
    if row is None:
        row = CustomerRow(name=name)
        session.add(row)
        session.flush()
    return row


def _followup_view(row: LeadFollowupRow) -> FollowupView:
    lead = row.lead
    return FollowupView(
        id=row.id,
        lead_id=row.lead_id,
        customer=lead.customer.name,
        owner=lead.owner_slack_id,
        note=lead.note,
        due_at=_effective_due(row),
        original_due_at=row.due_at,
        done_at=row.done_at,
        reminded_at=row.reminded_at,
        product_interest=lead.product_interest,
    )


def _audit(
    session: Session, actor: str, action: str, lead_id: int, detail: dict[str, Any] | None = None
) -> None:
    session.add(
        AuditLogRow(
            actor=actor,
            action=action,
            entity="lead",
            entity_id=str(lead_id),
            detail=detail or {},
        )
    )


# --- messages ------------------------------------------------------------------------------------

FOLLOWUP_DONE = "lead_followup_done"
FOLLOWUP_SNOOZE_1 = "lead_followup_snooze_1"
FOLLOWUP_SNOOZE_3 = "lead_followup_snooze_3"
FOLLOWUP_SNOOZE_NEXT_WEEK = "lead_followup_snooze_next_week"
FOLLOWUP_REASSIGN = "lead_reassign"
FOLLOWUP_QUOTE = "lead_quote"
FOLLOWUP_BLOCK_PREFIX = "lead_followup_"
"""The reminder's buttons sit in block `lead_followup_<ID>` (the Reassign select has no value)."""
OVERDUE_SHOWN = 40
"""How many overdue follow-ups the morning list names; it says how many more there are."""


def reminder_message(followup: FollowupView) -> dict[str, Any]:
    """chat.postMessage arguments: a DM to the owner with Done, Snooze, Reassign, Quote it.

    The handlers (handlers.leads) answer these buttons by the ids above."""
    customer = escape(followup.customer)
    if followup.note:
        what = _(
            "Follow up with *{customer}*: {note}", customer=customer, note=escape(followup.note)
        )
    else:
        what = _("Follow up with *{customer}*", customer=customer)
    text = plain(what)
    value = str(followup.id)
    reassign = {
        "type": "users_select",
        "action_id": FOLLOWUP_REASSIGN,
        "placeholder": {"type": "plain_text", "text": _("Reassign")},
    }
    blocks = [
        section(what),
        actions(
            [
                button(_("Done"), FOLLOWUP_DONE, value, style="primary"),
                button(_("Snooze 1 day"), FOLLOWUP_SNOOZE_1, f"{value}:1"),
                button(_("Snooze 3 days"), FOLLOWUP_SNOOZE_3, f"{value}:3"),
                button(_("Next week"), FOLLOWUP_SNOOZE_NEXT_WEEK, f"{value}:next week"),
                reassign,
                button(_("Quote it"), FOLLOWUP_QUOTE, str(followup.lead_id)),
            ],
            block_id=f"{FOLLOWUP_BLOCK_PREFIX}{followup.id}",
        ),
    ]
    return {"channel": followup.owner, **message(text, blocks)}


def overdue_message(owner: str, followups: list[FollowupView]) -> dict[str, Any]:
    """chat.postMessage arguments: the owner's overdue follow-ups, oldest first."""
    lines = []
    for f in followups:
        customer, due = escape(f.customer), i18n.day(f.due_at.date())
        if f.note:
            line = _(
                "• *{customer}*, due {day}: {note}", customer=customer, day=due, note=escape(f.note)
            )
        else:
            line = _("• *{customer}*, due {day}", customer=customer, day=due)
        lines.append(line)
    count = len(followups)
    title = ngettext("{n} overdue lead follow-up", "{n} overdue lead follow-ups", count, n=count)
    shown = lines_within(lines, SECTION_TEXT, most=OVERDUE_SHOWN)
    return {"channel": owner, **message(title, [section(f"*{title}*"), section(shown)])}


# --- /lead ---------------------------------------------------------------------------------------

# TRANSLATORS: the command's form in your language's words (bot.collaboration.leads reads them):
# vi `/lead KHÁCH HÀNG [— ghi chú] [gọi lại sau N ngày | gọi lại NGÀY]`, zh `/lead 客户 [— 备注]
# [N天后跟进 | 日期跟进]`.
LEAD_USAGE = N_("/lead CUSTOMER [— note] [follow up in N days | on DATE]")


@dataclass(frozen=True)
class LeadRequest:
    customer: str
    note: str = ""
    follow_up_on: date | None = None
    follow_up_in_days: int | None = None


_FOLLOW_UP = re.compile(r"(?:^|(?<=\s))follow[\s-]*up\s+", re.IGNORECASE)
_IN_DAYS = re.compile(r"^in\s+(?P<n>-?\d+)\s+(?P<unit>days?|weeks?|working\s+days?)$", re.I)
_NOTE_SPLIT = re.compile(r"\s*(?:—+|–|--|:|：|\s-\s)\s*")
# The follow-up in Vietnamese and Chinese, as salespeople write it; the English `follow up …`
# works in every language. Vietnamese is matched without its diacritics (`goi lai` too).
_VI_VERB = (
    r"(?:nhac goi lai|hen goi lai|goi dien lai|goi lai|lien he lai|lien lac lai|hen gap lai|"
    r"theo doi|hen lai)"
)
_VI_FOLLOW_UP = re.compile(r"(?:^|(?<=[\s,;.]))" + _VI_VERB + r"\s*[:：]?\s+", re.IGNORECASE)
_VI_VERB_LAST = re.compile(r"(?:^|(?<=[\s,;.]))" + _VI_VERB + r"(?:\s+(?:nhe|nha|a))?\s*[.!]*$")
_VI_NUMBERS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
_VI_IN_DAYS = re.compile(
    r"^(?:sau |trong |trong vong )?(?P<n>\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi) "
    r"(?P<unit>ngay lam viec|ngay|hom|tuan)(?: nua| toi| sau)?$"
)
_VI_TIME_START = re.compile(r"\b(?:sau|trong|vao|thu|ngay|tuan|hom|mai|t[2-7]|cn|\d)", re.I)
_ZH_FOLLOW_UP = "(?:再)?(?:跟进|回访|联系|跟踪|打电话|回电话|回电|电话跟进)(?:一下|吧)*"
_ZH_IN_DAYS = re.compile(
    r"^(?P<n>\d+|[一两二三四五六七八九十])\s*(?:个)?\s*(?P<unit>天|周|星期|工作日)"
    r"(?:后|以后|之后|内|之内)$"
)
_ZH_DAY_CHARS = r"[\d\-/.年月日号周星期礼拜一二两三四五六七八九十天下这本今明后个以之内前工作\s]+"
_ZH_BY = re.compile(r"(?:之前|以前|前)$")
_MOST_DAY_CHARS = 20
"""The longest day a follow-up names is shorter (`2026年12月15日之前`, `thứ Sáu tuần sau`)."""
_LONG_PAST = timedelta(days=275)
"""A day and month without a year that next comes this far ahead was meant this year: it has
just passed (`11月1日` on 18 Nov), and is refused as past rather than taken as next year's."""
_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}


def parse_lead(
    text: str,
    today: date,
    *,
    language: str = "en",
    read_day: Callable[[str], date | None] | None = None,
) -> LeadRequest:
    """Read `/lead CUSTOMER [— note] [follow up in N days | on DATE]`.

    The note follows an em dash (or `--`, ` - `, `:`). DATE is `2026-12-15`, `Dec 15`,
    `15 Dec`, a weekday (`Friday`: the next one), `tomorrow` or `next week` (Monday).
    In `language` "vi" the follow-up may also be `gọi lại sau 3 ngày` (`3 ngày nữa`),
    `liên hệ lại vào thứ Sáu`, `hẹn gọi lại ngày 15/12`; in "zh_Hans" `3天后跟进`, `周五跟进`,
    `跟进：12月15日`. `read_day` reads those days in that language (the caller's, as
    handlers.parsing does; None when it is not a day). Raises LeadSyntaxError saying what is
    wrong, with the usage.
    """
    text = " ".join((text or "").split())
    if not text:
        raise LeadSyntaxError(_("Name the customer. Usage: `{usage}`", usage=_(LEAD_USAGE)))
    follow_up_on: date | None = None
    in_days: int | None = None
    local = _local_follow_up(text, today, language, read_day) if read_day else None
    if local is not None:
        text, follow_up_on, in_days = local
    # The last "follow up" that says when is the follow-up; any before it belong to the note
    # ("sent the follow-up mail, follow up on Dec 15"), and so does one that says no date
    # ("follow up with Jo about the price").
    for match in reversed(list(_FOLLOW_UP.finditer(text)) if local is None else []):
        when = text[match.end() :].strip().rstrip(".")
        if when.lower().startswith(("in ", "on ")) or parse_day(when, today) is not None:
            text = text[: match.start()].strip()
            follow_up_on, in_days = _parse_when(when, today)
            break
    # An em dash is the separator when there is one (`Cty Minh Phát - CN Bình Dương — cần …`).
    parts = re.split(r"\s*—+\s*", text, maxsplit=1) if "—" in text else []
    parts = parts or _NOTE_SPLIT.split(text, maxsplit=1)
    if len(parts) == 1 and language == "zh_Hans" and "，" in text:  # `华强五金，要200个`
        parts = text.split("，", 1)
    customer = parts[0].strip().strip(",，")
    note = parts[1].strip().rstrip(",;，；、").strip() if len(parts) > 1 else ""
    if not customer:
        raise LeadSyntaxError(
            _("Name the customer before the note. Usage: `{usage}`", usage=_(LEAD_USAGE))
        )
    if len(customer) > MAX_CUSTOMER_LENGTH:
        raise LeadSyntaxError(
            _(
                "That customer name is too long ({n} characters at most).",
                n=MAX_CUSTOMER_LENGTH,
            )
        )
    return LeadRequest(customer, note, follow_up_on, in_days)


def _local_follow_up(
    text: str, today: date, language: str, read_day: Callable[[str], date | None]
) -> tuple[str, date | None, int | None] | None:
    """The text without its Vietnamese or Chinese follow-up, and the follow-up's day or days;
    None when there is none (the last phrase that says when is the follow-up, as in English)."""
    if language == "vi":
        return _vi_follow_up(text, today, read_day)
    if language != "zh_Hans":
        return None
    # The day before the verb (`3天后跟进`, `周五给他打电话`): the longest end of the words before
    # the verb that reads as a day. The verb before the day (`跟进：12月15日`): the whole rest.
    verb = re.search(r"(?:给[他她您你]\s*)?" + _ZH_FOLLOW_UP + r"[。.!！]*$", text)
    if verb is not None:
        # The day is at most a few characters long (`2026年12月15日前`): only so many are read.
        head = text[: verb.start()]
        days = re.search(_ZH_DAY_CHARS + r"$", head[-_MOST_DAY_CHARS:])
        when = days[0] if days else ""
        for start in range(len(when)):
            taken = _local_when(when[start:].strip(), today, read_day, language)
            if taken is not None:
                rest = head[: len(head) - len(when) + start]
                return (rest.strip().rstrip(",;，；、 "), *taken)
    after = re.fullmatch(
        r"(?P<rest>.*?)[\s，,；;]*" + _ZH_FOLLOW_UP + r"(?:时间|日期)?[\s:：]*(?P<when>.+?)[。.]*",
        text,
    )
    if after is not None:
        taken = _local_when(after["when"].strip(), today, read_day, language)
        if taken is not None:
            return (after["rest"].strip().rstrip(",;，；、 "), *taken)
    return None


def _vi_follow_up(
    text: str, today: date, read_day: Callable[[str], date | None]
) -> tuple[str, date | None, int | None] | None:
    plain = i18n.unaccented(text).lower()  # one letter for one: positions still fit
    for match in reversed(list(_VI_FOLLOW_UP.finditer(plain))):
        if plain[: match.start()].split()[-1:] == ["da"]:  # `đã liên hệ lại 10/11`: done, not due
            continue
        rest = text[match.end() :]
        if len(rest) > _MOST_DAY_CHARS * 4:  # a follow-up's time is a few words, not a letter
            continue
        ending = re.search(r"\s+(?:nhé|nha|ạ|nhe)?\s*[.!]*$", rest)
        rest = rest[: ending.start()] if ending else rest
        taken = _local_when(rest.strip(), today, read_day, "vi")
        if taken is not None:
            return (text[: match.start()].strip(), *taken)
        # `gọi lại cho anh Hùng sau 3 ngày`: whom to call stays in the note, the time is taken.
        words = rest.split()
        if words and i18n.unaccented(words[0]).lower() in ("cho", "voi"):
            for index in range(2, min(len(words), 6)):
                if not _VI_TIME_START.match(i18n.unaccented(words[index])):
                    continue
                taken = _local_when(" ".join(words[index:]), today, read_day, "vi")
                if taken is not None:
                    kept = text[: match.end()] + " ".join(words[:index])
                    return (kept.strip(), *taken)
    # The day before the verb: `3 ngày nữa gọi lại`, `thứ 6 gọi lại nhé`.
    last = _VI_VERB_LAST.search(plain)
    if last is not None:
        ahead = text[: last.start()].split()
        for index in range(max(0, len(ahead) - 6), len(ahead)):
            taken = _local_when(" ".join(ahead[index:]), today, read_day, "vi")
            if taken is not None:
                words_kept = ahead[:index]
                if words_kept and i18n.unaccented(words_kept[-1]).lower() == "hen":
                    words_kept = words_kept[:-1]
                return (" ".join(words_kept).strip().rstrip(",;"), *taken)
    return None


def _local_when(
    written: str, today: date, read_day: Callable[[str], date | None], language: str
) -> tuple[date | None, int | None] | None:
    """The follow-up `written` says, as a day or a count of days; None when it says none."""
    plain = i18n.unaccented(written).lower().strip(" :：,，")
    written = written.strip(" :：,，")
    if language == "vi":
        plain = re.sub(r"^(?:vao|luc)\s+", "", plain)
        written = re.sub(r"^(?:vào|vao|lúc|luc)\s+", "", written, flags=re.I)
        if plain.startswith("truoc "):  # `trước thứ Sáu`: by Friday, so on it
            plain, written = plain[6:], written[6:].lstrip()
    elif language == "zh_Hans" and not _ZH_IN_DAYS.match(written):
        written = _ZH_BY.sub("", written)  # `周五前`: by Friday, so on it
        plain = written
    days = _VI_IN_DAYS.match(plain) if language == "vi" else _ZH_IN_DAYS.match(written)
    if days:
        digits = days["n"]
        if digits.isdigit():
            n = int(digits) if len(digits) <= 5 else 10**6
        else:
            n = _VI_NUMBERS.get(digits, 0) if language == "vi" else i18n.chinese_number(digits) or 0
        return None, _follow_up_days(n, weeks=days["unit"] in ("tuan", "周", "星期"))
    day = read_day(written) if written else None
    if day is None:
        return None
    _not_past(day, written, today)
    return day, None


def _follow_up_days(n: int, *, weeks: bool) -> int:
    """The days until a follow-up `n` days (or weeks) ahead, refused below 1 or beyond ten years."""
    if n < 1:
        raise LeadSyntaxError(_("Follow up in at least 1 day, not {n}.", n=n))
    if n > 3650:
        raise LeadSyntaxError(_("{n} is too far ahead to follow up.", n=n))
    return n * 7 if weeks else n


def _not_past(day: date, written: str, today: date) -> None:
    """Refuse a follow-up already past: a whole date before today, or a day and month without a
    year that has just passed (next year's would be almost a year ahead: a slip, not a plan)."""
    if day < today or (day - today > _LONG_PAST and not re.search(r"\d{4}", written)):
        shown = day if day < today else day.replace(year=day.year - 1)
        raise LeadSyntaxError(
            _("{day} is in the past; follow up today or later.", day=_day_in_year(shown))
        )


def _parse_when(when: str, today: date) -> tuple[date | None, int | None]:
    lowered = when.lower()
    days = _IN_DAYS.match(lowered)
    if days:
        digits = days.group("n")
        if len(digits.lstrip("-0")) > 5:  # thousands of digits would not even make a number
            raise LeadSyntaxError(_("{n}… is too far ahead to follow up.", n=digits[:12]))
        return None, _follow_up_days(int(digits), weeks=days.group("unit").startswith("week"))
    if lowered.startswith("in "):
        raise LeadSyntaxError(
            _(
                "Say how many days: `follow up in 3 days`, not `follow up {when}`. "
                "Usage: `{usage}`",
                when=when,
                usage=_(LEAD_USAGE),
            )
        )
    if lowered.startswith("on "):
        lowered = lowered[3:].strip()
    day = parse_day(lowered, today)
    if day is None:
        raise LeadSyntaxError(
            _(
                "{given} is not a date I can read; try `on 2026-12-15`, `on Dec 15` or "
                "`in 3 days`. Usage: `{usage}`",
                given=repr(when),
                usage=_(LEAD_USAGE),
            )
        )
    _not_past(day, lowered, today)
    return day, None


def parse_day(text: str, today: date) -> date | None:
    """A day from `2026-12-15`, `Dec 15`, `15 December`, `Friday`, `tomorrow`, `next week`."""
    text = text.strip().lower().rstrip(".").replace(",", " ")
    text = " ".join(text.split())
    if text in ("today",):
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if text == "next week":
        return today + timedelta(days=7 - today.weekday())
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if text in _WEEKDAYS:
        ahead = (_WEEKDAYS[text] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    words = text.split()
    month = day = year = None
    for word in words:
        stripped = re.sub(r"(st|nd|rd|th)$", "", word)
        if word in _MONTHS:
            month = _MONTHS[word]
        elif stripped.isdigit() and len(stripped) == 4:
            year = int(stripped)
        elif stripped.isdigit():
            day = int(stripped)
        else:
            return None
    if month is None or day is None:
        return None
    try:
        found = date(year or today.year, month, day)
    except ValueError:
        return None
    if year is None and found < today:
        try:
            found = date(today.year + 1, month, day)
        except ValueError:
            return None
    return found
