"""`promisebot run`'s background work: the outbox loop delivers, and only the lease holder runs
the scheduler; the real command stops cleanly on Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from bot.app import Services, web_client
from bot.app.background import RUN_JOBS, Background
from bot.app.jobs import JOBS, configure_jobs
from bot.platform.db.session import write_transaction
from bot.platform.outbox import enqueue
from bot.platform.scheduler import LeaderLease
from bot.platform.settings import Settings
from bot.sandbox import FakeSlack
from tests.conftest import MigratedDb

T = TypeVar("T")

TOKEN = "xoxb-promisebot-test"
SECRET = "promisebot-test-signing-secret"
CHANNEL = "C0SALES"


def eventually(check: Callable[[], T], timeout: float = 10.0, what: str = "it") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN, channels={CHANNEL: "sales"}) as fake:
        yield fake


@pytest.fixture(autouse=True)
def forget_jobs() -> Iterator[None]:
    yield
    configure_jobs(None)


def settings(db: MigratedDb, slack: FakeSlack) -> Settings:
    return Settings(
        database_url=db.url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
    )


def background(db: MigratedDb, slack: FakeSlack, holder: str) -> Background:
    config = settings(db, slack)
    return Background(
        config,
        db.session_factory,
        Services.create(config, db.session_factory),
        web_client(config),
        outbox_every=0.1,
        lease_ttl=1.0,
        heartbeat=0.1,
        holder=holder,
    )


def post_later(db: MigratedDb, text: str) -> None:
    """A message decided in a transaction, as a service would."""
    with write_transaction(db.session_factory) as session:
        enqueue(
            session,
            "test",
            {"method": "chat_postMessage", "args": {"channel": CHANNEL, "text": text}},
        )


def posted(slack: FakeSlack) -> list[str]:
    return [m.text for m in slack.messages(CHANNEL)]


def test_promisebot_run_schedules_every_job_once() -> None:
    assert [job.id for job in RUN_JOBS] == [job.id for job in JOBS]
    assert {"requests.nudge", "holds.warn"} <= {job.id for job in RUN_JOBS}
    assert len({job.id for job in RUN_JOBS}) == len(RUN_JOBS)


def test_the_run_loop_delivers_what_is_enqueued(migrated_db: MigratedDb, slack: FakeSlack) -> None:
    with background(migrated_db, slack, "a") as a:
        post_later(migrated_db, "Hello from the outbox")
        eventually(lambda: posted(slack) == ["Hello from the outbox"], what="the delivery")
        eventually(lambda: a.leading, what="the scheduler to start")
        eventually(lambda: a.worker.pending() == 0, what="the delivered mark")
    assert not a.leading


def test_a_second_process_does_not_schedule_while_the_first_holds_the_lease(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    a = background(migrated_db, slack, "a")
    b = background(migrated_db, slack, "b")
    lease = LeaderLease(migrated_db.session_factory, holder="observer")
    a.start()
    try:
        eventually(lambda: a.leading, what="a to lead")
        b.start()
        time.sleep(0.6)  # several of b's heartbeats
        assert (a.leading, b.leading) == (True, False)
        assert lease.current_holder() == "a"

        # Both deliver the outbox; each message still goes once.
        for n in range(5):
            post_later(migrated_db, f"message {n}")
        eventually(lambda: len(posted(slack)) == 5, what="the deliveries")

        a.stop()  # a clean stop gives the lease back: b takes over at once
        eventually(lambda: b.leading, timeout=5, what="b to take over")
        assert lease.current_holder() == "b"
    finally:
        a.stop()
        b.stop()
    assert lease.current_holder() is None
    assert sorted(posted(slack)) == [f"message {n}" for n in range(5)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_promisebot_run_serves_delivers_and_stops_cleanly(
    migrated_db: MigratedDb, slack: FakeSlack, stop_with: signal.Signals
) -> None:
    post_later(migrated_db, "Sent by promisebot run")
    env = {
        **os.environ,
        "DATABASE_URL": migrated_db.url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lease = LeaderLease(migrated_db.session_factory, holder="observer")
    try:
        eventually(lambda: posted(slack) == ["Sent by promisebot run"], 30, "the delivery")
        eventually(lambda: lease.current_holder() is not None, 10, "the scheduler lease")
    finally:
        process.send_signal(stop_with)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    assert lease.current_holder() is None, output  # the lease was given back
    assert "Traceback" not in output, output


def test_healthz_says_who_leads_and_how_old_the_oldest_undelivered_message_is(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    import json
    import socket
    import threading
    import urllib.request

    import uvicorn

    from bot.app import build_app
    from bot.app.server import asgi_app

    config = settings(migrated_db, slack)
    services = Services.create(config, migrated_db.session_factory)
    leader = Background(
        config,
        migrated_db.session_factory,
        services,
        web_client(config),
        outbox_every=0.1,
        lease_ttl=1.0,
        heartbeat=0.1,
        holder="a",
    )
    standby = background(migrated_db, slack, "b")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            asgi_app(build_app(config, services), signing_secret=SECRET, status=leader.status),
            log_level="warning",
            lifespan="off",
        )
    )
    serving = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def get(path: str) -> str:
        with urllib.request.urlopen(f"{url}{path}", timeout=5) as answer:
            return str(answer.read().decode())

    with leader:
        eventually(lambda: leader.leading, what="a to lead")
        with standby:
            # Slack fails the post: it waits in the outbox for its back-off (5 s).
            slack.fail_next("chat.postMessage", 3, error="internal_error", status=500)
            post_later(migrated_db, "waiting")
            eventually(lambda: server.started, what="the server")
            time.sleep(0.2)
            health = json.loads(get("/healthz"))
            assert health["status"] == "ok"
            assert (health["leader"], health["holder"], health["lease_holder"]) == (True, "a", "a")
            assert standby.status()["leader"] is False
            assert standby.status()["lease_holder"] == "a"
            assert health["outbox"]["undelivered"] == 1
            assert health["outbox"]["oldest_undelivered_seconds"] >= 0.2
            assert health["missed_reminders"] == []
            text = get("/metrics")
    server.should_exit = True
    serving.join(timeout=10)
    assert "promisebot_outbox_backlog 1.0" in text
    assert "promisebot_leader 1.0" in text
    for name in (
        "promisebot_quote_seconds_bucket",
        "promisebot_hold_seconds_count",
        "promisebot_outbox_oldest_age_seconds",
        'promisebot_lease_changes_total{change="acquired"}',
        "promisebot_scheduler_runs_total{",
        'promisebot_slack_api_errors_total{error="internal_error",method="chat.postMessage"}',
    ):
        assert name in text, name
