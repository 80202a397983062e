"""What the language command and the Home tab's language select say and show."""

from __future__ import annotations

from typing import Any

from bot.platform import blockkit as kit
from bot.platform import i18n
from bot.platform.i18n import gettext as _

HOME_LANGUAGE = "home_language"
"""action_id of the Home tab's language select."""
AUTOMATIC = "auto"
"""The select's value (and the command's word) for "my Slack language"."""


def language_name(language: str) -> str:
    return i18n.NAMES.get(language, language)


def incomplete_notice(language: str) -> str | None:
    """What a reader of an incomplete catalog is told, in their language; None when complete."""
    if not i18n.incomplete(language):
        return None
    with i18n.using(language):
        return _(
            ":construction: {language} is not complete yet: some texts still show in English.",
            language=language_name(language),
        )


def how_text() -> str:
    return _(
        "Choose with `/promisebot language vi` (or `en`, `zh_Hans`; `auto` for your Slack "
        "language). An admin typing it in a channel sets the channel's language, which its "
        "shared messages are written in; add `me` to set only your own."
    )


def your_language_message(
    language: str, chosen: str | None, slack: str | None, channel: str | None
) -> dict[str, Any]:
    """What `/promisebot language` alone answers: your language, why, and the channel's."""
    if chosen is not None:
        why = _("You chose it.")
    elif slack is not None:
        why = _("It is your Slack language.")
    else:
        why = _(
            "It is the workspace's language: you chose none, and promisebot does not speak "
            "your Slack language."
        )
    lines = [
        _("You read promisebot in *{language}*.", language=language_name(language)) + " " + why,
    ]
    if channel is not None:
        lines.append(
            _(
                "This channel's shared messages are in *{language}*.",
                language=language_name(channel),
            )
        )
    lines.append(how_text())
    notice = incomplete_notice(language)
    if notice:
        lines.append(notice)
    return kit.info_message("\n".join(lines))


def chosen_message(language: str) -> dict[str, Any]:
    """The reply to choosing one's own language, written in the language chosen."""
    with i18n.using(language):
        lines = [
            ":white_check_mark: "
            + _(
                "From now on you read promisebot in *{language}*.", language=language_name(language)
            )
        ]
        notice = incomplete_notice(language)
        if notice:
            lines.append(notice)
        return kit.info_message("\n".join(lines))


def channel_chosen_message(channel: str, language: str) -> dict[str, Any]:
    """The reply to an admin's choice of a channel's language."""
    text = _(
        ":white_check_mark: promisebot now writes its shared messages in {channel} in "
        "*{language}*. Everyone still reads their own replies, forms and Home in their own "
        "language; to set only yours, add `me`: `/promisebot language vi me`.",
        channel=kit.channel_link(channel),
        language=language_name(language),
    )
    return kit.info_message(text)


def language_select(current: str, chosen: str | None) -> list[dict[str, Any]]:
    """The Home tab's language select: each language in itself, and "my Slack language"."""
    options = [kit.option(language_name(lang), lang) for lang in i18n.LANGUAGES]
    automatic = kit.option(_("My Slack language"), AUTOMATIC)
    options.append(automatic)
    initial = next(o for o in options if o["value"] == (chosen or AUTOMATIC))
    select = {
        "type": "static_select",
        "action_id": HOME_LANGUAGE,
        "options": options,
        "initial_option": initial,
    }
    label = _("Language: *{language}*", language=language_name(current))
    blocks = [kit.section(label, accessory=select)]
    notice = incomplete_notice(current)
    if notice:
        blocks.append(kit.context(notice))
    return blocks
