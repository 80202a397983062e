"""The pieces every Slack message and view of promisebot is made of: escaping, clipping, blocks.

Both the Slack listeners' builders (handlers/*_views.py) and the messages bot/ posts itself (lead
and summit reminders, the digest, notices queued in the outbox) are drawn from these, so that:

- every text a user typed goes through `escape` before it reaches mrkdwn, in blocks and in the
  fallback `text` alike (Slack reads both as mrkdwn: `<!channel>`, `<@U…>` or `<http://x|y>`
  typed into a customer's name would otherwise ping or link); only `mention` and
  `channel_link` write live `<…>` sequences, and only for well-formed ids;
- every text is clipped to Slack's documented limit with "…" (`clip`), and every list that is cut
  says how many were left out (`and_more`);
- every block is built with slack_sdk's own Block Kit models, which check the limits they know
  (a section's 3000 characters, a button's 75, a view's 100 blocks) when the block is drawn.

A message is `{"text": fallback, "blocks": [...]}` (`message`), ready for `say(**msg)`,
`respond(**msg)`, `chat_postMessage(channel=…, **msg)` or `chat_update(…, **msg)`; a view is a
dict for `views_open`/`views_update`/`views_publish`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext
from capacity.model import Lot

# Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks and …/views).
MESSAGE_TEXT = 4000
"""A message's fallback `text`: Slack truncates beyond 40,000 and advises 4,000."""
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
SECTION_FIELDS = 10
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
CHECKBOX_OPTIONS = 10
INPUT_LABEL = 2000
PLACEHOLDER = 150
TEXT_INPUT = 3000
"""The most a plain_text_input may hold (its max_length and initial_value)."""
VIEW_TITLE = 24
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
PRIVATE_METADATA = 3000

ELLIPSIS = "…"
_MENTIONABLE = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


# --- text ---------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text made inert for mrkdwn: &, < and > are Slack's control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in "…" when something was cut.

    Never cuts an escaped `&amp;`/`&lt;`/`&gt;` in half, so a clipped text stays inert.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 5:
        cut = cut[:amp]
    return cut + ELLIPSIS


def mention(user: str | None) -> str:
    """`<@U…>` for a Slack user id (Slack shows the name); anything else escaped, never live."""
    if user and _MENTIONABLE.fullmatch(user):
        return f"<@{user}>"
    return escape(user or "someone")


def channel_link(channel: str | None) -> str:
    """`<#C…>` for a channel id; a channel name (`#sales-ops`) or anything else escaped."""
    if channel and _CHANNEL_ID.fullmatch(channel):
        return f"<#{channel}>"
    return escape(channel or "the channel")


def plain(mrkdwn: str) -> str:
    """A mrkdwn line for a fallback `text`: the same (escaped) text without bold stars.

    Slack reads a message's `text` as mrkdwn too, so it keeps the escaping of the blocks.
    """
    return mrkdwn.replace("*", "")


def day(on: date, as_of: date | None = None) -> str:
    """`Wed 25 Nov` in the reader's language (`Thứ Tư, 25 thg 11`, `11月25日 周三`), with the
    year when it is not as_of's year."""
    return i18n.day(on, as_of)


def fallback_when(moment: datetime) -> str:
    """A moment in words, in its own time zone: `Tue 24 Nov 14:30`."""
    return i18n.day_and_time(moment)


def when(moment: datetime, fallback: str | None = None) -> str:
    """A moment Slack shows in each reader's own time zone (for an aware datetime), with
    `fallback` (by default the moment in its own zone) for clients that cannot."""
    shown = fallback or fallback_when(moment)
    if moment.tzinfo is None:
        return shown
    # Slack writes the date token in the reader's own Slack language; "at" is ours.
    pretty = _("{date} at {time}", date="{date_short_pretty}", time="{time}")
    return f"<!date^{int(moment.timestamp())}^{pretty}|{shown}>"


More = Callable[[int], str]
"""What a cut list says about the `n` left out, as one whole sentence of the reader's language:
`lambda n: ngettext("and {n} more hold", "and {n} more holds", n, n=n)`."""


def and_more(left_out: int, more: More | None = None) -> str:
    """What a cut list says about the rest: `and 26 more`, or the sentence `more` makes."""
    if more is not None:
        return more(left_out)
    return ngettext("and {n} more", "and {n} more", left_out, n=left_out)


