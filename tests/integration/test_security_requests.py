"""Hostile HTTP against `/slack/events`: the body limit holds before anything is read, the
signature is checked on the raw bytes before anything is decoded, every malformed request gets a
4xx (never 500), and nothing of a refused body reaches the log, the database or Slack."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest

from bot.app.server import MAX_BODY_BYTES
from bot.sandbox import sign
from tests.slack_harness import (
    SALES,
    SALES_CHANNEL,
    SECRET,
    World,
    command_body,
    world_fixture,  # noqa: F401 - the `world` fixture
)

MARKER = "n0t-for-the-log"
FORM = "application/x-www-form-urlencoded"


def raw_request(
    world: World,
    head: dict[str, str],
    body: bytes | Iterable[bytes] = b"",
    *,
    path: str = "/slack/events",
    method: str = "POST",
    timeout: float = 10.0,
) -> tuple[int, float]:
    """Send a request byte by byte (a body may be an iterable of chunks the server can stop
    reading); return the status and the seconds until the status line came back."""
    parts = urlsplit(world.requester.url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in head.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        chunks = [body] if isinstance(body, bytes) else body
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused the rest, as it should
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    status = int(answer.split(b" ", 2)[1]) if answer else 0
    return status, time.monotonic() - started


def signed_headers(body: bytes, content_type: str = FORM, timestamp: str | None = None) -> dict:
    ts = timestamp or str(int(time.time()))
    signature = sign(SECRET, ts, body.decode("utf-8", "surrogateescape"))
    return {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def signed_bytes_headers(body: bytes, content_type: str = FORM) -> dict:
    """Headers that sign `body` exactly as bytes (for bodies that are not UTF-8)."""
    import hashlib
    import hmac

    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def unsigned(body: bytes, content_type: str = FORM) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }


def nothing_leaked(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.settle()
    assert world.slack.calls() == [c for c in world.slack.calls() if c.method == "auth.test"]
    assert world.slack.responses() == []
    for record in caplog.records:
        assert MARKER not in record.getMessage(), record.getMessage()[:200]


@pytest.fixture(autouse=True)
def _all_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


def test_a_body_over_the_limit_is_refused_from_its_length_before_it_is_read(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    before = world.dump()
    declared = 38 * 1024 * 1024

    def drip() -> Iterator[bytes]:
        # Only the first 64 KiB are ever sent: a server that waited for the whole body would
        # time out instead of answering.
        yield (MARKER + "\n" + "x" * 65536).encode()

    status, seconds = raw_request(
        world, {**unsigned(b""), "Content-Length": str(declared)}, drip(), timeout=5
    )
    assert status == 413
    assert seconds < 2
    assert world.dump() == before
    nothing_leaked(world, caplog)
    assert any("a body over" in r.getMessage() for r in caplog.records)


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    before = world.dump()
    piece = (MARKER + "y" * 16384).encode()
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(4 * MAX_BODY_BYTES // len(piece)):
            sent.append(len(piece))
            yield b"%x\r\n%s\r\n" % (len(piece), piece)
        yield b"0\r\n\r\n"

    head = {**unsigned(b""), "Transfer-Encoding": "chunked"}
    del head["Content-Length"]
    status, _ = raw_request(world, head, chunks())
    assert status == 413
    assert world.dump() == before
    nothing_leaked(world, caplog)


@pytest.mark.parametrize(
    ("what", "body", "content_type", "signed", "status"),
    [
        ("unsigned, not UTF-8", b"text=\xff\xfe" + MARKER.encode(), FORM, False, 401),
        ("signed, not UTF-8", b"text=\xff\xfe" + MARKER.encode(), FORM, True, 400),
        (
            "unsigned, broken JSON",
            b'{"type": "event_callback", ' + MARKER.encode(),
            "application/json",
            False,
            401,
        ),
        (
            "signed, broken JSON",
            b'{"type": "event_callback", ' + MARKER.encode(),
            "application/json",
            True,
            400,
        ),
        ("signed, broken payload", b"payload=%7B" + MARKER.encode(), FORM, True, 400),
        ("signed, a JSON list", b'["' + MARKER.encode() + b'"]', "application/json", True, 400),
        ("signed, a JSON number", b"12345", "application/json", True, 400),
    ],
)
def test_a_malformed_request_is_answered_4xx_and_changes_nothing(
    world: World,
    caplog: pytest.LogCaptureFixture,
    what: str,
    body: bytes,
    content_type: str,
    signed: bool,
    status: int,
) -> None:
    before = world.dump()
    head = signed_bytes_headers(body, content_type) if signed else unsigned(body, content_type)
    assert raw_request(world, head, body)[0] == status, what
    assert world.dump() == before
    nothing_leaked(world, caplog)


@pytest.mark.parametrize(
    "timestamp", ["not-a-number", "", "1e9", "-1", "١٧٠٠٠٠٠٠٠٠", "99999999999999999999"]
)
def test_an_unreadable_timestamp_is_401_not_500(
    world: World, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    before = world.dump()
    body = command_body(world, MARKER, SALES, SALES_CHANNEL, "1.2.3", "http://x.invalid").encode()
    head = signed_headers(body)
    head["X-Slack-Request-Timestamp"] = timestamp
    encoded = {k: v.encode("utf-8").decode("latin-1") for k, v in head.items()}
    assert raw_request(world, encoded, body)[0] == 401
    assert world.dump() == before
    nothing_leaked(world, caplog)


def test_a_refused_body_never_reaches_the_log_not_even_a_forged_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    forged = f"x\n2026-11-23 09:00:00 INFO promisebot: admin granted {MARKER}\n"
    body = urlencode({"command": "/promisebot", "text": forged}).encode() + b"&" * 1000
    # Through the harness as well, with a wrong signature and with a replayed (old) one.
    form = FORM
    assert world.requester.post(body.decode(), form, signature="v0=" + "1" * 64).status == 401
    assert world.requester.post(body.decode(), form, timestamp=1_000_000).status == 401
    assert raw_request(world, unsigned(body), body)[0] == 401
    nothing_leaked(world, caplog)
    refusals = [r.getMessage() for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refusals) == 3
    assert all("\n" not in line for line in refusals)


def test_large_unsigned_bodies_stall_neither_healthz_nor_a_signed_promise(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's attack: big unsigned bodies while Slack's real requests come in."""
    stop = threading.Event()
    statuses: list[int] = []

    def attacker(declared: int) -> None:
        while not stop.is_set():

            def slowly() -> Iterator[bytes]:
                # Just under the limit, sent slowly: the server waits for it without blocking.
                for _ in range(8):
                    yield b"z" * (declared // 8)
                    time.sleep(0.05)

            statuses.append(
                raw_request(
                    world,
                    unsigned(b"", FORM) | {"Content-Length": str(declared)},
                    slowly(),
                    timeout=20,
                )[0]
            )

    big = [threading.Thread(target=attacker, args=(38 * 1024 * 1024,)) for _ in range(4)]
    near = [threading.Thread(target=attacker, args=(MAX_BODY_BYTES - 8,)) for _ in range(4)]
    for thread in big + near:
        thread.start()
    try:
        time.sleep(0.3)
        worst_health = 0.0
        for _ in range(5):
            status, seconds = raw_request(world, {}, method="GET", path="/healthz")
            assert status == 200
            worst_health = max(worst_health, seconds)
        started = time.monotonic()
        reply, response = world.command("20 BRKT for Acme by Wed 25 Nov")
        acked = time.monotonic() - started
        assert reply.status == 200
        assert world.answer(response).text.startswith("20 BRKT for Acme")
    finally:
        stop.set()
        for thread in big + near:
            thread.join(timeout=30)
    assert worst_health < 1.0
    assert acked < 3.0  # Slack gives up after 3 s
    assert set(statuses) <= {401, 413} and 413 in statuses
    for record in caplog.records:
        assert "zzzz" not in record.getMessage()


def test_a_signed_request_still_works_after_all_that(world: World) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc"}).encode()
    assert raw_request(world, signed_headers(body, "application/json"), body)[0] == 200
