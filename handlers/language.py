"""`/promisebot language [LANGUAGE] [me|channel]` and the Home tab's language select.

Alone, the command says which language you read and why, and the channel's. With a language
(`vi`, `zh_Hans`, `en`, a name like `Tiếng Việt`, or `auto` for your Slack language) it sets
yours; typed in a channel by an admin it sets that channel's, which the messages everyone there
shares are written in (`me` sets only your own, `channel` insists on the channel's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.languages import Languages
from bot.platform.users import NotAllowed, UserService
from bot.promising.capacity_requests import CapacityRequestService
from bot.promising.orders import OrderService
from capacity.model import PlanningError
from handlers import language_views as views
from handlers.common import refuse
from handlers.home import publish_home

ONCE_ACTIONS: frozenset[str] = frozenset()
"""Choosing a language twice changes nothing more: no delivery key needed."""

_MINE = ("me", "mine", "tôi", "我")
_CHANNEL = ("channel", "kênh", "频道")


def register(app: App) -> None:
    app.action(views.HOME_LANGUAGE)(home_language_chosen)


def language_command(
    words: Sequence[str],
    actor: str,
    channel: str | None,
    reply: Callable[[dict[str, Any]], None],
    client: WebClient,
    languages: Languages,
    users: UserService,
) -> None:
    """What `/promisebot language …` does; PlanningError (said to the user) when it cannot."""
    rest = list(words)
    mine = any(w.lower() in _MINE for w in rest)
    for_channel = any(w.lower() in _CHANNEL for w in rest)
    rest = [w for w in rest if w.lower() not in _MINE + _CHANNEL]
    if mine and for_channel:
        raise PlanningError(_("Say `me` or `channel`, not both."))
    in_channel = bool(channel) and not str(channel).startswith("D")
    if not rest:
        chosen, slack = languages.chosen(actor)
        shared = languages.of_channel(channel) if in_channel else None
        reply(views.your_language_message(i18n.active(), chosen, slack, shared))
        return
    text = " ".join(rest)
    if text.lower() == views.AUTOMATIC:
        language: str | None = None
    else:
        try:
            language = i18n.parse_language(text)
        except i18n.UnknownLanguage:
            raise PlanningError(
                _(
                    "{given} is not a language promisebot speaks. Choose one of: en (English), "
                    "vi (Tiếng Việt), zh_Hans (简体中文), or auto for your Slack language.",
                    given=repr(text),
                )
            ) from None
    is_admin = users.role(actor) == "admin"
    if for_channel and not in_channel:
        raise PlanningError(
            _("Type `/promisebot language LANGUAGE channel` in the channel it is for.")
        )
    if for_channel and not is_admin:
        raise NotAllowed(
            _(
                "Only admins can set a channel's language; your role is {role}. To set your own, "
                "write `/promisebot language {language} me`.",
                role=users.role(actor),
                language=language or views.AUTOMATIC,
            )
        )
    if in_channel and is_admin and not mine:
        assert channel is not None
        now = languages.choose_for_channel(actor, channel, language)
        reply(views.channel_chosen_message(channel, now))
        return
    now = languages.choose(actor, language, client)
    reply(views.chosen_message(now))


def home_language_chosen(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    languages: Languages,
    users: UserService,
    orders: OrderService,
    requests: CapacityRequestService,
) -> None:
    """The Home tab's select: the user's own language, then their Home drawn again in it."""
    ack()
    action = (body.get("actions") or [{}])[0]
    value = ((action.get("selected_option") or {}).get("value")) or ""
    user = str((body.get("user") or {}).get("id") or "")
    try:
        language = None if value == views.AUTOMATIC else i18n.parse_language(value)
    except i18n.UnknownLanguage as error:
        refuse(context, None, error, client=client, user=user)
        return
    languages.choose(user, language, client)
    publish_home(client, user, orders=orders, requests=requests, users=users)
