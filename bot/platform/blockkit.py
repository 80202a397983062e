"""The pieces of Slack messages that bot's own messages (reminders, the digest) and the handlers'
Block Kit share: escaping text for mrkdwn, and a plain button."""

from __future__ import annotations

from typing import Any


def escape(text: str) -> str:
    """Text made safe for mrkdwn (&, < and > are control characters there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A Block Kit button whose click sends `value` to the listener of `action_id`."""
    block: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        block["style"] = style
    return block