def lines_within(
    lines: Sequence[str], limit: int, *, most: int | None = None, more: More | None = None
) -> str:
    """Up to `most` whole lines that fit in `limit` characters, then a line saying how many were
    left out (a list cut in the middle of a line would hide how much is missing)."""
    if not lines:
        return ""
    for keep in range(min(len(lines), most or len(lines)), 0, -1):
        shown = [*lines[:keep]]
        if keep < len(lines):
            shown.append(and_more(len(lines) - keep, more))
        text = "\n".join(shown)
        if len(text) <= limit:
            return text
    rest = and_more(len(lines) - 1, more) if len(lines) > 1 else ""
    if not rest:
        return clip(lines[0], limit)
    return f"{clip(lines[0], limit - len(rest) - 1)}\n{rest}"


# --- blocks and elements ------------------------------------------------------------------------


def plain_text(text: str, limit: int = SECTION_TEXT) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def section(
    text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None
) -> dict[str, Any]:
    """A section of mrkdwn (escape what users typed before), with an optional accessory."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT)),
        accessory=accessory,
        block_id=block_id,
    ).to_dict()


def fields(texts: Sequence[str]) -> dict[str, Any]:
    """A section of up to 10 mrkdwn fields side by side."""
    return SectionBlock(
        fields=[MarkdownTextObject(text=clip(t, FIELD_TEXT)) for t in texts[:SECTION_FIELDS]]
    ).to_dict()


def context(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    """A line of small print (mrkdwn)."""
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(text, CONTEXT_TEXT))], block_id=block_id
    ).to_dict()


def header(text: str) -> dict[str, Any]:
    """A title in large plain text (no mrkdwn, so nothing to escape), clipped with "…"."""
    return HeaderBlock(text=plain_text(text, HEADER_TEXT)).to_dict()


def divider() -> dict[str, Any]:
    return DividerBlock().to_dict()


def actions(elements: Sequence[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    """A row of buttons (and selects); `block_id` must be unique within its message."""
    return ActionsBlock(elements=list(elements), block_id=block_id).to_dict()


def button(
    text: str,
    action_id: str,
    value: str | ButtonValue,
    style: str | None = None,
    *,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button whose click sends `value` (a ButtonValue is encoded) to `action_id`'s listener."""
    return ButtonElement(
        text=plain_text(text, BUTTON_TEXT),
        action_id=action_id,
        value=value.encode() if isinstance(value, ButtonValue) else value,
        style=style,
        confirm=ConfirmObject.parse(confirm) if confirm else None,
    ).to_dict()


def confirm_dialog(
    title: str, text: str, yes: str, no: str, *, danger: bool = False
) -> dict[str, Any]:
    """The "are you sure?" a button asks before it acts (`text` is mrkdwn)."""
    return ConfirmObject(
        title=plain_text(title, CONFIRM_TITLE),
        text=MarkdownTextObject(text=clip(text, CONFIRM_TEXT)),
        confirm=plain_text(yes, 30),
        deny=plain_text(no, 30),
        style="danger" if danger else None,
    ).to_dict()


def option(text: str, value: str) -> dict[str, Any]:
    """One choice of a select or of checkboxes."""
    return Option(text=plain_text(text, OPTION_TEXT), value=value[:OPTION_VALUE]).to_dict()


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    """A form field; `element` a dict (plain_text_input, datepicker, select …)."""
    return InputBlock(
        block_id=block_id,
        label=plain_text(label, INPUT_LABEL),
        element=element,
        optional=optional or None,
    ).to_dict()


def text_input(
    action_id: str,
    *,
    max_length: int = TEXT_INPUT,
    initial: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    min_length: int | None = None,
) -> dict[str, Any]:
    """A plain_text_input; a prefilled value longer than the field allows is clipped, since
    Slack would refuse to submit the form until the user found and shortened it."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "max_length": max_length,
    }
    if multiline:
        element["multiline"] = True
    if min_length is not None:
        element["min_length"] = min_length
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER).to_dict()
    return element


def message(text: str, blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A message: its fallback `text` (what notifications show; never empty) and its blocks.

    More than 50 blocks are cut to 49 and a last one saying how many were left out. Two blocks
    with one block_id are a bug (Slack refuses the message): ValueError.
    """
    ids = [block["block_id"] for block in blocks if block.get("block_id")]
    if len(ids) != len(set(ids)):
        raise ValueError(f"block_ids {sorted(ids)} repeat; Slack refuses such a message")
    shown = list(blocks)
    if len(shown) > MESSAGE_BLOCKS:
        left_out = len(shown) - (MESSAGE_BLOCKS - 1)
        more = ngettext(
            "and {n} more block not shown", "and {n} more blocks not shown", left_out, n=left_out
        )
        shown = [*shown[: MESSAGE_BLOCKS - 1], context(more)]
    return {"text": clip(text.strip() or "promisebot", MESSAGE_TEXT), "blocks": shown}


