"""A local stand-in for Slack: the fake Web API and the signed requests Slack sends to the app.

The tests use it to drive the real Bolt app over HTTP; `promisebot demo` uses it to run the
whole bot in a browser without a Slack workspace.
"""

from __future__ import annotations

from bot.sandbox.fake_slack import Call, FakeSlack, Message, ResponsePost, SlackFile
from bot.sandbox.signing import (
    SlackReply,
    SlackRequester,
    Workspace,
    dm_channel_id,
    fill_view,
    sign,
)

__all__ = [
    "Call",
    "FakeSlack",
    "Message",
    "ResponsePost",
    "SlackFile",
    "SlackReply",
    "SlackRequester",
    "Workspace",
    "dm_channel_id",
    "fill_view",
    "sign",
]
