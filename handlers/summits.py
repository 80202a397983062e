"""The monthly sales–operations summit in Slack: `/summit`, RSVPs, agenda points and decisions.

`/summit first Tuesday 10:00 [at LOCATION] [in #channel]` schedules it (the caller organises it; it
meets in the channel the command was typed in unless another is named). `/summit` alone shows the
next occurrence with its agenda. The reminders a week and a day before (drawn by
bot.collaboration.summits.reminder_message, posted by the scheduler) carry RSVP buttons, which
update the reminder in place with who is coming, and "Add an agenda point", which opens a form.
After the summit its organiser (or a manager) records the decisions, with the "Record decisions"
button of `/summit` or `/summit decisions TEXT`; the next agenda shows them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.collaboration.summits import (
    DEFAULT_TITLE,
    SummitError,
    SummitService,
    SummitView,
    describe,
    heading,
    parse_schedule,
)
from bot.platform import blockkit as blocks
from bot.platform import i18n
from bot.platform.blockkit import channel_link, escape, info_message, loading_modal, notice_modal
from bot.platform.i18n import gettext as _
from bot.platform.languages import Languages
from bot.platform.users import NotAllowed, UserService
from capacity.model import PlanningError
from handlers import summits_views as views
from handlers.common import form_errors, metadata, open_modal, refuse, release, tell, user_id

log = logging.getLogger(__name__)

SUMMIT_COMMAND = "/summit"
RSVPS = {
    views.SUMMIT_RSVP_YES: "yes",
    views.SUMMIT_RSVP_MAYBE: "maybe",
    views.SUMMIT_RSVP_NO: "no",
}
ONCE_ACTIONS: frozenset[str] = frozenset()
"""An RSVP may be changed and the other buttons open forms: none needs guarding; the forms'
submissions are acted on once by the app's view key."""

_CHANNEL = re.compile(r"\s+in\s+(?:<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>|(?P<name>#[\w.-]+))\s*$")
_WHEN_WHERE = re.compile(
    r"^(?P<when>.*?\d{1,2}(?::\d{2})?\s*(?:am|pm)?)(?:\s+at\s+(?P<where>.+))?$", re.IGNORECASE
)
_LOCAL_CHANNEL = re.compile(
    r"\s*(?:\btrong\b|在)\s*(?:<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>|(?P<name>#[\w.-]+))\s*$"
)
_LOCAL_WHERE = {
    "vi": re.compile(r"\s+(?:tại|tai|ở)\s+", re.IGNORECASE),
    "zh_Hans": re.compile(r"\s*(?:地点[:：]?|在)\s*"),
}
_LOCAL_VERBS = {
    "vi": {
        "quyết định": "decisions",
        "quyet dinh": "decisions",
        "hủy cuộc họp": "cancel",
        "huỷ cuộc họp": "cancel",
        "huy cuoc hop": "cancel",
        "hủy bỏ": "cancel",
        "huy bo": "cancel",
        "hủy": "cancel",
        "huỷ": "cancel",
        "huy": "cancel",
        "trợ giúp": "help",
        "tro giup": "help",
    },
    "zh_Hans": {
        "决定": "decisions",
        "决议": "decisions",
        "取消会议": "cancel",
        "取消": "cancel",
        "帮助": "help",
    },
}
"""`/summit quyết định …`, `/summit 取消`: the verbs in the writer's language."""
_LOOK_BACK = timedelta(days=62)
"""How far back the last occurrence is looked for (two months: a monthly summit's last one)."""


def register(app: App) -> None:
    app.command(SUMMIT_COMMAND)(summit_command)
    for action_id in RSVPS:
        app.action(action_id)(rsvp_clicked)
    app.action(views.SUMMIT_ADD_POINT)(add_point_clicked)
    app.action(views.SUMMIT_RECORD_DECISIONS)(record_decisions_clicked)
    app.view(views.SUMMIT_POINT_MODAL)(point_submitted)
    app.view(views.SUMMIT_DECISIONS_MODAL)(decisions_submitted)


# --- /summit ------------------------------------------------------------------------------------


