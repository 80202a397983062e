"""A local stand-in for the Slack Web API: a real HTTP server that answers and remembers like Slack.

Point a `WebClient(base_url=fake.url)` (or `SLACK_API_URL`) at it. It answers the methods a bot
like promisebot calls with Slack-shaped JSON, keeps the resulting state (messages with their
edits and thread replies, ephemeral messages per user, modal stacks and Home tabs, uploaded
files), records every call, and can be told to fail the next calls of a method so that retry
handlers can be tested, or to apply a call and drop its answer (Slack accepted it, the network
lost the reply). It also serves the `response_url`s that `respond()` posts to.

Message metadata is kept as Slack keeps it: `chat.postMessage` (and `chat.update`) take
`metadata={"event_type": ..., "event_payload": {...}}`, and `conversations.history` and
`conversations.replies` return it on each message when asked with `include_all_metadata`.

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="C0SALES", text="hi")
        assert slack.messages("C0SALES")[0].text == "hi"
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import mimetypes
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sandbox.signing import Workspace, dm_channel_id

__all__ = ["Call", "FakeSlack", "Message", "ResponsePost", "SlackFile"]

# Parameters that carry JSON inside a form-encoded body.
_JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")
_MAX_MODAL_STACK = 3
DROPPED = 0
"""The status `_api` gives a call whose answer is to be dropped (see `drop_answer_of_next`)."""


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake received it, and the error it answered (None if ok)."""

    method: str
    params: dict[str, Any]
    token: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Message:
    """A message as it now stands in a channel; `versions` holds what it said before each edit."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    """The only user who sees it, for an ephemeral message."""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    replies: list[Message] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    via: str = "chat.postMessage"
    """How it arrived: a method name or `response_url:<name>`."""

    @property
    def edited(self) -> bool:
        return bool(self.versions)

    def as_slack(self, workspace: Workspace | None = None) -> dict[str, Any]:
        """The message object as Slack shows it (in API answers and in block_actions payloads)."""
        ws = workspace or Workspace()
        data: dict[str, Any] = {"type": "message", "text": self.text, "ts": self.ts}
        if self.user == ws.bot_user_id:
            data.update(user=ws.bot_user_id, bot_id=ws.bot_id, app_id=ws.app_id)
        elif self.user:
            data["user"] = self.user
        data["team"] = ws.team_id
        if self.blocks:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            data["attachments"] = copy.deepcopy(self.attachments)
        if self.files:
            data["files"] = copy.deepcopy(self.files)
            data["upload"] = True
        if self.metadata:
            data["metadata"] = copy.deepcopy(self.metadata)
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.replies:
            data["reply_count"] = len([r for r in self.replies if not r.deleted])
        if self.edited:
            data["edited"] = {"user": ws.bot_user_id, "ts": self.ts}
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        return data


@dataclass(frozen=True)
class ResponsePost:
    """A POST to one of the fake's response_urls (what Bolt's `respond()` sends)."""

    name: str
    body: dict[str, Any]


@dataclass
class SlackFile:
    id: str
    name: str
    length: int
    title: str | None = None
    alt_txt: str | None = None
    data: bytes | None = None
    shared_to: list[str] = field(default_factory=list)

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


@dataclass
class _Binding:
    """What a response_url is attached to: where its posts go and which message it may replace."""

    channel: str | None = None
    user: str | None = None
    message_ts: str | None = None
    last_ts: str | None = None


@dataclass
class _Trigger:
    user: str | None
    issued: float
    used: bool = False


class SlackError(Exception):
    """Answer the current call with `{"ok": false, "error": ...}`."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        messages: list[str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = dict(headers or {})
        self.messages = messages or []


