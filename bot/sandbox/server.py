"""The browser sandbox: the real Bolt app, a stand-in for Slack, and a page that looks like Slack.

One process, one port (default http://127.0.0.1:3000), nothing leaves the machine:

- `/` and `/static/…`: the page (plain HTML, CSS and JS in `bot/sandbox/static/`).
- `/slack/events`: the Bolt app, exactly as `promisebot run` serves it.
- `/sandbox/…`: a small JSON API for the page. Each thing a person does becomes what Slack would
  send the app: a signed slash command, block action, view submission, options request or
  `app_home_opened` event (`SlackRequester`), with response_urls and trigger_ids issued by the
  fake Web API (`FakeSlack`), which the app calls back and which records everything the page
  then shows (`GET /sandbox/state`, polled by the page). It is for the page alone: POSTs must
  be JSON from the page's own origin (a cross-site form or `text/plain` fetch is refused), and
  every route answers only to this machine's names in `Host` (no DNS rebinding).

    sandbox = Sandbox(Settings.from_env(os.environ)).start()
    print(sandbox.url)
    ...
    sandbox.close()

The sandbox lives on a fixed planning date (`as_of`, default today, or the next Monday on a
weekend: `bot.sandbox.seed.demo_today`) and a clock that starts at 09:00 factory time on that day,
so holds, digests and reminders read sensibly. The demo factory's dates are moved to that day
(`bot.demo.demo_factory`), so its story plays on any day.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import socket
import threading
import time as timing
import urllib.request
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import Services, build_app, web_client
from bot.app.server import asgi_app
from bot.platform import i18n
from bot.platform.clock import Clock
from bot.platform.db.session import make_engine, make_session_factory
from bot.platform.settings import Settings
from bot.sandbox.fake_slack import FakeSlack, Message
from bot.sandbox.seed import (
    CHANNELS,
    MANAGEMENT,
    OPERATIONS,
    PEOPLE,
    SALES,
    Story,
    demo_today,
    populate,
    post_history,
    prepare,
    sandbox_settings,
    story,
)
from bot.sandbox.signing import SlackReply, SlackRequester, Workspace, dm_channel_id, fill_view

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


PROMISE_COMMANDS = {
    "en": "/promise 40 BRKT for Acme by {wanted}",
    "vi": "/promise 40 BRKT cho Acme trước {wanted}",
    "zh_Hans": "/promise 40 BRKT 给 Acme {wanted}前",
}
"""The first step's quote as Sam types it in each language."""


def first_steps(story: Story, language: str = "en") -> list[dict[str, Any]]:
    """The three guided steps on the page, for the days of `story` (the wanted day by name);
    the quote is typed in Sam's `language`."""
    wanted = story.wanted_words
    command = PROMISE_COMMANDS.get(language, PROMISE_COMMANDS["en"]).format(
        wanted=story.wanted_in(language)
    )
    return [
        {
            "title": "Quote a date",
            "text": f"As Sam in #sales. The plan cannot make all 40 by {wanted}: see what it "
            "offers.",
            "user": PEOPLE[0].user_id,
            "channel": SALES,
            "command": command,
        },
        {
            "title": "Ask operations",
            "text": "Press “Ask operations” on the quote, then, as Pat in #operations, approve "
            "with overtime. Sam gets the held order by DM and on Home.",
            "user": PEOPLE[1].user_id,
            "channel": OPERATIONS,
            "command": None,
        },
        {
            "title": "Open the digest",
            "text": "As Morgan in #management: last week's promises kept and missed, requests, "
            "load and pipeline, with charts.",
            "user": PEOPLE[2].user_id,
            "channel": MANAGEMENT,
            "command": None,
        },
    ]