def summit_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    summits: SummitService,
    users: UserService,
    languages: Languages,
) -> None:
    """`/summit [SCHEDULE [at LOCATION] [in #channel] | decisions TEXT | cancel | help]`."""
    ack()
    text = " ".join((command.get("text") or "").split())
    user = command["user_id"]
    channel = command.get("channel_id") or ""
    lowered = text.lower()
    for local, english in _LOCAL_VERBS.get(i18n.active(), {}).items():
        if lowered == local or re.match(re.escape(local) + r"(?:\s|[:：])", lowered):
            text = english + " " + text[len(local) :].lstrip(" :：")
            text = text.strip()
            break
    verb, _space, rest = text.partition(" ")
    verb = verb.lower()
    try:
        if not text:
            release(context)  # looking changes nothing that matters
            respond(response_type="ephemeral", **_overview(summits, users, user, channel))
        elif verb in ("help", "?"):
            release(context)
            respond(response_type="ephemeral", **views.summit_usage_message())
        elif verb in ("decisions", "decided", "decision"):
            summit = _summit_for(summits, channel)
            _require_organiser(users, user, summit, "record its decisions")
            last = _last_start(summits, summit)
            occurrence = summits.occurrence(summit.id, last)
            summits.record_decisions(occurrence.id, rest, actor=user)
            respond(response_type="ephemeral", **views.decisions_saved_message(summit, last, rest))
        elif verb == "cancel" and not rest:
            summit = _summit_for(summits, channel)
            _require_organiser(users, user, summit, "cancel it")
            summits.cancel(summit.id, actor=user)
            respond(
                response_type="ephemeral",
                **views.summit_cancelled_message(summit),
            )
        else:
            when, location, where = _parse_schedule_text(text)
            schedule = parse_schedule(when)
            if where == f"#{command.get('channel_name')}":
                where = channel
            if where and where != channel:
                _require_member(client, where, user)
            # One summit per channel: scheduling again moves it (for its organiser or a manager).
            replaced = [s for s in summits.summits() if s.channel == (where or channel)]
            for old in replaced:
                _require_organiser(users, user, old, "move it")
            summit = summits.schedule(
                DEFAULT_TITLE,
                schedule,
                channel=where or channel,
                organiser=user,
                location=location,
            )
            for old in replaced:
                summits.cancel(old.id, actor=user)
            # Posted in the channel for everyone: in the channel's language.
            with i18n.using(languages.of_channel(channel)):
                message = views.summit_scheduled_message(
                    _described(summit), replaced=[describe(old.schedule.fields) for old in replaced]
                )
            respond(response_type="in_channel", **message)
    except SummitError as error:
        refuse(context, respond, error, message=views.summit_usage_message(error))
    except NotInChannel as error:
        refuse(context, respond, error, message=error.message())
    except PlanningError as error:
        refuse(context, respond, error)


def _overview(
    summits: SummitService, users: UserService, user: str, channel: str
) -> dict[str, Any]:
    summit = _summit_for(summits, channel)
    if summit.next_at is None:
        raise SummitError(_("{summit} has no next date.", summit=summit.title))
    # The last occurrence first: a new occurrence carries over the points its predecessor left.
    last_id = last_at = None
    can_record = _is_organiser(users, user, summit)
    if can_record:
        try:
            last_at = _last_start(summits, summit)
            last_id = summits.occurrence(summit.id, last_at).id
        except SummitError:
            last_at = None
    occurrence = summits.occurrence(summit.id, summit.next_at)
    return views.summit_agenda_message(
        summit,
        occurrence.id,
        occurrence.starts_at,
        summits.agenda(occurrence.id),
        last_occurrence_id=last_id,
        last_starts_at=last_at,
        show_record=can_record,
    )


def _parse_schedule_text(text: str) -> tuple[str, str, str | None]:
    """`first Tuesday 10:00 at Plant 2 in #sales-ops` → (when, location, channel); in Vietnamese
    the place follows `tại` or `ở`, in Chinese `在` or `地点`, and the channel `trong`/`在`."""
    channel = None
    found = _CHANNEL.search(text) or _LOCAL_CHANNEL.search(text)
    if found:
        channel = found.group("id") or found.group("name")
        text = text[: found.start()].strip()
    local = _LOCAL_WHERE.get(i18n.active())
    place = local.search(text) if local else None
    if place and place.start() > 0:
        return text[: place.start()].strip(), text[place.end() :].strip(), channel
    if local:  # `每周一 9点`, `thứ Hai hàng tuần 9h`: parse_schedule judges the time
        return text, "", channel
    match = _WHEN_WHERE.match(text)
    if match is None:
        raise SummitError(
            _(
                "Say when the summit meets, with a time of day: `/summit first Tuesday 10:00`, "
                "not {given}.",
                given=repr(text),
            )
        )
    return match.group("when"), (match.group("where") or "").strip(), channel