def modal(
    title: str,
    blocks: Sequence[dict[str, Any]],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str | None = None,
    private_metadata: str | None = None,
) -> dict[str, Any]:
    """A modal view (slack_sdk's View checks its title, buttons, metadata and block count)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain_text(title, VIEW_TITLE),
        submit=plain_text(submit, VIEW_TITLE) if submit else None,
        close=plain_text(close, VIEW_TITLE) if close else None,
        private_metadata=private_metadata or None,
        blocks=list(blocks[:VIEW_BLOCKS]),
    ).to_dict()


def home(blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """An App Home view; builders keep it to 100 blocks and say what they left out."""
    return View(type="home", blocks=list(blocks[:VIEW_BLOCKS])).to_dict()


# --- what every conversation says ---------------------------------------------------------------


def error_message(text: str) -> dict[str, Any]:
    """A short refusal or failure, said plainly (usually sent ephemeral). `text` is plain text,
    often with what the user typed in it: escaped whole, in the fallback too."""
    safe = escape(text)
    return message(safe, [section(f":warning: {safe}")])


def info_message(mrkdwn: str) -> dict[str, Any]:
    """A short confirmation that something was done. `mrkdwn` is already safe: every text a
    user typed in it went through `escape`. The fallback is the same without emoji or stars."""
    return message(plain(re.sub(r"^:[a-z0-9_+-]+: ", "", mrkdwn)), [section(mrkdwn)])


def form(
    title: str,
    blocks: Sequence[dict[str, Any]],
    callback_id: str,
    submit: str,
    private_metadata: str | None = None,
    *,
    close: str | None = None,
) -> dict[str, Any]:
    """A modal to fill in and submit; its listener is found by `callback_id`."""
    return modal(
        title,
        blocks,
        callback_id=callback_id,
        submit=submit,
        close=close or _("Cancel"),
        private_metadata=private_metadata,
    )


def loading_modal(title: str, **view: Any) -> dict[str, Any]:
    """A modal to open at once (a trigger_id expires in 3 s) and fill in with views_update."""
    return modal(title, [section(":hourglass_flowing_sand: " + _("Loading…"))], **view)


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (e.g. why a form cannot be filled in); no submit."""
    return modal(title, [section(f":warning: {escape(text)}")], close=_("Close"))


# --- button values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ButtonValue:
    """What a button means, carried in its `value` as compact JSON.

    `qty` of `sku` on `on` for `customer`; `wanted` is the day the customer asked for and `as_of`
    the planning date of the quote the button belongs to. `order` (an order id) and `ver` (the
    order's version when the message was drawn) let a handler refuse a stale click; `split`
    holds the lots of a split hold. `request` names a capacity request (operations' buttons).
    """

    sku: str | None = None
    qty: int | None = None
    on: date | None = None
    customer: str | None = None
    wanted: date | None = None
    as_of: date | None = None
    order: int | str | None = None
    ver: int | None = None
    split: tuple[Lot, ...] | None = None
    request: int | str | None = None
    least: int | None = None
    """The customer's flexibility: the least quantity they would accept on `wanted`."""
    latest: date | None = None
    """The customer's flexibility: the latest day they would accept."""

    def encode(self) -> str:
        data: dict[str, Any] = {}
        for key in ("order", "request", "ver", "sku", "qty", "customer", "least"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        for key in ("on", "wanted", "as_of", "latest"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value.isoformat()
        if self.split:
            data["split"] = [[lot.qty, lot.on.isoformat()] for lot in self.split]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > BUTTON_VALUE:
            raise ValueError(f"button value of {len(text)} characters; Slack allows 2000")
        return text

    @classmethod
    def decode(cls, value: str) -> ButtonValue:
        """Read a value written by `encode`; ValueError if it is not one."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a promisebot button value: {value[:80]!r}") from error
        if not isinstance(data, dict):
            raise ValueError(f"not a promisebot button value: {value[:80]!r}")

        def on(key: str) -> date | None:
            return date.fromisoformat(data[key]) if data.get(key) else None

        split = data.get("split")
        return cls(
            sku=data.get("sku"),
            qty=data.get("qty"),
            on=on("on"),
            customer=data.get("customer"),
            wanted=on("wanted"),
            as_of=on("as_of"),
            order=data.get("order"),
            ver=data.get("ver"),
            split=tuple(Lot(on=date.fromisoformat(d), qty=int(q)) for q, d in split)
            if split
            else None,
            request=data.get("request"),
            least=data.get("least"),
            latest=on("latest"),
        )