class Sandbox:
    """Everything `promisebot demo` runs, started and stopped together.

    `settings.database_url` is the database to use (prepared if it is new); `port=0` picks a free
    port (the tests do). Nothing listens beyond `host`, 127.0.0.1 by default.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        as_of: date | None = None,
        languages: Mapping[str, str] | None = None,
    ) -> None:
        self.as_of = as_of or demo_today(settings)
        self.languages = dict(languages or {})
        """The Slack language of each of the cast given one (user id to language)."""
        self.settings = sandbox_settings(settings, as_of=self.as_of, slack_api_url=None)
        self.host = host
        self.port = port
        # A fixed day: 09:00 factory time on as_of when the sandbox starts, then real time passes.
        self.clock = Clock.from_settings(self.settings)
        self.prepared: list[str] = []
        self.story: Story | None = None
        """The first steps' days, known once the database is prepared."""
        self.slack: FakeSlack | None = None
        self.app: App | None = None
        self.services: Services | None = None
        self.requester: SlackRequester | None = None
        self._client: WebClient | None = None
        """The Web API client the page's own reads use (made once, not on every poll)."""
        self._engine: Engine | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._served = threading.Event()
        self._names = itertools.count(1)

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Prepare the database, start the fake Slack, the app and the page; return at once."""
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self.prepared = prepare(self.settings)
        self.slack = FakeSlack(
            token=self.settings.slack_bot_token,
            workspace=Workspace(),
            clock=self.clock.timestamp,
        ).start()
        populate(self.slack, self.languages)
        self.settings = dataclasses.replace(self.settings, slack_api_url=self.slack.url)
        self._engine = make_engine(self.settings.database_url)
        sessions = make_session_factory(self._engine)
        self.services = Services.create(self.settings, sessions, clock=self.clock)
        self.app = build_app(self.settings, self.services)
        self.story = story(self.as_of, self.services.orders.engine().factory.calendar)
        post_history(self.slack, self.settings, sessions, self.story)

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, self.port))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.asgi(),
            host=self.host,
            port=self.port,
            ws="none",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._serve, args=(self._server, self._socket), name="sandbox-http", daemon=True
        )
        self._thread.start()
        deadline = timing.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or timing.monotonic() > deadline:
                raise RuntimeError(f"the sandbox's web server did not start on {self.url}")
            timing.sleep(0.02)
        self.requester = SlackRequester(
            self.url,
            self.settings.slack_signing_secret or "",
            workspace=self.slack.workspace,
            trigger_ids=self.slack.trigger_id,
            channel_names=CHANNELS,
            user_names={p.user_id: p.name for p in PEOPLE},
            timeout=30,
        )

    def wait(self) -> None:
        """Block until the web server stops (Ctrl-C raises KeyboardInterrupt here)."""
        # Sleep and look, rather than join(): a KeyboardInterrupt inside Thread.join() can leave
        # the thread looking finished to the join() in close() while uvicorn still shuts down.
        while not self._served.is_set():
            timing.sleep(0.2)

    def _serve(self, server: uvicorn.Server, listening: socket.socket) -> None:
        try:
            server.run(sockets=[listening])
        finally:
            self._served.set()

    def close(self) -> None:
        """Stop the web server, let the app's listeners finish, stop the fake Slack."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._served.wait(timeout=10)
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        if self.app is not None:
            executor = getattr(self.app.listener_runner, "listener_executor", None)
            if executor is not None:
                executor.shutdown(wait=True)
        if self.slack is not None:
            self.slack.close()
        if self._engine is not None:
            self._engine.dispose()
        self._server = self._thread = self._socket = None
        self.app = self.slack = None
        self._engine = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- the web server --------------------------------------------------------------------

    def asgi(self) -> Starlette:
        """The page, its JSON API and the Bolt app's `/slack/events`, as one Starlette app."""
        assert self.app is not None

        def api(handler: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                if request.method == "POST":
                    refusal = _cross_site(request, self.origins)
                    if refusal is not None:
                        log.warning("refused %s: %s", request.url.path, refusal[1])
                        return JSONResponse({"ok": False, "error": refusal[1]}, refusal[0])
                    try:
                        body = json.loads(await _limited_body(request, API_MAX_BODY_BYTES))
                    except (ValueError, UnicodeDecodeError):
                        body = None
                    if not isinstance(body, dict):
                        error = "Send one JSON object."
                        return JSONResponse({"ok": False, "error": error}, status_code=400)
                else:
                    body = {}
                body.update(request.query_params)
                try:
                    # The handlers block (they wait for the app, which calls the fake Slack),
                    # so they run in worker threads, never on the event loop.
                    result = await run_in_threadpool(handler, body)
                except SandboxError as error:
                    return JSONResponse({"ok": False, "error": str(error)}, status_code=400)
                return JSONResponse({"ok": True, **(result or {})})

            return endpoint

        async def index(_: Request) -> Response:
            return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

        async def file(request: Request) -> Response:
            found = self._file(request.path_params["file_id"])
            if found is None:
                return PlainTextResponse("not found", status_code=404)
            data, mimetype = found
            return Response(data, media_type=mimetype)

        routes = [
            Route("/", index, methods=["GET"]),
            Route("/sandbox/state", api(self.state), methods=["GET"]),
            Route("/sandbox/command", api(self.command), methods=["POST"]),
            Route("/sandbox/message", api(self.message), methods=["POST"]),
            Route("/sandbox/action", api(self.action), methods=["POST"]),
            Route("/sandbox/submit", api(self.submit), methods=["POST"]),
            Route("/sandbox/close", api(self.close_modal), methods=["POST"]),
            Route("/sandbox/options", api(self.options), methods=["POST"]),
            Route("/sandbox/home", api(self.open_home), methods=["POST"]),
            Route("/sandbox/digest", api(self.post_digest), methods=["POST"]),
            Route("/sandbox/language", api(self.choose_language), methods=["POST"]),
            Route("/sandbox/files/{file_id}/{name}", file, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
            Mount(
                "",
                app=asgi_app(self.app, signing_secret=self.settings.slack_signing_secret or ""),
            ),
        ]
        # DNS rebinding: a page on another name that resolves to 127.0.0.1 reaches this port
        # with its own name in Host; only this machine's names are served (400 otherwise).
        return Starlette(
            routes=routes,
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(self.hostnames))],
        )

    @property
    def hostnames(self) -> tuple[str, ...]:
        """The names the page may be reached by: this machine's own."""
        names = ["127.0.0.1", "localhost"]
        if self.host not in (*names, "0.0.0.0", "::", ""):
            names.append(self.host)
        return tuple(names)

    @property
    def origins(self) -> frozenset[str]:
        """The page's own origins: the only ones whose scripts may use the JSON API."""
        return frozenset(f"http://{name}:{self.port}" for name in self.hostnames)

    # --- what people do --------------------------------------------------------------------

    def command(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A line typed in the message box: a slash command goes to the app, text is posted."""
        user, channel = self._who(body), _text(body, "channel")
        line = str(body.get("text") or "").strip()
        if not line.startswith("/"):
            return self.message(body)
        name, _, text = line.partition(" ")
        response = self._response_name("cmd")
        url = self._slack.response_url(response, channel=channel, user=user)
        reply = self._requester.command(name, text.strip(), user, channel, response_url=url)
        if reply.status == 404:
            _post_json(
                url,
                {
                    "text": f"{name} failed: promisebot has no {name} command (yet). Try "
                    "/promise, /promisebot help, or a button on a message.",
                },
            )
        elif reply.status != 200:
            _post_json(url, {"text": f'{name} failed with the error "http_{reply.status}".'})
        else:
            _show_ack(url, reply)
        return {"status": reply.status}

    def choose_language(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The page's language switch: the person types `/promisebot language LANG me` in their
        DM with the bot, as they would in Slack (the bot answers there, in that language)."""
        user = self._who(body)
        language = _text(body, "language")
        if language not in (*i18n.LANGUAGES, "auto"):
            raise ValueError(f"{language!r} is not one of {', '.join(i18n.LANGUAGES)} or auto")
        return self.command(
            {
                "user": user,
                "channel": dm_channel_id(user),
                "text": f"/promisebot language {language} me",
            }
        )

    def message(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A plain message from a person (the app does not read them; people do)."""
        user, channel = self._who(body), _text(body, "channel")
        text = str(body.get("text") or "").strip()
        if not text:
            raise SandboxError("Type a message or a /command.")
        posted = self._slack.post_as(user, channel, text, thread_ts=body.get("thread_ts") or None)
        return {"ts": posted.ts}

    def action(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A click, a pick in a select or a date in a datepicker, on a message or a view."""
        user = self._who(body)
        view_id = body.get("view_id")
        if view_id:
            view = self._slack.view(str(view_id))
            element, block_id = _element(view.get("blocks") or [], body)
            shown = fill_view(view, body.get("values") or {})
            reply = self._requester.block_action(
                element["action_id"],
                _picked(element, body),
                user,
                None,
                None,
                None,
                block_id=block_id,
                view=shown,
                element=element,
            )
            return {"status": reply.status}
        channel, ts = _text(body, "channel"), _text(body, "ts")
        try:
            message = self._slack.message(channel, ts)
        except KeyError:
            raise SandboxError("That message is gone.") from None
        element, block_id = _element(message.blocks, body)
        response = self._response_name("act")
        url = self._slack.response_url(response, channel=channel, user=user, message_ts=ts)
        reply = self._requester.block_action(
            element["action_id"],
            _picked(element, body),
            user,
            channel,
            message.as_slack(self._slack.workspace),
            url,
            block_id=block_id,
            ephemeral=message.ephemeral_to is not None,
            element=element,
        )
        if reply.status != 200:
            _post_json(url, {"text": f"That did not work: the app answered HTTP {reply.status}."})
        return {"status": reply.status}

    def submit(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The modal's submit button: the app answers, and the fake does what Slack would."""
        user, view_id = self._who(body), _text(body, "view_id")
        view = self._slack.view(view_id)
        reply = self._requester.view_submission(fill_view(view, body.get("values") or {}), user)
        if reply.status != 200:
            raise SandboxError(f"The app answered HTTP {reply.status}; the form stays open.")
        answer = reply.body if isinstance(reply.body, dict) else None
        self._slack.apply_view_response(view_id, answer)
        return {"errors": (answer or {}).get("errors") or {}}

    def close_modal(self, body: Mapping[str, Any]) -> dict[str, Any]:
        user, view_id = self._who(body), _text(body, "view_id")
        view = self._slack.view(view_id)
        self._slack.close_view(user, view_id)
        if view.get("notify_on_close"):
            self._requester.view_closed(view, user)
        return {}

    def options(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """An external select's typeahead: Slack asks the app for options as the person types."""
        user, view_id = self._who(body), _text(body, "view_id")
        view = self._slack.view(view_id)
        element, block_id = _element(view.get("blocks") or [], body)
        reply = self._requester.block_suggestion(
            element["action_id"], str(body.get("value") or ""), user, view, block_id=block_id
        )
        answer = reply.body if isinstance(reply.body, dict) else {}
        return {
            "options": answer.get("options") or [],
            "option_groups": answer.get("option_groups") or [],
        }

    def open_home(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The person opened promisebot's Home tab: Slack sends `app_home_opened`."""
        reply = self._requester.app_home_opened(self._who(body))
        return {"status": reply.status}

    def post_digest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Post last week's digest to #management now, as the Monday job would."""
        from bot.collaboration.digest import build_digest, last_complete_week, post_digest

        assert self.services is not None
        orders = self.services.orders
        now = self.clock()
        week = last_complete_week(orders.today())
        # Drawn in #management's language, as the Monday job draws it in its channel's.
        with i18n.using(self.services.languages.of_channel(MANAGEMENT)):
            digest = build_digest(orders.sessions, orders, week, now)
            ts = post_digest(web_client(self.settings), MANAGEMENT, digest)
        return {"ts": ts}

    # --- what the page shows ---------------------------------------------------------------

    def state(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Everything one person sees: channels, their DM with the bot, modal and Home tab."""
        user = self._who(body)
        slack = self._slack
        conversations = {}
        for channel_id in [*CHANNELS, dm_channel_id(user)]:
            shown = [m for m in slack.messages(channel_id) if m.ephemeral_to is None]
            mine = [
                m
                for m in slack.ephemerals(user, channel_id)
                if not m.thread_ts or m.thread_ts == m.ts
            ]
            conversations[channel_id] = [
                self._message_json(m, user) for m in sorted(shown + mine, key=lambda m: m.ts)
            ]
        modal = slack.last_view(user)
        # Each person's language as the app has it (their Slack locale is read the first time,
        # as the app does when they first act).
        if self._client is None:
            self._client = web_client(self.settings)
        client = self._client
        languages = {
            p.user_id: self._services.languages.for_person(p.user_id, client) for p in PEOPLE
        }
        return {
            "as_of": self.as_of.isoformat(),
            "timezone": self.settings.timezone,
            "now": self.clock().isoformat(),
            "me": user,
            "bot": {"id": slack.workspace.bot_user_id, "name": slack.workspace.bot_name},
            "people": [
                {
                    "id": p.user_id,
                    "name": p.name,
                    "real_name": p.real_name,
                    "title": p.title,
                    "language": languages[p.user_id],
                }
                for p in PEOPLE
            ],
            "languages": [{"code": c, "name": n} for c, n in i18n.NAMES.items()],
            "channels": [{"id": k, "name": v} for k, v in CHANNELS.items()],
            "dm": dm_channel_id(user),
            "conversations": conversations,
            "modal": _view_json(modal) if modal else None,
            "modal_depth": len(slack.views(user)),
            "home": _view_json(home) if (home := slack.home(user)) else None,
            "first_steps": first_steps(self._story, languages[PEOPLE[0].user_id]),
        }

    def _message_json(self, message: Message, user: str) -> dict[str, Any]:
        replies = [r for r in message.replies if r.ephemeral_to in (None, user) and not r.deleted]
        return {
            "ts": message.ts,
            "user": message.user,
            "text": message.text,
            "blocks": message.blocks,
            "files": [self._file_json(f) for f in message.files],
            "ephemeral": message.ephemeral_to is not None,
            "edited": message.edited,
            "reactions": message.reactions,
            "thread_ts": message.thread_ts,
            "replies": [self._message_json(r, user) for r in replies],
        }

    def _file_json(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": entry.get("id"),
            "name": entry.get("name"),
            "title": entry.get("title"),
            "mimetype": entry.get("mimetype"),
            "url": f"/sandbox/files/{entry.get('id')}/{entry.get('name')}",
        }

    def _file(self, file_id: str) -> tuple[bytes, str] | None:
        for found in self._slack.files():
            if found.id == file_id and found.data is not None:
                return found.data, found.mimetype
        return None

    # --- pieces ----------------------------------------------------------------------------

    @property
    def _services(self) -> Services:
        if self.services is None:
            raise RuntimeError("the sandbox is not started")
        return self.services

    @property
    def _slack(self) -> FakeSlack:
        if self.slack is None:
            raise SandboxError("The sandbox is not running.")
        return self.slack

    @property
    def _story(self) -> Story:
        if self.story is None:
            raise SandboxError("The sandbox is not running.")
        return self.story

    @property
    def _requester(self) -> SlackRequester:
        if self.requester is None:
            raise SandboxError("The sandbox is not running.")
        return self.requester

    def _who(self, body: Mapping[str, Any]) -> str:
        user = _text(body, "user")
        if user not in {p.user_id for p in PEOPLE}:
            raise SandboxError(f"{user!r} is not one of the sandbox's people.")
        return user

    def _response_name(self, kind: str) -> str:
        return f"{kind}-{next(self._names)}"


API_MAX_BODY_BYTES = 64 * 1024
"""The page's requests are a few hundred bytes; a form's values a few KiB."""


def _cross_site(request: Request, origins: frozenset[str]) -> tuple[int, str] | None:
    """Why a POST to the JSON API is not the page's own (status, reason), or None.

    Only JSON is accepted: a cross-site form or `text/plain` fetch cannot send it without a CORS
    preflight, which this server never allows. A browser's Origin and Sec-Fetch-Site must also
    say the request comes from the page itself (tools like curl send neither).
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return 415, "The sandbox's API takes application/json only."
    origin = request.headers.get("origin")
    if origin is not None and origin not in origins:
        return 403, "Requests from other sites are refused."
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return 403, "Requests from other sites are refused."
    return None


async def _limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > limit:
        raise ValueError("too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ValueError("too large")
    return body


class SandboxError(Exception):
    """A request the page should not have sent; answered 400 with the message."""


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not value:
        raise SandboxError(f"{key} is missing")
    return str(value)


def _element(blocks: list[dict[str, Any]], body: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The element the person used: block `block` (index), element `element` (index, or None for
    a section's accessory or an input's element). Slack gives blocks without an id one; so do we.
    """
    try:
        index = int(body["block"])
        block = blocks[index]
        position = body.get("element")
        if position is None:
            element = block.get("accessory") or block.get("element")
        else:
            element = (block.get("elements") or [])[int(position)]
    except (KeyError, IndexError, TypeError, ValueError):
        raise SandboxError("That element is no longer there.") from None
    if not isinstance(element, dict) or not element.get("action_id"):
        raise SandboxError("That element does nothing.")
    return element, str(block.get("block_id") or f"b{index}")


def _picked(element: Mapping[str, Any], body: Mapping[str, Any]) -> str | None:
    """What the action carries: a button's own value, or what was picked or typed."""
    if element.get("type") == "button":
        value = element.get("value")
        return None if value is None else str(value)
    picked = body.get("value")
    return None if picked is None else str(picked)


def _view_json(view: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "type", "title", "submit", "close", "blocks", "errors", "hash", "callback_id")
    return {k: view.get(k) for k in keep}


def _show_ack(url: str, reply: SlackReply) -> None:
    """Slack shows an ack's text or blocks to the person alone; so does the sandbox."""
    body = reply.body
    if isinstance(body, dict) and (body.get("text") or body.get("blocks")):
        _post_json(url, {k: v for k, v in body.items() if k in ("text", "blocks", "response_type")})
    elif isinstance(body, str) and body.strip():
        _post_json(url, {"text": body.strip()})


def _post_json(url: str, body: Mapping[str, Any]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()
