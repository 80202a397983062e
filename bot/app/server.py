"""Serving the Slack app: HTTP through Bolt's Starlette adapter under uvicorn, or Socket Mode.

Over HTTP, Slack posts to `/slack/events` on PORT (default 3000); `GET /healthz` answers 200
for load balancers, with what `status()` reports as JSON (whether this replica holds the
scheduler lease, the outbox's backlog and the age of its oldest undelivered message, reminders
recorded as missed), and `GET /metrics` answers in Prometheus' text format (bot.platform.metrics).
Each request is dispatched in a worker thread, so one slow listener never
holds up the event loop or another request's ack. With SLACK_APP_TOKEN set the app connects to
Slack over Socket Mode instead and needs no public URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.platform import metrics
from bot.platform.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


Status = Callable[[], dict[str, Any]]
"""What /healthz reports beside `"status": "ok"` (bot.app.background.Background.status)."""


def asgi_app(app: App, *, status: Status | None = None) -> Starlette:
    """A Starlette application that hands Slack's requests to the Bolt `app`."""

    async def events(request: Request) -> Response:
        body = await request.body()
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def health(_: Request) -> Response:
        if status is None:
            return PlainTextResponse("ok")
        return JSONResponse({"status": "ok", **await run_in_threadpool(status)})

    async def metrics_text(_: Request) -> Response:
        body = await run_in_threadpool(metrics.render, status)
        return Response(body, media_type=metrics.CONTENT_TYPE)

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
        ]
    )


def uvicorn_config(
    app: App, *, host: str, port: int, status: Status | None = None
) -> uvicorn.Config:
    # No websockets and no lifespan: Slack only POSTs, and nothing needs start-up hooks.
    return uvicorn.Config(
        asgi_app(app, status=status),
        host=host,
        port=port,
        ws="none",
        lifespan="off",
        log_level="info",
        access_log=False,
    )


def serve(
    app: App, settings: Settings, *, host: str = "0.0.0.0", status: Status | None = None
) -> None:
    """Run until interrupted: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return
    log.info("serving Slack requests on http://%s:%d%s", host, settings.port, EVENTS_PATH)
    uvicorn.Server(uvicorn_config(app, host=host, port=settings.port, status=status)).run()
