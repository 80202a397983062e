"""The sandbox page's API answers the page alone: a cross-site `text/plain` POST acting as the
demo's admin grants nothing, and a foreign Host header (DNS rebinding) reads nothing back."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.platform.db.session import make_engine
from bot.platform.settings import Settings
from bot.sandbox.seed import MORGAN, SALES, SAM
from bot.sandbox.server import Sandbox
from tests.conftest import dump_database

GRANT = {"user": MORGAN, "channel": SALES, "text": f"/promisebot role <@{SAM}> admin"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder: Path = tmp_path_factory.mktemp("sandbox")
    settings = Settings(database_url=f"sqlite:///{folder / 'sandbox.db'}")
    with Sandbox(settings, port=0) as running:
        yield running


def send(
    sandbox: Sandbox,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        raw = answer.read()
    finally:
        connection.close()
    try:
        return answer.status, json.loads(raw)
    except ValueError:
        return answer.status, raw.decode("utf-8", "replace")


def dump(sandbox: Sandbox) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(sandbox.settings.database_url)
    try:
        return dump_database(engine)
    finally:
        engine.dispose()


def role_of_sam(sandbox: Sandbox) -> str:
    assert sandbox.services is not None
    return sandbox.services.users.role(SAM)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        # The attack: a form-like fetch from another site needs no CORS preflight.
        ({"Content-Type": "text/plain", "Origin": "http://evil.example"}, 415),
        ({"Content-Type": "text/plain;charset=UTF-8"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Content-Type": "application/json", "Origin": "http://evil.example"}, 403),
        ({"Content-Type": "application/json", "Origin": "null"}, 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"}, 403),
    ],
)
def test_a_cross_site_post_acting_as_the_admin_grants_nothing(
    sandbox: Sandbox, headers: dict[str, str], status: int
) -> None:
    before = dump(sandbox)
    messages = len(sandbox.slack.messages() if sandbox.slack else [])
    answer = send(sandbox, "POST", "/sandbox/command", json.dumps(GRANT).encode(), headers)
    assert answer[0] == status
    assert answer[1]["ok"] is False
    assert role_of_sam(sandbox) == "sales"
    assert dump(sandbox) == before
    assert len(sandbox.slack.messages() if sandbox.slack else []) == messages


@pytest.mark.parametrize("path", ["/sandbox/state?user=U0MORGAN", "/", "/static/sandbox.js"])
def test_a_foreign_host_header_reads_nothing_back(sandbox: Sandbox, path: str) -> None:
    status, body = send(
        sandbox, "GET", path, headers={"Host": f"rebound.evil.example:{sandbox.port}"}
    )
    assert status == 400
    assert "Morgan" not in str(body) and "sandbox" not in str(body)


def test_a_foreign_host_header_cannot_post_either(sandbox: Sandbox) -> None:
    before = dump(sandbox)
    headers = {"Host": f"rebound.evil.example:{sandbox.port}", "Content-Type": "application/json"}
    assert send(sandbox, "POST", "/sandbox/command", json.dumps(GRANT).encode(), headers)[0] == 400
    assert role_of_sam(sandbox) == "sales"
    assert dump(sandbox) == before


def test_the_fake_slack_api_refuses_a_foreign_host_too(sandbox: Sandbox) -> None:
    assert sandbox.slack is not None
    parts = urlsplit(sandbox.slack.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", "/api/users.info?user=U0MORGAN", headers={"Host": "evil.example"})
        answer = connection.getresponse()
        assert answer.status == 400
        assert b"Morgan" not in answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_malformed_body_is_400_not_500(sandbox: Sandbox, body: bytes) -> None:
    headers = {"Content-Type": "application/json", "Origin": sandbox.url}
    status, answer = send(sandbox, "POST", "/sandbox/command", body, headers)
    assert (status, answer["ok"]) == (400, False)


def test_an_oversized_body_is_refused(sandbox: Sandbox) -> None:
    body = json.dumps({**GRANT, "padding": "x" * 200_000}).encode()
    headers = {"Content-Type": "application/json", "Origin": sandbox.url}
    assert send(sandbox, "POST", "/sandbox/command", body, headers)[0] == 400
    assert role_of_sam(sandbox) == "sales"


def test_the_page_itself_still_works_same_origin_json(sandbox: Sandbox) -> None:
    headers = {
        "Content-Type": "application/json",
        "Origin": sandbox.url,
        "Sec-Fetch-Site": "same-origin",
    }
    whoami = {"user": SAM, "channel": SALES, "text": "/promisebot whoami"}
    status, answer = send(sandbox, "POST", "/sandbox/command", json.dumps(whoami).encode(), headers)
    assert (status, answer) == (200, {"ok": True, "status": 200})
    for host in ("127.0.0.1", "localhost"):
        shown = send(sandbox, "GET", f"/sandbox/state?user={SAM}", headers={"Host": f"{host}:1"})
        assert shown[0] == 200 and shown[1]["me"] == SAM
