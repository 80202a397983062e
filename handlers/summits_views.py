"""What the summit looks like in Slack: its schedule, the next agenda with RSVP buttons, who is
coming, and the forms for an agenda point and for the decisions.

The reminders a week and a day before are drawn by bot.collaboration.summits (the scheduler posts
them); they share its buttons and agenda blocks, and so the ids below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.collaboration.summits import (
    ADD_POINT,
    RSVP_MAYBE,
    RSVP_NO,
    RSVP_YES,
    SCHEDULE_EXAMPLE,
    Agenda,
    AgendaPoint,
    SummitView,
    agenda_blocks,
    summit_buttons,
)
from bot.platform import blockkit as kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext

SUMMIT_RSVP_YES = RSVP_YES
SUMMIT_RSVP_MAYBE = RSVP_MAYBE
SUMMIT_RSVP_NO = RSVP_NO
SUMMIT_ADD_POINT = ADD_POINT
"""A summit message's buttons (bot.collaboration.summits draws them on the reminders too)."""
SUMMIT_RECORD_DECISIONS = "summit_record_decisions"
SUMMIT_POINT_MODAL = "summit_point_modal"
SUMMIT_DECISIONS_MODAL = "summit_decisions_modal"
"""The organiser's button and the two forms, and below the forms' fields."""
POINT_BLOCK, POINT_ACTION = "summit_point", "summit_point_input"
DECISIONS_BLOCK, DECISIONS_ACTION = "summit_decisions", "summit_decisions_input"
DONE_POINTS_BLOCK, DONE_POINTS_ACTION = "summit_done_points", "summit_done_points_select"
RSVP_BLOCK = "summit_rsvps"


def summit_usage() -> str:
    """How to use `/summit`, in the reader's language (the commands stay as typed)."""
    return _(
        "`/summit` shows the next summit and its agenda. "
        "`/summit {example} [at LOCATION] [in #channel]` schedules the monthly "
        "summit (you organise it; it meets in this channel unless you name another). "
        "`/summit decisions TEXT` records what the last summit decided. `/summit cancel` stops it.",
        example=_(SCHEDULE_EXAMPLE),
    )


def _day_in_year(local: datetime) -> str:
    """`Tue 1 Dec 2026`: the day of a moment, with its year, in the reader's language."""
    return i18n.day(local.date(), as_of=date.min)


def summit_scheduled_message(summit: SummitView, replaced: Sequence[str] = ()) -> dict[str, Any]:
    """The scheduled summit, posted in its channel (drawn in the channel's language)."""
    tz = ZoneInfo(summit.timezone)
    fields = {
        "summit": kit.escape(summit.title),
        "schedule": summit.schedule.description,
        "timezone": summit.timezone,
        "place": kit.escape(summit.location),
        "person": kit.mention(summit.organiser),
        "channel": kit.channel_link(summit.channel),
    }
    if summit.location:
        line = _(
            "*{summit}* meets {schedule} ({timezone}) in {place}, organised by {person}. "
            "Reminders with the agenda go to {channel} a week and a day before.",
            **fields,
        )
        text = _("{summit} scheduled: {schedule} in {place}", **fields)
    else:
        line = _(
            "*{summit}* meets {schedule} ({timezone}), organised by {person}. "
            "Reminders with the agenda go to {channel} a week and a day before.",
            **fields,
        )
        text = _("{summit} scheduled: {schedule}", **fields)
    line = ":calendar: " + line
    if summit.next_at is not None:
        local = summit.next_at.astimezone(tz)
        line += "\n" + _(
            "Next: *{day} at {time}*.", day=_day_in_year(local), time=format(local, "%H:%M")
        )
        # TRANSLATORS: scheduled is the sentence "… scheduled: first Tuesday of the month, 10:00".
        text = _(
            "{scheduled}; next {day} {time}",
            scheduled=text,
            day=kit.day(local.date()),
            time=format(local, "%H:%M"),
        )
    if replaced:
        was = kit.escape("; ".join(replaced))
        line += "\n" + _("This replaces the earlier schedule ({was}).", was=was)
        # TRANSLATORS: scheduled is the sentence "… scheduled: …"; was, the earlier schedules.
        text = _("{scheduled} (replaces {was})", scheduled=text, was=was)
    return kit.message(text, [kit.section(line)])


def summit_agenda_message(
    summit: SummitView,
    occurrence_id: int,
    starts_at: datetime,
    agenda: Agenda,
    *,
    last_occurrence_id: int | None = None,
    last_starts_at: datetime | None = None,
    show_record: bool = False,
) -> dict[str, Any]:
    """`/summit`: the next occurrence, its agenda, and its buttons (RSVP, add a point; for the
    organiser, record the decisions of the last one)."""
    tz = ZoneInfo(summit.timezone)
    local = starts_at.astimezone(tz)
    when = {"summit": summit.title, "day": _day_in_year(local), "time": format(local, "%H:%M")}
    if summit.location:
        title = _("{summit}: {day} at {time} in {place}", place=summit.location, **when)
    else:
        title = _("{summit}: {day} at {time}", **when)
    buttons = summit_buttons(occurrence_id)
    if show_record and last_occurrence_id is not None and last_starts_at is not None:
        last = last_starts_at.astimezone(tz)
        buttons.append(
            kit.button(
                _("Record decisions of {day}", day=kit.day(last.date())),
                SUMMIT_RECORD_DECISIONS,
                f"{summit.id}:{last_occurrence_id}",
            )
        )
    blocks = [
        kit.header(title),
        kit.context(
            _(
                "{schedule} · {channel} · organised by {person}",
                schedule=kit.escape(summit.schedule.description),
                channel=kit.channel_link(summit.channel),
                person=kit.mention(summit.organiser),
            )
        ),
        *agenda_blocks(agenda, _("Nothing from the data yet; add your points.")),
        kit.actions(buttons, block_id=f"summit_{occurrence_id}"),
    ]
    return kit.message(f"{kit.escape(title)}\n{agenda.text()}", blocks)


