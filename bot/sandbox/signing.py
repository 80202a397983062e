"""Play Slack's side towards a Bolt app: signed slash commands, clicks, submissions and events.

`SlackRequester` builds each request body exactly as Slack sends it (form-encoded for slash
commands, `payload=<json>` for interactivity, JSON for the Events API), signs it with the app's
signing secret and POSTs it to the app's `/slack/events` over real HTTP, so that Bolt parses and
verifies it as if it came from Slack. The tests and the browser sandbox both use it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = [
    "SlackReply",
    "SlackRequester",
    "Workspace",
    "dm_channel_id",
    "fill_view",
    "sign",
]


@dataclass(frozen=True)
class Workspace:
    """Who is who in the pretend workspace; the fake Web API answers auth.test with the same ids."""

    team_id: str = "T0PROMISE"
    team_domain: str = "promiseworks"
    team_name: str = "Promise Works"
    app_id: str = "A0PROMISE"
    bot_user_id: str = "U0PROMISEBOT"
    bot_id: str = "B0PROMISEBOT"
    bot_name: str = "promisebot"
    verification_token: str = "sandbox-verification-token"


class SlackReply(NamedTuple):
    """What the app answered: HTTP status, headers (lower-case names) and the parsed body.

    The body is a dict when the app answered JSON (an `ack(...)` with a payload), otherwise the
    text, which is "" for a plain `ack()`.
    """

    status: int
    headers: dict[str, str]
    body: Any


def dm_channel_id(user_id: str) -> str:
    """The id of the bot's direct-message channel with a user (the fake Web API agrees)."""
    return f"D{user_id[1:]}"


