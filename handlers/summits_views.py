"""What the summit looks like in Slack: its schedule, the next agenda with RSVP buttons, who is
coming, and the forms for an agenda point and for the decisions.

The reminders a week and a day before are drawn by bot.collaboration.summits (the scheduler posts
them); they share its buttons and agenda blocks, and so the ids below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.collaboration.summits import (
    ADD_POINT,
    RSVP_MAYBE,
    RSVP_NO,
    RSVP_YES,
    SCHEDULE_USAGE,
    Agenda,
    AgendaPoint,
    SummitView,
    agenda_blocks,
    summit_buttons,
)
from bot.platform import blockkit as kit
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

SUMMIT_USAGE = (
    "`/summit` shows the next summit and its agenda. "
    f"`/summit {SCHEDULE_USAGE.split(' (')[0]} [at LOCATION] [in #channel]` schedules the monthly "
    "summit (you organise it; it meets in this channel unless you name another). "
    "`/summit decisions TEXT` records what the last summit decided. `/summit cancel` stops it."
)


def summit_scheduled_message(summit: SummitView, replaced: Sequence[str] = ()) -> dict[str, Any]:
    tz = ZoneInfo(summit.timezone)
    place = f" in {summit.location}" if summit.location else ""
    place = kit.escape(place)
    line = (
        f":calendar: *{kit.escape(summit.title)}* meets {summit.schedule.description}"
        f" ({summit.timezone}){place}, organised by {kit.mention(summit.organiser)}. "
        f"Reminders with the agenda go to {kit.channel_link(summit.channel)} a week and a day "
        "before."
    )
    text = f"{kit.escape(summit.title)} scheduled: {summit.schedule.description}{place}"
    if summit.next_at is not None:
        local = summit.next_at.astimezone(tz)
        line += f"\nNext: *{kit.day(local.date())} {local.year} at {local:%H:%M}*."
        text += f"; next {kit.day(local.date())} {local:%H:%M}"
    if replaced:
        was = kit.escape("; ".join(replaced))
        line += f"\nThis replaces the earlier schedule ({was})."
        text += f" (replaces {was})"
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
    place = f" in {summit.location}" if summit.location else ""
    title = f"{summit.title}: {kit.day(local.date())} {local.year} at {local:%H:%M}{place}"
    buttons = summit_buttons(occurrence_id)
    if show_record and last_occurrence_id is not None and last_starts_at is not None:
        last = last_starts_at.astimezone(tz)
        buttons.append(
            kit.button(
                f"Record decisions of {kit.day(last.date())}",
                SUMMIT_RECORD_DECISIONS,
                f"{summit.id}:{last_occurrence_id}",
            )
        )
    blocks = [
        kit.header(title),
        kit.context(
            f"{kit.escape(summit.schedule.description)} · {kit.channel_link(summit.channel)} · "
            f"organised by {kit.mention(summit.organiser)}"
        ),
        *agenda_blocks(agenda, "Nothing from the data yet; add your points."),
        kit.actions(buttons, block_id=f"summit_{occurrence_id}"),
    ]
    return kit.message(f"{kit.escape(title)}\n{agenda.text()}", blocks)


def with_rsvps(shown: dict[str, Any], answers: dict[str, list[str]]) -> dict[str, Any]:
    """`shown` (a summit reminder as Slack shows it) with the answers so far under its title."""
    original = [b for b in shown.get("blocks") or [] if b.get("block_id") != RSVP_BLOCK]
    parts = []
    for answer, label in (("yes", "Coming"), ("maybe", "Maybe"), ("no", "Can't come")):
        people = answers.get(answer) or []
        if people:
            parts.append(f"{label}: " + ", ".join(kit.mention(p) for p in people))
    tally = kit.context(" · ".join(parts) or "No answers yet", block_id=RSVP_BLOCK)
    at = 1 if original and original[0].get("type") == "header" else 0
    return kit.message(
        shown.get("text") or "Summit reminder", [*original[:at], tally, *original[at:]]
    )


def point_modal(heading: str, metadata: str) -> dict[str, Any]:
    """A point for the agenda of the summit `heading` names (the reminder's title)."""
    field = kit.text_input(POINT_ACTION, multiline=True, max_length=500)
    blocks = [
        kit.section(f"For *{kit.escape(heading)}*"),
        kit.input_block(POINT_BLOCK, "What should the summit talk about?", field),
    ]
    return kit.form("Add an agenda point", blocks, SUMMIT_POINT_MODAL, "Add", metadata)


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
            f"*{kit.escape(summit_title)}*, {kit.day(local.date())} {local.year}: "
            "the next agenda shows what you write here."
        ),
        kit.input_block(
            DECISIONS_BLOCK, "Decisions", kit.text_input(DECISIONS_ACTION, multiline=True)
        ),
    ]
    undone = [p for p in points if not p.done]
    open_points = undone[: kit.CHECKBOX_OPTIONS]  # Slack shows 10 checkboxes at most
    if open_points:
        blocks.append(
            kit.input_block(
                DONE_POINTS_BLOCK,
                "Points dealt with (the rest carry over)",
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
    return kit.form("Record decisions", blocks, SUMMIT_DECISIONS_MODAL, "Save", metadata)


def summit_cancelled_message(summit: SummitView) -> dict[str, Any]:
    return kit.info_message(
        f":no_entry_sign: {kit.escape(summit.title)} is cancelled: no more reminders in "
        f"{kit.channel_link(summit.channel)}."
    )


def decisions_saved_message(summit: SummitView, starts_at: datetime, text: str) -> dict[str, Any]:
    local = starts_at.astimezone(ZoneInfo(summit.timezone))
    return kit.info_message(
        f":memo: Decisions of {kit.escape(summit.title)} on {local:%a %-d %b} recorded; the "
        f"next agenda shows them: {kit.escape(text)}"
    )


def summit_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = kit.escape(str(error) if error else "Here is how to run the summit.")
    return kit.message(
        f"{problem} {SUMMIT_USAGE}",
        [kit.section(f":warning: {problem}"), kit.context(SUMMIT_USAGE)],
    )


def _more_points(n: int) -> str:
    return ngettext(
        "and {n} more point, not listed here, carries over",
        "and {n} more points, not listed here, carry over",
        n,
        n=n,
    )
