"""Serving the Slack app: HTTP through Bolt's Starlette adapter under uvicorn, or Socket Mode.

Over HTTP, Slack posts to `/slack/events` on PORT (default 3000); `GET /healthz` answers `ok`
for load balancers. Each request is dispatched in a worker thread, so one slow listener never
holds up the event loop or another request's ack. With SLACK_APP_TOKEN set the app connects to
Slack over Socket Mode instead and needs no public URL.
"""

from __future__ import annotations

import logging

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.platform.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def asgi_app(app: App) -> Starlette:
    """A Starlette application that hands Slack's requests to the Bolt `app`."""

    async def events(request: Request) -> Response:
        body = await request.body()
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def uvicorn_config(app: App, *, host: str, port: int) -> uvicorn.Config:
    # No websockets and no lifespan: Slack only POSTs, and nothing needs start-up hooks.
    return uvicorn.Config(
        asgi_app(app),
        host=host,
        port=port,
        ws="none",
        lifespan="off",
        log_level="info",
        access_log=False,
    )


def serve(app: App, settings: Settings, *, host: str = "0.0.0.0") -> None:
    """Run until interrupted: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return
    log.info("serving Slack requests on http://%s:%d%s", host, settings.port, EVENTS_PATH)
    uvicorn.Server(uvicorn_config(app, host=host, port=settings.port)).run()
