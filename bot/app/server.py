"""Serving the Slack app: HTTP through Bolt's Starlette adapter under uvicorn, or Socket Mode.

Over HTTP, Slack posts to `/slack/events` on PORT (default 3000); `GET /healthz` answers `ok`
for load balancers. Each request is dispatched in a worker thread, so one slow listener never
holds up the event loop or another request's ack. With SLACK_APP_TOKEN set the app connects to
Slack over Socket Mode instead and needs no public URL.

Before Bolt sees a request, `/slack/events` checks it the way Slack asks (fail closed, cheapest
check first): a body over MAX_BODY_BYTES is refused (413) from its Content-Length alone, or as
soon as the stream passes the limit; then the signature is checked on the raw bytes (401 for a
missing, non-numeric or stale X-Slack-Request-Timestamp or a wrong X-Slack-Signature); only a
signed body is decoded (400 when it is not UTF-8 or not a form or JSON object Slack would send).
Refusals are logged with their reason and size, never with the body or a header's value.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import uvicorn
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.platform.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 256 * 1024
"""The largest request body `/slack/events` reads (256 KiB). Slack's payloads to promisebot are a
few KiB (a block action carries its message, a submission its view: under 40 KiB for the largest
Home tab); anything bigger is refused before it is read."""
MAX_SIGNATURE_AGE_SECONDS = 300
"""Slack's replay window: a request signed more than five minutes from now is refused."""
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a request was not handed to the app: the HTTP status and a reason fit for the log."""

    status: int
    reason: str


def verify_signature(
    signing_secret: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    *,
    now: float,
) -> Refusal | None:
    """None when `raw_body` carries a valid Slack signature made within the replay window.

    `headers` are the request's headers with lower-case names. The HMAC is computed on the bytes
    as received, so nothing unsigned is ever decoded or parsed.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return Refusal(401, "no readable X-Slack-Request-Timestamp")
    if abs(now - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
        return Refusal(401, "a timestamp outside Slack's five-minute window")
    signature = headers.get("x-slack-signature", "")
    if not _SIGNATURE.fullmatch(signature):
        return Refusal(401, "no readable X-Slack-Signature")
    base = b"v0:" + timestamp.encode("ascii") + b":" + raw_body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        return Refusal(401, "a signature that does not match")
    return None


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes (then _TooLarge)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isascii() or not declared.isdigit()):
        raise ValueError("Content-Length is not a number")
    if declared is not None and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(refusal: Refusal, size: int | str) -> Response:
    log.warning("refused a request to %s: %s (%s bytes)", EVENTS_PATH, refusal.reason, size)
    # Close the connection: whatever the client still sends of a refused body is not read.
    return JSONResponse(
        {"ok": False, "error": "too large" if refusal.status == 413 else "invalid request"},
        status_code=refusal.status,
        headers={"Connection": "close"},
    )


def asgi_app(
    app: App,
    *,
    signing_secret: str,
    max_body_bytes: int = MAX_BODY_BYTES,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """A Starlette application that checks Slack's requests and hands them to the Bolt `app`."""

    def handle(raw: bytes, request: Request) -> Response:
        # In a worker thread: the HMAC, the decoding and the dispatch never run on the event loop.
        refusal = verify_signature(signing_secret, raw, request.headers, now=clock())
        if refusal is not None:
            return _refused(refusal, len(raw))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(Refusal(400, "a signed body that is not UTF-8"), len(raw))
        try:
            bolt_request = BoltRequest(
                body=text,
                query=request.query_params,  # type: ignore[arg-type]
                headers=request.headers,  # type: ignore[arg-type]
            )
        except Exception:  # json.JSONDecodeError, or a payload that is not an object
            return _refused(Refusal(400, "a signed body Slack would not send"), len(raw))
        return to_starlette_response(app.dispatch(bolt_request))

    async def events(request: Request) -> Response:
        try:
            raw = await _read_body(request, max_body_bytes)
        except _TooLarge:
            declared = request.headers.get("content-length") or f"more than {max_body_bytes}"
            return _refused(Refusal(413, f"a body over {max_body_bytes} bytes"), declared)
        except ValueError:
            return _refused(Refusal(400, "a Content-Length that is not a number"), "?")
        except ClientDisconnect:
            return Response(status_code=400)
        return await run_in_threadpool(handle, raw, request)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def uvicorn_config(app: App, *, host: str, port: int, signing_secret: str) -> uvicorn.Config:
    # No websockets and no lifespan: Slack only POSTs, and nothing needs start-up hooks.
    return uvicorn.Config(
        asgi_app(app, signing_secret=signing_secret),
        host=host,
        port=port,
        ws="none",
        lifespan="off",
        log_level="info",
        access_log=False,
        server_header=False,
    )


def serve(app: App, settings: Settings, *, host: str = "0.0.0.0") -> None:
    """Run until interrupted: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return
    if not settings.slack_signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is not set (needed unless SLACK_APP_TOKEN is)")
    log.info("serving Slack requests on http://%s:%d%s", host, settings.port, EVENTS_PATH)
    config = uvicorn_config(
        app, host=host, port=settings.port, signing_secret=settings.slack_signing_secret
    )
    uvicorn.Server(config).run()