class FakeSlack:
    """The Slack Web API on 127.0.0.1, for tests and the browser sandbox.

    `token`: the only bot token accepted (any `xoxb-` token when None). `strict`: unknown users
    and channels are errors (`user_not_found`, `channel_not_found`) as in Slack; by default they
    are created on first use, so a test need not declare them. `validate_blocks`: blocks and
    views are parsed with slack_sdk.models and refused like Slack refuses them
    (`invalid_blocks`, `invalid_arguments`) when they break Block Kit's limits.
    """

    def __init__(
        self,
        *,
        workspace: Workspace | None = None,
        token: str | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channels: Mapping[str, str] | None = None,
        strict: bool = False,
        validate_blocks: bool = True,
        retry_after: int = 1,
        trigger_ttl: float = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.workspace = workspace or Workspace()
        self.token = token
        self.strict = strict
        self.validate_blocks = validate_blocks
        self.retry_after = retry_after
        self.trigger_ttl = trigger_ttl
        self._clock = clock
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[tuple[str, int | None]]] = defaultdict(deque)
        self._dropped: dict[str, int] = defaultdict(int)
        self._messages: dict[tuple[str, str], Message] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._members: dict[str, list[str]] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._bindings: dict[str, _Binding] = {}
        self._responses: list[ResponsePost] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_owner: dict[str, str | None] = {}
        self._stacks: dict[str | None, list[str]] = defaultdict(list)
        self._homes: dict[str, str] = {}
        self._files: dict[str, SlackFile] = {}
        self._ids: Iterator[int] = itertools.count(1)
        self._last_us = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._host, self._port = host, port
        self._add_user(self.workspace.bot_user_id, self.workspace.bot_name, is_bot=True)
        for user_id, profile in (users or {}).items():
            self.add_user(user_id, **profile)
        for channel_id, name in (channels or {}).items():
            self.add_channel(name, channel_id)

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is None:
            self._server = ThreadingHTTPServer((self._host, self._port), _handler_for(self))
            self._server.daemon_threads = True
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # so that close() returns at once
                name="fake-slack",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; use it as a context manager")
        port = self._server.server_address[1]
        return f"http://{self._host}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL, ending in `/api/`: give it as SLACK_API_URL or base_url."""
        return f"{self.base_url}/api/"

    # --- set-up ----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Declare a member of the workspace; users.info answers with its tz and tz_offset, and
        its Slack `locale` when asked with include_locale (as Slack does)."""
        with self._lock:
            return copy.deepcopy(
                self._add_user(
                    user_id,
                    name,
                    real_name=real_name,
                    tz=tz,
                    email=email,
                    is_bot=is_bot,
                    locale=locale,
                )
            )

    def add_channel(
        self,
        name: str,
        channel_id: str | None = None,
        *,
        private: bool = False,
        members: Iterable[str] | None = None,
    ) -> str:
        """Declare a channel (`name` without `#`) and return its id.

        `members` are who `conversations.members` lists; without them every user is a member
        (a small workspace where everyone is everywhere, as the sandbox's).
        """
        with self._lock:
            channel_id = channel_id or self._new_id("G" if private else "C")
            if members is not None:
                self._members[channel_id] = list(members)
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name.lstrip("#"),
                "is_channel": not private,
                "is_group": private,
                "is_im": False,
                "is_mpim": False,
                "is_private": private,
            }
            return channel_id

    def trigger_id(self, user_id: str) -> str:
        """A fresh trigger_id for `user_id`, valid once for `trigger_ttl` seconds, as in Slack.

        Give it to SlackRequester(trigger_ids=fake.trigger_id) so views.open knows the user.
        """
        with self._lock:
            trigger = f"{int(self._clock())}{next(self._ids):04d}.1000.{self._new_id('t').lower()}"
            self._triggers[trigger] = _Trigger(user_id, self._clock())
            return trigger

    def response_url(
        self,
        name: str,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url on this server whose POSTs are recorded under `name` and applied.

        Posts are ephemeral to `user` in `channel` unless `response_type` is `in_channel`;
        `replace_original`/`delete_original` act on the message `message_ts` (the message whose
        button was clicked) or else on the last message posted through this URL. Calling again
        with the same name returns the same URL and updates what was given.
        """
        with self._lock:
            binding = self._bindings.setdefault(name, _Binding())
            if channel is not None:
                binding.channel = channel
            if user is not None:
                binding.user = user
            if message_ts is not None:
                binding.message_ts = message_ts
        return f"{self.base_url}/response/{quote(name, safe='')}"

    def fail_next(
        self, method: str, times: int = 1, *, error: str = "ratelimited", status: int | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with `error`.

        `ratelimited` answers HTTP 429 with `Retry-After` (see `retry_after`), which slack_sdk's
        RateLimitErrorRetryHandler retries; any other error answers HTTP `status` (default 200).
        """
        with self._lock:
            for _ in range(times):
                self._failures[method].append((error, status))

    def drop_answer_of_next(self, method: str, times: int = 1) -> None:
        """Apply the next `times` calls of `method` but close the connection without answering,
        as when Slack accepted a message and the network lost its reply."""
        with self._lock:
            self._dropped[method] += times

    def post_as(
        self,
        user: str | None,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        at: float | None = None,
    ) -> Message:
        """A message a person (or, with `user=None`, the bot) wrote, without a Web API call.

        For the browser sandbox: what people type goes straight into the store, as in Slack, and
        its history can be backdated with `at` (epoch seconds; the ts stays unique).
        """
        with self._lock:
            channel_id = self._channel_id(channel)
            if blocks:
                self._check_blocks(blocks)
            ts = self._new_ts() if at is None else self._ts_at(channel_id, at)
            message = Message(
                channel=channel_id,
                ts=ts,
                text=text,
                blocks=list(blocks or []),
                user=self._user_id(user) if user else self.workspace.bot_user_id,
                thread_ts=thread_ts or None,
                via="sandbox",
            )
            self._messages[(channel_id, ts)] = message
            parent = self._messages.get((channel_id, thread_ts)) if thread_ts else None
            if parent is not None:
                parent.replies.append(message)
            return self._snapshot(message, deleted=False)

    def close_view(self, user: str | None, view_id: str) -> None:
        """The user closed the modal `view_id` (and those above it), as Slack's Cancel does."""
        with self._lock:
            stack = self._stacks[user]
            if view_id in stack:
                del stack[stack.index(view_id) :]

    def channel_names(self) -> dict[str, str]:
        """Every conversation's id and name (a DM's name is its id)."""
        with self._lock:
            return {k: str(v["name"]) for k, v in self._channels.items()}

    # --- what happened ---------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call received (failed ones too, with their error), oldest first."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None, *, deleted: bool = False) -> list[Message]:
        """The channel's messages as they now stand (edits applied, thread replies attached).

        Top-level messages only, oldest first; ephemeral messages are in `ephemerals()`.
        A channel may be given by id or by `#name`.
        """
        with self._lock:
            channel_id = self._channel_id_or_none(channel, create=False)
            found = [
                m
                for m in self._messages.values()
                if m.ephemeral_to is None
                and (channel is None or m.channel == channel_id)
                and (m.thread_ts is None or m.thread_ts == m.ts or self._orphan(m))
                and (deleted or not m.deleted)
            ]
            return [self._snapshot(m, deleted) for m in found]

    def message(self, channel: str, ts: str) -> Message:
        """One message (top-level, reply or ephemeral) by channel and ts; KeyError if unknown."""
        with self._lock:
            channel_id = self._channel_id_or_none(channel, create=False) or channel
            return self._snapshot(self._messages[(channel_id, ts)], deleted=True)

    def last_message(self, channel: str | None = None) -> Message | None:
        found = self.messages(channel)
        return found[-1] if found else None

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Message]:
        """Ephemeral messages as they now stand, each seen only by its `ephemeral_to` user."""
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.values()
                if m.ephemeral_to is not None
                and not m.deleted
                and (user is None or m.ephemeral_to == user)
                and (
                    channel is None or m.channel == self._channel_id_or_none(channel, create=False)
                )
            ]

    def responses(self, name: str | None = None) -> list[ResponsePost]:
        """POSTs received by response_urls, oldest first."""
        with self._lock:
            return [r for r in self._responses if name is None or r.name == name]

    def views(self, user: str | None) -> list[dict[str, Any]]:
        """The user's open modals, bottom of the stack first."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user, [])]

    def last_view(self, user: str | None) -> dict[str, Any] | None:
        """The modal on top of the user's stack (what they see), or None."""
        stack = self.views(user)
        return stack[-1] if stack else None

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[view_id])

    def home(self, user: str) -> dict[str, Any] | None:
        """The Home tab last published for the user."""
        with self._lock:
            view_id = self._homes.get(user)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def files(self) -> list[SlackFile]:
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values()]

    def user(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._users[user_id])

    def apply_view_response(self, view_id: str, response: Mapping[str, Any] | None) -> None:
        """Do what Slack does with the app's answer to a view_submission of `view_id`.

        No `response_action` closes that modal; `update` replaces it; `push` pushes a new one;
        `clear` closes the whole stack; `errors` leaves it open (the errors are kept on the view
        under `errors`, for a renderer to show).
        """
        response = response or {}
        action = response.get("response_action")
        with self._lock:
            owner = self._view_owner.get(view_id)
            stack = self._stacks[owner]
            if action == "errors":
                self._views[view_id]["errors"] = dict(response.get("errors") or {})
            elif action == "update":
                self._replace_view(view_id, dict(response["view"]))
            elif action == "push":
                self._push_view(owner, dict(response["view"]))
            elif action == "clear":
                stack.clear()
            elif view_id in stack:
                del stack[stack.index(view_id) :]

    # --- the HTTP side (called from the server's threads) ------------------------------------

    def _api(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            error: SlackError | None = None
            answer: dict[str, Any] = {}
            try:
                self._injected_failure(method)
                self._authenticate(token)
                handler = _METHODS.get(method)
                if handler is None:
                    raise SlackError("unknown_method")
                answer = handler(self, params)
            except SlackError as failure:
                error = failure
            except Exception as bug:  # a fault of the fake must reach the test as an answer
                error = SlackError("fatal_error", status=500, messages=[f"[ERROR] {bug!r}"])
            self._calls.append(Call(method, params, token, error.error if error else None))
            if error is None and self._dropped.get(method):
                self._dropped[method] -= 1
                return DROPPED, {}, {}
            if error is None:
                return 200, {}, {"ok": True, **answer}
            body: dict[str, Any] = {"ok": False, "error": error.error}
            if error.messages:
                body["response_metadata"] = {"messages": error.messages}
            return error.status, error.headers, body

    def _respond(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self._responses.append(ResponsePost(name, body))
            binding = self._bindings.setdefault(name, _Binding())
            original = self._original(binding)
            try:
                if body.get("delete_original"):
                    if original is not None:
                        original.deleted = True
                elif body.get("replace_original") and original is not None:
                    self._edit(original, body)
                else:
                    self._require_content(body)
                    ephemeral = body.get("response_type") != "in_channel"
                    message = self._post(
                        binding.channel or "",
                        body,
                        via=f"response_url:{name}",
                        ephemeral_to=(binding.user or "") if ephemeral else None,
                    )
                    binding.last_ts = message.ts
            except SlackError as error:
                # Slack answers a bad response_url post with HTTP 400 and the error.
                return 400, {"ok": False, "error": error.error}
            return 200, {"ok": True}

    def _upload(self, file_id: str, data: bytes) -> bool:
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return False
            upload.data = data
            return True

    def _download(self, file_id: str) -> SlackFile | None:
        with self._lock:
            return copy.deepcopy(self._files.get(file_id))

    # --- the methods -------------------------------------------------------------------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        return {
            "url": f"{self.base_url}/",
            "team": ws.team_name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        self._require_content(params)
        message = self._post(channel, params, via="chat.postMessage")
        return {"channel": channel, "ts": message.ts, "message": message.as_slack(self.workspace)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        user = self._user_id(params.get("user"))
        self._require_content(params)
        message = self._post(channel, params, via="chat.postEphemeral", ephemeral_to=user)
        return {"message_ts": message.ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        message = self._find(channel, params.get("ts"))
        if "blocks" in params:
            self._check_blocks(params.get("blocks"))
        self._edit(message, params)
        return {
            "channel": channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.as_slack(self.workspace),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        message = self._find(channel, params.get("ts"))
        message.deleted = True
        return {"channel": channel, "ts": message.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        message = self._find(channel, params.get("message_ts"))
        link = f"{self.base_url}/archives/{channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        message = self._find(channel, params.get("timestamp"))
        name = str(params.get("name") or "").strip(":")
        if not name:
            raise SlackError("invalid_name")
        users = message.reactions.setdefault(name, [])
        if self.workspace.bot_user_id in users:
            raise SlackError("already_reacted")
        users.append(self.workspace.bot_user_id)
        return {}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(params.get("trigger_id"))
        view = self._check_view(params.get("view"))
        stack = self._stacks[user]
        stack.clear()
        stored = self._push_view(user, view)
        return {"view": copy.deepcopy(stored)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(params.get("trigger_id"))
        view = self._check_view(params.get("view"))
        if len(self._stacks[user]) >= _MAX_MODAL_STACK:
            raise SlackError("push_limit_reached")
        return {"view": copy.deepcopy(self._push_view(user, view))}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next(
                (
                    k
                    for k, v in self._views.items()
                    if v.get("external_id") == params["external_id"]
                ),
                None,
            )
        if not view_id or view_id not in self._views:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != self._views[view_id]["hash"]:
            raise SlackError("hash_conflict")
        view = self._check_view(params.get("view"))
        return {"view": copy.deepcopy(self._replace_view(view_id, view))}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._user_id(params.get("user_id"))
        view = self._check_view(params.get("view"))
        if view.get("type") != "home":
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] views.publish needs a home view"]
            )
        current = self._homes.get(user)
        if current and params.get("hash") and params["hash"] != self._views[current]["hash"]:
            raise SlackError("hash_conflict")
        if current:
            stored = self._replace_view(current, view)
        else:
            stored = self._store_view(view, owner=user)
            self._homes[user] = stored["id"]
        return {"view": copy.deepcopy(stored)}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = copy.deepcopy(self._users[self._user_id(params.get("user"))])
        if str(params.get("include_locale", "")).lower() not in ("1", "true"):
            user.pop("locale", None)
        return {"user": user}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {"channel": {"id": self._channel_id(params["channel"])}}
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        users = [self._user_id(u) for u in users]
        if len(users) == 1:
            channel_id = self._dm(users[0])
        else:
            key = "mpdm-" + "--".join(sorted(users))
            found = next((k for k, v in self._channels.items() if v["name"] == key), None)
            channel_id = found or self._new_id("G")
            self._channels[channel_id] = {
                "id": channel_id,
                "name": key,
                "is_channel": False,
                "is_group": False,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
            }
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(params.get("channel"))
        info = {
            "created": 1_700_000_000,
            "is_archived": False,
            "is_member": True,
            **copy.deepcopy(self._channels[channel]),
        }
        return {"channel": info}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        # Slack wants a conversation id here: a user id is not one (open the DM first).
        channel = str(params.get("channel") or "")
        if not channel or channel[0] in "UW":
            raise SlackError("channel_not_found")
        channel = self._channel_id(channel)
        found = [
            m
            for m in self._messages.values()
            if m.channel == channel
            and m.ephemeral_to is None
            and not m.deleted
            and (m.thread_ts is None or m.thread_ts == m.ts or self._orphan(m))
        ]
        return self._page(found, params, newest_first=True)

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel or channel[0] in "UW":
            raise SlackError("channel_not_found")
        channel = self._channel_id(channel)
        parent = self._messages.get((channel, str(params.get("ts") or "")))
        if parent is None or parent.deleted or parent.ephemeral_to is not None:
            raise SlackError("thread_not_found")
        thread = [parent, *(r for r in parent.replies if not r.deleted)]
        return self._page(thread, params, newest_first=False)

    def _page(
        self, messages: list[Message], params: Mapping[str, Any], *, newest_first: bool
    ) -> dict[str, Any]:
        """One page of `messages` as conversations.history/replies answer: `oldest`/`latest`
        bound the ts (exclusive unless `inclusive`), `limit` (default 100) and `cursor` page,
        `include_all_metadata` adds each message's metadata."""

        def bound(name: str) -> float | None:
            value = params.get(name)
            if value in (None, ""):
                return None
            try:
                return float(value)
            except (TypeError, ValueError):
                raise SlackError(f"invalid_ts_{name}") from None

        oldest, latest = bound("oldest"), bound("latest")
        inclusive = str(params.get("inclusive") or "").lower() in ("1", "true")
        try:
            limit = max(1, min(999, int(params.get("limit") or 100)))
        except (TypeError, ValueError):
            raise SlackError("invalid_limit") from None
        chosen = []
        for message in sorted(messages, key=lambda m: float(m.ts), reverse=newest_first):
            ts = float(message.ts)
            if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
                continue
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                continue
            chosen.append(message)
        cursor = str(params.get("cursor") or "")
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
        except ValueError:
            raise SlackError("invalid_cursor") from None
        page = chosen[start : start + limit]
        metadata = str(params.get("include_all_metadata") or "").lower() in ("1", "true")
        shown = []
        for message in page:
            data = message.as_slack(self.workspace)
            if not metadata:
                data.pop("metadata", None)
            shown.append(data)
        more = start + limit < len(chosen)
        next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """Members of a channel, a page at a time (`limit`, `cursor`), as Slack pages them."""
        channel = str(params.get("channel") or "")
        if channel not in self._channels or channel.startswith("#"):
            raise SlackError("channel_not_found")  # an id is needed, as in Slack
        if channel in self._members:
            members = self._members[channel]
        else:
            members = [u for u, p in self._users.items() if not p.get("is_bot")]
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = members[start : start + limit]
        after = start + limit
        cursor = str(after) if after < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("filename")
        length = params.get("length")
        if not name or length in (None, ""):
            raise SlackError("invalid_arguments", messages=["[ERROR] filename and length needed"])
        file_id = self._new_id("F")
        self._files[file_id] = SlackFile(
            id=file_id, name=str(name), length=int(length), alt_txt=params.get("alt_txt")
        )
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("files") or []
        if not isinstance(wanted, list) or not wanted:
            raise SlackError("invalid_arguments", messages=["[ERROR] files must be a JSON list"])
        uploads = []
        for entry in wanted:
            upload = self._files.get(str(entry.get("id")))
            if upload is None or upload.data is None:
                raise SlackError("file_not_found")
            upload.title = entry.get("title") or upload.name
            uploads.append(upload)
        channels = [c for c in str(params.get("channels") or "").split(",") if c]
        if params.get("channel_id"):
            channels.insert(0, str(params["channel_id"]))
        channels = [self._channel_id(c) for c in channels]
        objects = [self._file_object(u) for u in uploads]
        for channel in channels:
            for upload in uploads:
                upload.shared_to.append(channel)
            self._post(
                channel,
                {"text": params.get("initial_comment") or "", "thread_ts": params.get("thread_ts")},
                via="files.completeUploadExternal",
                files=objects,
            )
        return {"files": objects}

    def _files_upload_v1(self, params: dict[str, Any]) -> dict[str, Any]:
        # Slack retired files.upload; an app still calling it should learn that here.
        raise SlackError("method_deprecated")

    # --- the store -----------------------------------------------------------------------------

    def _post(
        self,
        channel: str,
        params: Mapping[str, Any],
        *,
        via: str,
        ephemeral_to: str | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> Message:
        if params.get("blocks"):
            self._check_blocks(params.get("blocks"))
        self._check_metadata(params.get("metadata"))
        thread_ts = params.get("thread_ts") or None
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=str(params.get("text") or ""),
            blocks=list(params.get("blocks") or []),
            user=self.workspace.bot_user_id,
            thread_ts=thread_ts,
            ephemeral_to=ephemeral_to,
            attachments=list(params.get("attachments") or []),
            files=list(files or []),
            metadata=params.get("metadata") or None,
            via=via,
        )
        self._messages[(channel, message.ts)] = message
        parent = self._messages.get((channel, thread_ts)) if thread_ts else None
        if parent is not None and ephemeral_to is None:
            parent.replies.append(message)
        return message

    def _edit(self, message: Message, params: Mapping[str, Any]) -> None:
        message.versions.append({"text": message.text, "blocks": copy.deepcopy(message.blocks)})
        if "text" in params and params["text"] is not None:
            message.text = str(params["text"])
        if "blocks" in params and params["blocks"] is not None:
            self._check_blocks(params["blocks"])
            message.blocks = list(params["blocks"])
        if params.get("attachments") is not None:
            message.attachments = list(params["attachments"])
        if params.get("metadata") is not None:
            self._check_metadata(params["metadata"])
            message.metadata = params["metadata"]

    def _find(self, channel: str, ts: Any) -> Message:
        message = self._messages.get((channel, str(ts or "")))
        if message is None or message.deleted:
            raise SlackError("message_not_found")
        return message

    def _original(self, binding: _Binding) -> Message | None:
        ts = binding.message_ts or binding.last_ts
        if ts is None:
            return None
        message = self._messages.get((binding.channel or "", ts))
        return None if message is None or message.deleted else message

    def _orphan(self, message: Message) -> bool:
        return (message.channel, message.thread_ts or "") not in self._messages

    def _snapshot(self, message: Message, deleted: bool) -> Message:
        copied = copy.deepcopy(message)
        if not deleted:
            copied.replies = [r for r in copied.replies if not r.deleted]
        return copied

    def _store_view(self, view: dict[str, Any], *, owner: str | None) -> dict[str, Any]:
        view_id = self._new_id("V")
        stored: dict[str, Any] = {
            "id": view_id,
            "type": view.get("type", "modal"),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": None,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
        }
        stored.update(self._view_fields(view))
        self._views[view_id] = stored
        self._view_owner[view_id] = owner
        return stored

    def _push_view(self, user: str | None, view: dict[str, Any]) -> dict[str, Any]:
        stack = self._stacks[user]
        stored = self._store_view(view, owner=user)
        if stack:
            stored["previous_view_id"] = stack[-1]
            stored["root_view_id"] = stack[0]
        stack.append(stored["id"])
        return stored

    def _replace_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        stored = self._views[view_id]
        keep = {k: stored[k] for k in ("id", "root_view_id", "previous_view_id", "state")}
        stored.clear()
        stored.update(self._view_fields(view))
        stored.update(keep)
        stored["hash"] = self._new_hash()
        stored.pop("errors", None)
        return stored

    def _view_fields(self, view: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        fields: dict[str, Any] = {
            "team_id": ws.team_id,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "app_id": ws.app_id,
            "app_installed_team_id": ws.team_id,
            "bot_id": ws.bot_id,
            "clear_on_close": False,
            "notify_on_close": False,
        }
        fields.update({k: copy.deepcopy(v) for k, v in view.items() if k not in ("id", "hash")})
        return fields

    def _use_trigger(self, trigger_id: Any) -> str | None:
        trigger = self._triggers.get(str(trigger_id or ""))
        if trigger is None:
            if self.strict or not trigger_id:
                raise SlackError("invalid_trigger_id")
            return None
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self._clock() - trigger.issued > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    # --- checks ----------------------------------------------------------------------------

    def _injected_failure(self, method: str) -> None:
        queue = self._failures.get(method)
        if not queue:
            return
        error, status = queue.popleft()
        if error == "ratelimited":
            raise SlackError(
                error, status=status or 429, headers={"Retry-After": str(self.retry_after)}
            )
        raise SlackError(error, status=status or 200)

    def _authenticate(self, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if not token.startswith("xoxb-") or (self.token is not None and token != self.token):
            raise SlackError("invalid_auth")

    def _require_content(self, params: Mapping[str, Any]) -> None:
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            raise SlackError("no_text")

    def _check_blocks(self, blocks: Any) -> None:
        if not self.validate_blocks:
            return
        problem = _block_problem(blocks)
        if problem:
            raise SlackError("invalid_blocks", messages=[f"[ERROR] {problem}"])

    def _check_metadata(self, metadata: Any) -> None:
        # Slack's message metadata is an event: a type name and a JSON object of its own.
        if metadata in (None, "", {}):
            return
        if not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and metadata["event_type"]
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")

    def _check_view(self, view: Any) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise SlackError("invalid_arguments", messages=["[ERROR] view must be a JSON object"])
        if self.validate_blocks:
            problem = _view_problem(view)
            if problem:
                raise SlackError("invalid_arguments", messages=[f"[ERROR] {problem}"])
        return view

    def _channel_id(self, channel: Any) -> str:
        channel_id = self._channel_id_or_none(str(channel or ""))
        if channel_id is None:
            raise SlackError("channel_not_found")
        return channel_id

    def _channel_id_or_none(self, channel: str | None, *, create: bool = True) -> str | None:
        if not channel:
            return None
        if channel.startswith("#"):
            name = channel[1:]
            found = next((k for k, v in self._channels.items() if v["name"] == name), None)
            if found is None and create and not self.strict:
                found = self.add_channel(name)
            return found
        if channel in self._channels or not create:
            return channel
        if channel[0] in "UW" and (channel in self._users or not self.strict):
            # Posting to a user id posts in the bot's DM with them, as Slack does.
            return self._dm(self._user_id(channel))
        if self.strict or channel[0] not in "CGD":
            return None
        if channel[0] == "D":
            self._channels[channel] = _im(channel, None)
        else:
            self.add_channel(channel.lower(), channel, private=channel[0] == "G")
        return channel

    def _user_id(self, user: Any) -> str:
        user_id = str(user or "")
        if user_id in self._users:
            return user_id
        if self.strict or not user_id or user_id[0] not in "UW":
            raise SlackError("user_not_found")
        self._add_user(user_id)
        return user_id

    def _dm(self, user_id: str) -> str:
        channel_id = dm_channel_id(user_id)
        self._channels.setdefault(channel_id, _im(channel_id, user_id))
        return channel_id

    def _add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        name = name or user_id.lower()
        real_name = real_name or name
        try:
            now = datetime.fromtimestamp(self._clock(), ZoneInfo(tz))
        except ZoneInfoNotFoundError as error:
            raise ValueError(f"{tz!r} is not a time zone (use names like Europe/Berlin)") from error
        offset = now.utcoffset()
        user = {
            "id": user_id,
            "team_id": self.workspace.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "locale": locale,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email or f"{name}@{self.workspace.team_domain}.example",
                "image_48": "",
                "team": self.workspace.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self._clock()),
        }
        self._users[user_id] = user
        return user

    # --- ids -------------------------------------------------------------------------------

    def _new_ts(self) -> str:
        # Slack ts values are unique per channel and increase; microseconds keep them exact.
        now_us = int(self._clock() * 1_000_000)
        self._last_us = max(now_us, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def _ts_at(self, channel: str, at: float) -> str:
        us = int(at * 1_000_000)
        while (channel, f"{us // 1_000_000}.{us % 1_000_000:06d}") in self._messages:
            us += 1
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _new_hash(self) -> str:
        return f"{int(self._clock())}.{next(self._ids):08x}"

    def _file_object(self, upload: SlackFile) -> dict[str, Any]:
        url = f"{self.base_url}/files/{upload.id}/{quote(upload.name)}"
        return {
            "id": upload.id,
            "created": int(self._clock()),
            "timestamp": int(self._clock()),
            "name": upload.name,
            "title": upload.title or upload.name,
            "mimetype": upload.mimetype,
            "filetype": upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else "",
            "user": self.workspace.bot_user_id,
            "size": len(upload.data or b""),
            "url_private": url,
            "url_private_download": url,
            "permalink": f"{self.base_url}/files/{upload.id}",
            "alt_txt": upload.alt_txt,
            "is_public": True,
        }


def _im(channel_id: str, user_id: str | None) -> dict[str, Any]:
    return {
        "id": channel_id,
        "name": channel_id,
        "is_channel": False,
        "is_group": False,
        "is_im": True,
        "is_mpim": False,
        "is_private": True,
        "user": user_id,
        "is_open": True,
    }


def _block_problem(blocks: Any) -> str | None:
    from slack_sdk.models.blocks import Block

    if not isinstance(blocks, list):
        return "blocks must be a JSON list"
    if len(blocks) > 50:
        return f"{len(blocks)} blocks; a message may have at most 50"
    try:
        for raw in blocks:
            parsed = Block.parse(raw)
            if parsed is None:
                return f"unknown block {raw!r}"
            parsed.validate_json()
    except Exception as error:  # slack_sdk raises several kinds; Slack says invalid_blocks
        return str(error)
    return None


def _view_problem(view: dict[str, Any]) -> str | None:
    from slack_sdk.models.views import View

    if view.get("type") not in ("modal", "home"):
        return f"view type {view.get('type')!r}; expected modal or home"
    for raw in view.get("blocks") or []:
        problem = _block_problem([raw])
        if problem:
            return problem
    try:
        View(**view).validate_json()
    except Exception as error:
        return str(error)
    return None


_METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.update": FakeSlack._chat_update,
    "chat.delete": FakeSlack._chat_delete,
    "chat.getPermalink": FakeSlack._chat_get_permalink,
    "views.open": FakeSlack._views_open,
    "views.update": FakeSlack._views_update,
    "views.push": FakeSlack._views_push,
    "views.publish": FakeSlack._views_publish,
    "users.info": FakeSlack._users_info,
    "conversations.open": FakeSlack._conversations_open,
    "conversations.info": FakeSlack._conversations_info,
    "conversations.history": FakeSlack._conversations_history,
    "conversations.replies": FakeSlack._conversations_replies,
    "conversations.members": FakeSlack._conversations_members,
    "reactions.add": FakeSlack._reactions_add,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url,
    "files.completeUploadExternal": FakeSlack._files_complete_upload,
    "files.upload": FakeSlack._files_upload_v1,
}


def _parse_params(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            loaded = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError:
            loaded = {}
        if isinstance(loaded, dict):
            params.update(loaded)
    elif "multipart" not in content_type:
        params.update({k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()})
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value.strip().startswith(("[", "{")):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeSlack/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output quiet; every call is recorded in fake.calls()

        def _foreign_host(self) -> bool:
            # As the sandbox page does: a name that only resolves here (DNS rebinding) is refused.
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host in ("127.0.0.1", "localhost", fake._host):
                return False
            self.close_connection = True  # its body, if any, is not read
            self._send(400, b"Invalid host header", "text/plain")
            return True

        def do_POST(self) -> None:
            if self._foreign_host():
                return
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = parts.path
            if path.startswith("/api/"):
                params = _parse_params(raw, self.headers.get("Content-Type") or "", parts.query)
                token = _bearer(self.headers.get("Authorization")) or params.pop("token", None)
                status, headers, body = fake._api(path[len("/api/") :], params, token)
                if status == DROPPED:
                    self.close_connection = True  # applied, but the answer never arrives
                    return
                self._json(status, body, headers)
            elif path.startswith("/response/"):
                params = _parse_params(raw, self.headers.get("Content-Type") or "", "")
                if isinstance(params.get("payload"), str):
                    params = json.loads(params["payload"])
                status, answer = fake._respond(unquote(path[len("/response/") :]), params)
                self._json(status, answer)
            elif path.startswith("/upload/"):
                if fake._upload(path[len("/upload/") :], raw):
                    self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
                else:
                    self._send(404, b"file_not_found", "text/plain")
            else:
                self._json(404, {"ok": False, "error": "unknown_method"})

        def do_GET(self) -> None:
            if self._foreign_host():
                return
            parts = urlsplit(self.path)
            if parts.path.startswith("/api/"):
                token = _bearer(self.headers.get("Authorization"))
                params = _parse_params(b"", "", parts.query)
                token = token or params.pop("token", None)
                status, headers, body = fake._api(parts.path[len("/api/") :], params, token)
                if status == DROPPED:
                    self.close_connection = True
                    return
                self._json(status, body, headers)
                return
            if parts.path.startswith("/files/"):
                file_id = parts.path.split("/")[2]
                upload = fake._download(file_id)
                if upload is not None and upload.data is not None:
                    self._send(200, upload.data, upload.mimetype)
                    return
            self._send(404, b"not found", "text/plain")

        def _json(
            self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
        ) -> None:
            self._send(
                status, json.dumps(body).encode(), "application/json; charset=utf-8", headers
            )

        def _send(
            self,
            status: int,
            data: bytes,
            content_type: str,
            headers: Mapping[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None
