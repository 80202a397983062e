"""Slack's documented limits for messages, modals and Home tabs, checked as Slack would check them.

slack_sdk's Block Kit models (`slack_sdk.models.blocks`, `slack_sdk.models.views`) check most
limits of one block; Slack also refuses what they do not look at: two blocks with one block_id
(`invalid_blocks`), an action_id twice in a block, more than 10 checkboxes, a prefilled value
longer than its field allows (the form then cannot be submitted). `message_problems` and
`view_problems` return every problem found, in words, so that a failing test names them all.
Texts cut exactly at their limit without "…" are reported too: they were cut without saying so.

Sources: https://docs.slack.dev/reference/block-kit/blocks, …/block-elements,
…/composition-objects, https://docs.slack.dev/reference/views and chat.postMessage's `text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_TEXT = 4000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
ID = 255

# (what, limit) for texts, by where they stand.
SECTION_TEXT = 3000
FIELD_TEXT = 2000
SECTION_FIELDS = 10
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
CHOICE_OPTIONS = 10
PLACEHOLDER = 150
INPUT_LABEL = 2000
TEXT_INPUT = 3000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
VIEW_TITLE = 24
PRIVATE_METADATA = 3000

_LIVE = re.compile(r"<([^<>]*)>")


def message_problems(message: Mapping[str, Any]) -> list[str]:
    """What Slack would refuse (or cut without saying so) in a message's `text` and `blocks`."""
    found: list[str] = []
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        found.append("no fallback text (notifications and screen readers show it)")
    else:
        _length(found, "fallback text", text, MESSAGE_TEXT)
    blocks = message.get("blocks") or []
    if len(blocks) > MESSAGE_BLOCKS:
        found.append(f"{len(blocks)} blocks; a message may have {MESSAGE_BLOCKS}")
    found += _blocks_problems(blocks)
    return found


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """What Slack would refuse in a modal or Home tab."""
    found: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"view type {kind!r}"]
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= VIEW_BLOCKS:
        found.append(f"{len(blocks)} blocks; a view has 1 to {VIEW_BLOCKS}")
    try:
        View(**view).validate_json()
    except Exception as error:  # slack_sdk raises several kinds
        found.append(f"slack_sdk: {error}")
    if kind == "modal":
        _length(found, "title", _text(view.get("title")), VIEW_TITLE)
        for button in ("submit", "close"):
            if button in view:
                _length(found, button, _text(view[button]), VIEW_TITLE)
    elif "submit" in view or "close" in view:
        found.append("a Home tab has no submit or close")
    _length(found, "private_metadata", view.get("private_metadata") or "", PRIVATE_METADATA)
    _length(found, "callback_id", view.get("callback_id") or "", ID)
    found += _blocks_problems(blocks)
    return found