def sign(signing_secret: str, timestamp: str, body: str) -> str:
    """The `X-Slack-Signature` value Slack sends: `v0=` + HMAC-SHA256 of `v0:{ts}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SlackRequester:
    """Send Slack's requests to a Bolt app over HTTP, signed with its signing secret.

    `app_url` is the app's base URL (`http://127.0.0.1:3000`, to which `/slack/events` is added)
    or the full request URL. `trigger_ids`, when given, makes the trigger_id of each request that
    carries one (commands, shortcuts, clicks, submissions) for the user who acts; pass
    `FakeSlack.trigger_id` so that the fake Web API knows whose modal a `views.open` opens.
    """

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        workspace: Workspace | None = None,
        trigger_ids: Callable[[str], str] | None = None,
        channel_names: Mapping[str, str] | None = None,
        user_names: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(app_url)
        if parts.path in ("", "/"):
            parts = parts._replace(path="/slack/events")
        self.url = urlunsplit(parts)
        self.signing_secret = signing_secret
        self.workspace = workspace or Workspace()
        self._trigger_ids = trigger_ids
        self.channel_names = dict(channel_names or {})
        self.user_names = dict(user_names or {})
        self.timeout = timeout
        self._clock = clock
        self._counter: Iterator[int] = itertools.count(1)
        self._lock = threading.Lock()

    # --- what Slack sends ------------------------------------------------------------------

    def command(
        self,
        name: str,
        text: str,
        user_id: str,
        channel_id: str,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> SlackReply:
        """A slash command such as `/promise 40 BRKT`, form-encoded as Slack posts it."""
        ws = self.workspace
        fields = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": name if name.startswith("/") else f"/{name}",
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._made_up_response_url("commands"),
            "trigger_id": trigger_id or self._trigger_id(user_id),
        }
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def block_action(
        self,
        action_id: str,
        value: str | None,
        user_id: str,
        channel_id: str | None,
        message: Mapping[str, Any] | None,
        response_url: str | None,
        block_id: str | None = None,
        container: Mapping[str, Any] | None = None,
        *,
        view: Mapping[str, Any] | None = None,
        ephemeral: bool = False,
        trigger_id: str | None = None,
        state: Mapping[str, Any] | None = None,
        element: Mapping[str, Any] | None = None,
    ) -> SlackReply:
        """A click on an interactive element of a message, or of a modal or Home tab (`view=`).

        The element is looked up by `action_id` in the message's (or view's) blocks, so the
        action carries its real type, text and block_id: a button sends `value`, a datepicker
        sends `value` as `selected_date`, a select sends it as the selected option. An ephemeral
        message's click carries no `message`, as in Slack. Pass `element` when several elements
        share the action_id (the sandbox knows which one was clicked).
        """
        ws = self.workspace
        source_blocks = (view or message or {}).get("blocks") or []
        found_block_id, found = _find_element(source_blocks, action_id)
        element = element or found
        block_id = block_id or found_block_id or "actions"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "trigger_id": trigger_id or self._trigger_id(user_id),
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            payload["container"] = dict(container or {"type": "view", "view_id": view.get("id")})
            payload["view"] = _with_state(view)
            payload["state"] = payload["view"]["state"]
        else:
            message = message or {}
            payload["container"] = dict(
                container
                or {
                    "type": "message",
                    "message_ts": message.get("ts"),
                    "channel_id": channel_id,
                    "is_ephemeral": ephemeral,
                }
            )
            payload["channel"] = {"id": channel_id, "name": self._channel_name(channel_id or "")}
            if not ephemeral:
                payload["message"] = dict(message)
            payload["state"] = dict(state or {"values": {}})
            if response_url is not None:
                payload["response_url"] = response_url
        payload["actions"] = [_action(element, action_id, block_id, value, self._clock())]
        return self._interactive(payload)

    def view_submission(
        self,
        view: Mapping[str, Any],
        user_id: str,
        *,
        trigger_id: str | None = None,
        response_urls: list[dict[str, Any]] | None = None,
    ) -> SlackReply:
        """The user pressed the modal's submit button; `view` carries `state.values` (fill_view)."""
        ws = self.workspace
        payload = {
            "type": "view_submission",
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": self._user(user_id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "trigger_id": trigger_id or self._trigger_id(user_id),
            "view": _with_state(view),
            "response_urls": list(response_urls or []),
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._interactive(payload)

    def view_closed(self, view: Mapping[str, Any], user_id: str) -> SlackReply:
        """The user closed a modal whose view asked for `notify_on_close`."""
        ws = self.workspace
        payload = {
            "type": "view_closed",
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": self._user(user_id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "view": _with_state(view),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._interactive(payload)

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        user_id: str,
        view: Mapping[str, Any] | None = None,
        *,
        block_id: str | None = None,
    ) -> SlackReply:
        """An options request: the user typed `value` into an external select (the typeahead)."""
        ws = self.workspace
        found_block_id, _ = _find_element((view or {}).get("blocks") or [], action_id)
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "container": {"type": "view", "view_id": (view or {}).get("id")},
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "action_id": action_id,
            "block_id": block_id or found_block_id or "",
            "value": value,
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            payload["view"] = _with_state(view)
        return self._interactive(payload)

    def shortcut(self, callback_id: str, user_id: str, trigger_id: str | None = None) -> SlackReply:
        """A global shortcut (the lightning-bolt menu)."""
        ws = self.workspace
        payload = {
            "type": "shortcut",
            "token": ws.verification_token,
            "action_ts": self._action_ts(),
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": self._user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self._trigger_id(user_id),
        }
        return self._interactive(payload)

    def message_shortcut(
        self,
        callback_id: str,
        user_id: str,
        channel_id: str,
        message: Mapping[str, Any],
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> SlackReply:
        """A message shortcut (the ⋮ menu of a message); Slack calls it `message_action`."""
        ws = self.workspace
        payload = {
            "type": "message_action",
            "token": ws.verification_token,
            "action_ts": self._action_ts(),
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self._trigger_id(user_id),
            "response_url": response_url or self._made_up_response_url("actions"),
            "message_ts": message.get("ts"),
            "message": dict(message),
        }
        return self._interactive(payload)

    def event(
        self,
        event: Mapping[str, Any],
        event_id: str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> SlackReply:
        """An Events API delivery (`event_callback` envelope) such as `app_home_opened`.

        Slack redelivers an event it thinks failed with the same event_id and
        `X-Slack-Retry-Num`/`X-Slack-Retry-Reason`; pass both to play a retry.
        """
        ws = self.workspace
        now = self._clock()
        envelope = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(12)}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    def app_home_opened(self, user_id: str, *, tab: str = "home") -> SlackReply:
        """The user opened the app's Home tab."""
        return self.event(
            {
                "type": "app_home_opened",
                "user": user_id,
                "channel": dm_channel_id(user_id),
                "tab": tab,
            }
        )

    # --- the wire --------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> SlackReply:
        """POST a raw body, signed unless `signature` is given (to play a forged request)."""
        ts = str(int(self._clock()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.signing_secret, ts, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return _reply(error.code, error.headers, error.read())

    def _interactive(self, payload: Mapping[str, Any]) -> SlackReply:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    # --- made-up ids -----------------------------------------------------------------------

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def _trigger_id(self, user_id: str) -> str:
        if self._trigger_ids is not None:
            return self._trigger_ids(user_id)
        return f"{int(self._clock())}{self._next():04d}.1000.{secrets.token_hex(16)}"

    def _action_ts(self) -> str:
        return f"{self._clock():.6f}"

    def _made_up_response_url(self, kind: str) -> str:
        # Slack always sends one; without a fake to record it, respond() would post nowhere.
        return f"https://hooks.slack.invalid/{kind}/{self.workspace.team_id}/{self._next()}/x"

    def _user(self, user_id: str) -> dict[str, str]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.workspace.team_id}

    def _user_name(self, user_id: str) -> str:
        return self.user_names.get(user_id, user_id.lower())

    def _channel_name(self, channel_id: str) -> str:
        if channel_id in self.channel_names:
            return self.channel_names[channel_id]
        return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def fill_view(view: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `view` with `state.values` as Slack would send them after the user typed `values`.

    `values` maps action_ids of the view's input elements to what the user entered: text or a
    number as `str`/`int`, a date as `YYYY-MM-DD`, an option's value for a select (its text is
    taken from `initial_option` when the value matches, else the value itself). Elements not named
    keep their initial value, as in Slack.
    """
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        action_id = element.get("action_id")
        block_id = block.get("block_id")
        if not action_id or not block_id:
            continue
        entered = values.get(action_id, _initial(element))
        state.setdefault(block_id, {})[action_id] = _element_state(element, entered)
    filled = dict(view)
    filled["state"] = {"values": state}
    return filled


def _initial(element: Mapping[str, Any]) -> Any:
    for key in ("initial_value", "initial_date", "initial_time"):
        if key in element:
            return element[key]
    option = element.get("initial_option")
    return option.get("value") if option else None


def _element_state(element: Mapping[str, Any], entered: Any) -> dict[str, Any]:
    kind = element.get("type", "plain_text_input")
    text = None if entered is None else str(entered)
    if kind == "datepicker":
        return {"type": kind, "selected_date": text}
    if kind == "timepicker":
        return {"type": kind, "selected_time": text}
    if kind.endswith("_select"):
        if text is None:
            return {"type": kind, "selected_option": None}
        return {"type": kind, "selected_option": _option(element, text)}
    return {"type": kind, "value": text}


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in [element.get("initial_option") or {}, *(element.get("options") or [])]:
        if option.get("value") == value:
            return dict(option)
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def _find_element(
    blocks: list[Mapping[str, Any]], action_id: str
) -> tuple[str | None, Mapping[str, Any]]:
    for block in blocks:
        candidates = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if block.get(key):
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, Mapping) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, {"type": "button", "action_id": action_id}


def _action(
    element: Mapping[str, Any], action_id: str, block_id: str, value: str | None, now: float
) -> dict[str, Any]:
    kind = element.get("type", "button")
    action: dict[str, Any] = {"type": kind, "action_id": action_id, "block_id": block_id}
    if kind == "button":
        action["text"] = element.get("text") or {"type": "plain_text", "text": action_id}
        action["value"] = value if value is not None else element.get("value")
        if element.get("style"):
            action["style"] = element["style"]
    elif kind == "datepicker":
        action["selected_date"] = value
        action["initial_date"] = element.get("initial_date")
    elif kind.endswith("_select"):
        action["selected_option"] = None if value is None else _option(element, value)
    else:
        action["value"] = value
    action["action_ts"] = f"{now:.6f}"
    return action


def _with_state(view: Mapping[str, Any]) -> dict[str, Any]:
    copied = dict(view)
    copied.setdefault("state", {"values": {}})
    return copied


def _reply(status: int, headers: Any, raw: bytes) -> SlackReply:
    header_map = {name.lower(): value for name, value in headers.items()}
    text = raw.decode("utf-8", "replace")
    body: Any = text
    if text and (
        "json" in header_map.get("content-type", "") or text.lstrip().startswith(("{", "["))
    ):
        try:
            body = json.loads(text)
        except json.JSONDecodeError:
            body = text
    return SlackReply(status, header_map, body)