_MEMBER_PAGES = 20
"""conversations.members pages (of 1,000) read before giving up on a huge channel."""


class NotInChannel(NotAllowed):
    """Refused for a channel: `{channel}` in the text stands for a link to it, which the
    refusal draws as Slack's channel mention (everything else in it is escaped)."""

    def __init__(self, template: str, channel: str) -> None:
        super().__init__(template.format(channel=f"#{channel}"))
        self.template = template
        self.channel = channel

    def message(self) -> dict[str, Any]:
        before, _mark, after = self.template.partition("{channel}")
        text = f"{escape(before)}{channel_link(self.channel)}{escape(after)}"
        return blocks.message(text, [blocks.section(f":warning: {text}")])


def _require_member(client: WebClient, channel: str, user: str) -> None:
    """Only a member of `channel` may schedule a summit there (its reminders go to everyone in
    it). Slack only tells the members of a channel named by its id; anything else fails closed."""
    if channel.startswith("#"):
        raise NotAllowed(
            _(
                "Pick the channel from the list Slack offers as you type `#` (not {channel} as "
                "text), so promisebot can check that you are in it; or run `/summit` in it.",
                channel=channel,
            )
        )
    cursor = None
    for _page in range(_MEMBER_PAGES):
        try:
            page = client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        except SlackApiError as error:
            log.info("conversations.members %s: %s", channel, error.response.get("error"))
            break
        if user in (page.get("members") or []):
            return
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            # TRANSLATORS: {channel} becomes a link to the channel; keep it as it is.
            raise NotInChannel(
                _(
                    "You are not in {channel}, so you cannot schedule its summit: its reminders "
                    "go to everyone there. Join it first, or run `/summit` in a channel you are in."
                ),
                channel,
            )
    raise NotInChannel(
        _(
            "promisebot cannot see who is in {channel} (a private channel, or one it was not "
            "invited to), so it cannot check that you are in it: run `/summit` in that channel."
        ),
        channel,
    )


# --- the reminder's buttons ---------------------------------------------------------------------


def rsvp_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    summits: SummitService,
    languages: Languages,
) -> None:
    """I'll be there / Maybe / Can't come: recorded, and the reminder shows who answered what."""
    ack()
    user = user_id(body)
    answer = RSVPS[action["action_id"]]
    try:
        answers = summits.rsvp(int(action["value"]), user, answer)
    except (SummitError, ValueError) as error:
        refuse(context, respond, error)
        return
    message = body.get("message")
    if message:  # a reminder in the channel: everyone sees who is coming, in its language
        channel = (body.get("channel") or {}).get("id") or ""
        with i18n.using(languages.of_channel(channel)):
            updated = views.with_rsvps(message, answers)
        respond(replace_original=True, **updated)
        return
    respond(
        response_type="ephemeral",
        replace_original=False,
        **info_message(":white_check_mark: " + _noted(answer)),
    )


def add_point_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    summits: SummitService,
) -> None:
    """Open the form for a point on the agenda of the summit the button is about.

    The form names the summit, its time and place in full, from the occurrence (a reminder's
    header may be cut to Slack's 150 characters). One row read by its key: well within the 3 s
    a trigger_id lasts, so no loading view first."""
    ack()
    release(context)
    occurrence_id = int(action["value"])
    data = json.dumps(
        {"occurrence": occurrence_id, "channel": (body.get("channel") or {}).get("id")}
    )
    try:
        summit, occurrence = summits.occurrence_of(occurrence_id)
        view = views.point_modal(heading(summit, occurrence.starts_at), data)
    except SummitError as error:
        view = notice_modal(_("Add an agenda point"), str(error))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def point_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    summits: SummitService,
) -> None:
    user = user_id(body)
    data = metadata(view)
    state = view["state"]["values"].get(views.POINT_BLOCK) or {}
    text = (state.get(views.POINT_ACTION) or {}).get("value") or ""
    try:
        point = summits.add_agenda_point(int(data["occurrence"]), user, text)
    except (SummitError, KeyError, ValueError) as error:
        form_errors(context, ack, {views.POINT_BLOCK: str(error)})
        return
    ack()
    tell(
        client,
        user,
        data.get("channel"),
        info_message(":pushpin: " + _("On the agenda: {point}", point=escape(point.text))),
    )