def with_rsvps(shown: dict[str, Any], answers: dict[str, list[str]]) -> dict[str, Any]:
    """`shown` (a summit reminder as Slack shows it) with the answers so far under its title."""
    original = [b for b in shown.get("blocks") or [] if b.get("block_id") != RSVP_BLOCK]
    parts = []
    for answer in ("yes", "maybe", "no"):
        people = answers.get(answer) or []
        if people:
            parts.append(_answered(answer, ", ".join(kit.mention(p) for p in people)))
    tally = kit.context(" · ".join(parts) or _("No answers yet"), block_id=RSVP_BLOCK)
    at = 1 if original and original[0].get("type") == "header" else 0
    return kit.message(
        shown.get("text") or _("Summit reminder"), [*original[:at], tally, *original[at:]]
    )


def _answered(answer: str, people: str) -> str:
    """Who gave `answer`: `Coming: @ann, @bob` (people: Slack mentions)."""
    if answer == "yes":
        # TRANSLATORS: people is a list of Slack mentions.
        return _("Coming: {people}", people=people)
    if answer == "maybe":
        return _("Maybe: {people}", people=people)
    return _("Can't come: {people}", people=people)


def point_modal(heading: str, metadata: str) -> dict[str, Any]:
    """A point for the agenda of the summit `heading` names (the reminder's title)."""
    field = kit.text_input(POINT_ACTION, multiline=True, max_length=500)
    blocks = [
        kit.section(_("For *{summit}*", summit=kit.escape(heading))),
        kit.input_block(POINT_BLOCK, _("What should the summit talk about?"), field),
    ]
    return kit.form(_("Add an agenda point"), blocks, SUMMIT_POINT_MODAL, _("Add"), metadata)


def decisions_modal(
    summit_title: str,
    starts_at: datetime,
    points: Sequence[AgendaPoint],
    metadata: str,
) -> dict[str, Any]:
    """What the organiser writes after a summit: the decisions, and which points were dealt with
    (the others are carried over to the next agenda)."""
    local = starts_at  # the agenda's start, in the summit's time zone
    blocks = [
        kit.section(
            _(
                "*{summit}*, {day}: the next agenda shows what you write here.",
                summit=kit.escape(summit_title),
                day=_day_in_year(local),
            )
        ),
        kit.input_block(
            DECISIONS_BLOCK, _("Decisions"), kit.text_input(DECISIONS_ACTION, multiline=True)
        ),
    ]
    undone = [p for p in points if not p.done]
    open_points = undone[: kit.CHECKBOX_OPTIONS]  # Slack shows 10 checkboxes at most
    if open_points:
        blocks.append(
            kit.input_block(
                DONE_POINTS_BLOCK,
                _("Points dealt with (the rest carry over)"),
                {
                    "type": "checkboxes",
                    "action_id": DONE_POINTS_ACTION,
                    "options": [kit.option(p.text, str(p.id)) for p in open_points],
                },
                optional=True,
            )
        )
    if len(undone) > len(open_points):
        left_out = len(undone) - len(open_points)
        blocks.append(kit.context(kit.and_more(left_out, _more_points)))
    return kit.form(_("Record decisions"), blocks, SUMMIT_DECISIONS_MODAL, _("Save"), metadata)


def summit_cancelled_message(summit: SummitView) -> dict[str, Any]:
    return kit.info_message(
        ":no_entry_sign: "
        + _(
            "{summit} is cancelled: no more reminders in {channel}.",
            summit=kit.escape(summit.title),
            channel=kit.channel_link(summit.channel),
        )
    )


def decisions_saved_message(summit: SummitView, starts_at: datetime, text: str) -> dict[str, Any]:
    local = starts_at.astimezone(ZoneInfo(summit.timezone))
    return kit.info_message(
        ":memo: "
        + _(
            "Decisions of {summit} on {day} recorded; the next agenda shows them: {text}",
            summit=kit.escape(summit.title),
            day=kit.day(local.date()),
            text=kit.escape(text),
        )
    )


def summit_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = kit.escape(str(error) if error else _("Here is how to run the summit."))
    usage = summit_usage()
    return kit.message(
        f"{problem} {usage}", [kit.section(f":warning: {problem}"), kit.context(usage)]
    )


def _more_points(n: int) -> str:
    return ngettext(
        "and {n} more point, not listed here, carries over",
        "and {n} more points, not listed here, carry over",
        n,
        n=n,
    )