def texts(payload: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of every text a reader sees in a message or view, its fallback included;
    `where` says whether Slack reads it as mrkdwn (`mrkdwn`) or shows it as is (`plain_text`)."""
    if isinstance(payload.get("text"), str):
        yield "mrkdwn", payload["text"]  # Slack reads a message's text as mrkdwn
    for part in _walk(payload.get("blocks") or []):
        if isinstance(part, dict) and part.get("type") in ("mrkdwn", "plain_text"):
            yield part["type"], str(part.get("text") or "")
        if isinstance(part, dict) and part.get("type") == "plain_text_input":
            yield "plain_text", str(part.get("initial_value") or "")


def live_sequences(text: str) -> list[str]:
    """The `<…>` control sequences of a mrkdwn text (mentions, links, `<!here>`, dates)."""
    return _LIVE.findall(text)


# --- checks ---------------------------------------------------------------------------------


def _blocks_problems(blocks: list[Any]) -> list[str]:
    found: list[str] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"block {index} ({raw.get('type') if isinstance(raw, dict) else raw!r})"
        if not isinstance(raw, dict):
            found.append(f"{where}: not an object")
            continue
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                found.append(f"{where}: unknown block")
                continue
            parsed.validate_json()
        except Exception as error:
            found.append(f"{where}: slack_sdk: {error}")
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                found.append(f"{where}: block_id {block_id!r} twice (Slack: invalid_blocks)")
            seen_ids.add(block_id)
            _length(found, f"{where} block_id", block_id, ID)
        found += [f"{where}: {problem}" for problem in _block_problems(raw)]
    return found


def _block_problems(block: dict[str, Any]) -> list[str]:
    found: list[str] = []
    kind = block.get("type")
    if kind == "section":
        if "text" in block:
            _length(found, "section text", _text(block["text"]), SECTION_TEXT)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            found.append(f"{len(fields)} fields; a section has {SECTION_FIELDS}")
        for field in fields:
            _length(found, "field", _text(field), FIELD_TEXT)
        if block.get("accessory"):
            found += _element_problems(block["accessory"])
    elif kind == "context":
        elements = block.get("elements") or []
        if len(elements) > CONTEXT_ELEMENTS:
            found.append(f"{len(elements)} context elements; at most {CONTEXT_ELEMENTS}")
        for element in elements:
            if element.get("type") in ("mrkdwn", "plain_text"):
                _length(found, "context text", _text(element), CONTEXT_TEXT)
    elif kind == "header":
        _length(found, "header", _text(block.get("text")), HEADER_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > ACTIONS_ELEMENTS:
            found.append(f"{len(elements)} elements; an actions block has {ACTIONS_ELEMENTS}")
        for element in elements:
            found += _element_problems(element)
    elif kind == "input":
        _length(found, "label", _text(block.get("label")), INPUT_LABEL)
        found += _element_problems(block.get("element") or {})
    action_ids = [e.get("action_id") for e in _elements(block) if e.get("action_id")]
    for action_id in {a for a in action_ids if action_ids.count(a) > 1}:
        found.append(f"action_id {action_id!r} twice in one block")
    return found


def _element_problems(element: dict[str, Any]) -> list[str]:
    found: list[str] = []
    kind = element.get("type")
    _length(found, f"{kind} action_id", element.get("action_id") or "", ID)
    if "placeholder" in element:
        _length(found, "placeholder", _text(element["placeholder"]), PLACEHOLDER)
    if kind == "button":
        _length(found, "button text", _text(element.get("text")), BUTTON_TEXT)
        _length(found, "button value", element.get("value") or "", BUTTON_VALUE)
    if "confirm" in element:
        confirm = element["confirm"]
        _length(found, "confirm title", _text(confirm.get("title")), CONFIRM_TITLE)
        _length(found, "confirm text", _text(confirm.get("text")), CONFIRM_TEXT)
        for button in ("confirm", "deny"):
            _length(found, f"confirm {button}", _text(confirm.get(button)), CONFIRM_BUTTON)
    options = list(element.get("options") or [])
    if element.get("initial_option"):
        options.append(element["initial_option"])
    most = CHOICE_OPTIONS if kind in ("checkboxes", "radio_buttons") else SELECT_OPTIONS
    if len(element.get("options") or []) > most:
        found.append(f"{len(element['options'])} options in a {kind}; at most {most}")
    for choice in options:
        _length(found, "option text", _text(choice.get("text")), OPTION_TEXT)
        _length(found, "option value", choice.get("value") or "", OPTION_VALUE)
    if kind == "plain_text_input":
        most_chars = element.get("max_length", TEXT_INPUT)
        if most_chars > TEXT_INPUT:
            found.append(f"max_length {most_chars}; at most {TEXT_INPUT}")
        initial = element.get("initial_value") or ""
        if len(initial) > most_chars:
            found.append(
                f"a prefilled value of {len(initial)} characters in a field that takes "
                f"{most_chars}: the form cannot be submitted"
            )
    return found


def _length(found: list[str], what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        found.append(f"{what} of {len(text)} characters; Slack allows {limit}")
    elif len(text) == limit and limit >= 24 and not _says_cut(text):
        found.append(f"{what} cut at its limit of {limit} without '…': {text[-30:]!r}")


def _says_cut(text: str) -> bool:
    """Whether a text at its limit says it was cut: "…" at its end, or a last line that counts
    what was left out ("and 26 more", "và 26 mục khác", "另有 26 项")."""
    return text.endswith("…") or any(re.search(said, text) for said in _LEFT_OUT)


_LEFT_OUT = (r"\band \d+ more\b[^\n]*$", r"(^|\n)(và|còn) \d+ [^\n]*$", r"(^|\n)另有 \d+[^\n]*$")
"""How a cut list's last line counts what it left out, in English, Vietnamese and Chinese
(bot.platform.blockkit.and_more and the sentences given to it)."""


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    found += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
    return found


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