def record_decisions_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    summits: SummitService,
    users: UserService,
) -> None:
    """The organiser's button: a form for the decisions and the points dealt with."""
    ack()
    release(context)
    user = user_id(body)
    summit_id, occurrence_id = (int(part) for part in str(action["value"]).split(":"))
    try:
        summit = next((s for s in summits.summits(active_only=False) if s.id == summit_id), None)
        if summit is None:
            raise SummitError(_("There is no summit {id}.", id=summit_id))
        _require_organiser(users, user, summit, "record its decisions")
    except PlanningError as error:
        refuse(context, respond, error)
        return

    def fill() -> dict[str, Any]:
        # The agenda reads the plan: only once the loading view is open.
        agenda = summits.agenda(occurrence_id)
        data = json.dumps(
            {"occurrence": occurrence_id, "channel": (body.get("channel") or {}).get("id")}
        )
        return views.decisions_modal(
            summit.title, agenda.starts_at, [*agenda.carried_over, *agenda.points], data
        )

    open_modal(client, body["trigger_id"], loading_modal(_("Record decisions")), fill)


def decisions_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    summits: SummitService,
) -> None:
    user = user_id(body)
    data = metadata(view)
    values = view["state"]["values"]
    text = ((values.get(views.DECISIONS_BLOCK) or {}).get(views.DECISIONS_ACTION) or {}).get(
        "value"
    ) or ""
    chosen = ((values.get(views.DONE_POINTS_BLOCK) or {}).get(views.DONE_POINTS_ACTION) or {}).get(
        "selected_options"
    ) or []
    if not text.strip():
        form_errors(context, ack, {views.DECISIONS_BLOCK: _("Write them down.")})
        return
    try:
        summits.record_decisions(
            int(data["occurrence"]),
            text,
            actor=user,
            done_points=[int(option["value"]) for option in chosen],
        )
    except (SummitError, KeyError, ValueError) as error:
        form_errors(context, ack, {views.DECISIONS_BLOCK: str(error)})
        return
    ack()
    tell(
        client,
        user,
        data.get("channel"),
        info_message(":memo: " + _("Decisions recorded; the next agenda shows them.")),
    )


# --- pieces -------------------------------------------------------------------------------------


def _summit_for(summits: SummitService, channel: str) -> SummitView:
    """The active summit that meets in `channel`, else the first one scheduled."""
    active = summits.summits()
    if not active:
        raise SummitError(_("No summit is scheduled yet."))
    return next((s for s in active if s.channel == channel), active[0])


def _last_start(summits: SummitService, summit: SummitView) -> datetime:
    """When the last occurrence (at or before now) started."""
    now = summits.clock()
    starts = summits.next_occurrences(summit.id, after=now - _LOOK_BACK, count=12)
    past = [s for s in starts if s <= now]
    if not past:
        raise SummitError(
            _("{summit} has not met yet; record decisions after it has.", summit=summit.title)
        )
    return past[-1]


def _is_organiser(users: UserService, user: str, summit: SummitView) -> bool:
    return user == summit.organiser or users.role(user) in ("manager", "admin")


def _require_organiser(users: UserService, user: str, summit: SummitView, doing: str) -> None:
    """Only the organiser or a manager may `doing` (record its decisions, cancel it, move it)."""
    if not _is_organiser(users, user, summit):
        organiser = "<@" + summit.organiser + ">"
        raise NotAllowed(_refusal(doing, organiser, summit.title))


def _refusal(doing: str, organiser: str, summit: str) -> str:
    """Why only the organiser or a manager may do `doing`, as one whole sentence."""
    fields = {"organiser": organiser, "summit": summit}
    if doing == "cancel it":
        return _("{organiser} organises {summit}; only they or a manager can cancel it.", **fields)
    if doing == "move it":
        return _("{organiser} organises {summit}; only they or a manager can move it.", **fields)
    return _(
        "{organiser} organises {summit}; only they or a manager can record its decisions.",
        **fields,
    )


def _noted(answer: str) -> str:
    """The ephemeral acknowledgement of an RSVP."""
    if answer == "yes":
        return _("Noted: you'll be there.")
    if answer == "maybe":
        return _("Noted: maybe.")
    return _("Noted: you can't come.")


def _described(summit: SummitView) -> SummitView:
    """`summit` with its schedule said in the active language."""
    schedule = dataclasses.replace(summit.schedule, description=describe(summit.schedule.fields))
    return dataclasses.replace(summit, schedule=schedule)
