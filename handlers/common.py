"""What every listener shares: refusing politely, telling people without crashing, and forms.

A refusal answers the user (ephemeral: only they see it) with what is wrong, and gives back the
delivery key the app claimed for the request, so that the refusal leaves the database as it was.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.platform import i18n
from bot.platform.blockkit import error_message, notice_modal
from bot.platform.i18n import N_

log = logging.getLogger(__name__)

DELIVERY_KEY = "delivery_key"
"""The context key under which the app's dedupe middleware leaves the request's claimed key."""


FILL_FAILED = N_(
    "Something went wrong on our side while filling in this form, so it cannot be used. "
    "Close it and try again in a moment; if it keeps happening, tell an admin."
)
"""What a form says in place of "Loading…" when drawing it failed unexpectedly."""


def release(context: BoltContext) -> None:
    """Give back the key claimed for this request: it changed nothing."""
    key = context.get(DELIVERY_KEY)
    deliveries = context.get("deliveries")
    if key and deliveries is not None:
        deliveries.release(key)
        context[DELIVERY_KEY] = None


def refuse(
    context: BoltContext,
    respond: Callable[..., Any] | None,
    reason: Exception | str,
    *,
    message: dict[str, Any] | None = None,
    client: WebClient | None = None,
    user: str | None = None,
    channel: str | None = None,
) -> None:
    """Tell the user (only them) why nothing happened, and forget the request."""
    release(context)
    shown = message or error_message(str(reason))
    if respond is not None and context.get("response_url"):
        try:
            respond(response_type="ephemeral", replace_original=False, **shown)
            return
        except Exception:  # a response_url can expire (30 min); fall back to an ephemeral post
            log.warning("respond() failed for a refusal; posting it instead", exc_info=True)
    if client is not None and user is not None:
        if channel:
            safely(client.chat_postEphemeral, channel=channel, user=user, **shown)
        else:
            safely(client.chat_postMessage, channel=user, **shown)


def safely(method: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a Web API method; log a failure (after slack_sdk's retries) instead of raising."""
    try:
        return method(**kwargs)
    except SlackApiError as error:
        log.error(
            "Slack %s failed: %s",
            getattr(method, "__name__", "call"),
            error.response.get("error"),
        )
    except Exception:
        log.exception("Slack %s failed", getattr(method, "__name__", "call"))
    return None


def user_id(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("id") or body.get("user_id") or "")


def form_errors(context: BoltContext, ack: Ack, errors: dict[str, str]) -> None:
    """Keep a submitted form open with `errors` beside their blocks; the request changed nothing."""
    release(context)
    ack(response_action="errors", errors=errors)


def tell(client: WebClient, user: str, channel: str | None, message: dict[str, Any]) -> None:
    """Tell `user` only: ephemeral in `channel` (where a form was opened), else by DM."""
    posted = channel and safely(client.chat_postEphemeral, channel=channel, user=user, **message)
    if not posted:
        safely(client.chat_postMessage, channel=user, **message)


def open_modal(
    client: WebClient,
    trigger_id: str,
    loading: dict[str, Any],
    fill: Callable[[], dict[str, Any]],
) -> None:
    """Open `loading` at once, then replace it with the view `fill` draws.

    Slack expires a trigger_id after 3 s, so the modal opens before anything slow is read. When
    `fill` fails for a reason nobody foresaw (the database is gone, a bug), the form says so
    instead of showing "Loading…" until the user gives up; the failure is logged.
    """
    opened = client.views_open(trigger_id=trigger_id, view=loading)
    try:
        full = fill()
    except Exception:
        log.exception("could not fill in the form %r", loading.get("callback_id"))
        title = (loading.get("title") or {}).get("text") or "promisebot"
        full = notice_modal(title, i18n.gettext(FILL_FAILED))
    view = opened["view"]
    safely(client.views_update, view_id=view["id"], hash=view.get("hash"), view=full)


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What a modal keeps in its private_metadata (JSON), or nothing if it is not a JSON object."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
