"""The outbox delivers what a committed transaction decided, once, through Slack's errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.platform.db.session import write_transaction
from bot.platform.db.tables import OutboxRow
from bot.platform.outbox import PARKED_UNTIL, OutboxWorker, enqueue, file_upload
from bot.sandbox.fake_slack import FakeSlack
from tests.conftest import MigratedDb

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def client(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.url, timeout=5)


def post(channel: str, text: str) -> dict[str, object]:
    return {"method": "chat_postMessage", "args": {"channel": channel, "text": text}}


def rows(db: MigratedDb) -> list[OutboxRow]:
    with db.session_factory() as session:
        return list(session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)))


def test_a_message_exists_only_if_the_transaction_that_decided_it_commits(
    migrated_db: MigratedDb,
) -> None:
    with pytest.raises(RuntimeError), write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "never"))
        raise RuntimeError("the change failed")
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "kept"))

    assert [row.payload["args"]["text"] for row in rows(migrated_db)] == ["kept"]


def test_enqueueing_the_same_key_twice_keeps_one_message(migrated_db: MigratedDb) -> None:
    for _ in range(2):
        with write_transaction(migrated_db.session_factory) as session:
            enqueue(session, "test", post("C0OPS", "once"), key="digest:2026-11-16")

    assert len(rows(migrated_db)) == 1


def test_a_rate_limited_call_is_retried_after_retry_after_and_delivered_once(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    slack.retry_after = 30
    slack.fail_next("chat.postMessage", 1, error="ratelimited")
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "Can you make 40 BRKT by Wed 25 Nov?"))
    worker = OutboxWorker(migrated_db.session_factory, client(slack), clock)

    assert worker.deliver_due() == 0
    [row] = rows(migrated_db)
    assert row.attempts == 1 and row.delivered_at is None
    assert "ratelimited" in (row.last_error or "")
    assert row.next_attempt_at >= clock.now + timedelta(seconds=30)  # Slack's Retry-After

    clock.advance(seconds=10)
    assert worker.deliver_due() == 0  # not due yet: no call made
    assert len(slack.calls("chat.postMessage")) == 1

    clock.advance(seconds=25)
    assert worker.deliver_due() == 1
    assert worker.deliver_due() == 0
    assert [m.text for m in slack.messages("C0OPS")] == ["Can you make 40 BRKT by Wed 25 Nov?"]
    [row] = rows(migrated_db)
    assert row.delivered_at == clock.now and row.last_error is None


def test_a_crash_between_claim_and_send_loses_nothing(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "survives"))
    crashed = OutboxWorker(migrated_db.session_factory, client(slack), clock)
    assert len(crashed._claim(50)) == 1  # claimed, then the process died before sending

    survivor = OutboxWorker(migrated_db.session_factory, client(slack), clock)
    assert survivor.deliver_due() == 0  # the claim still stands
    clock.advance(minutes=6)  # past the claim timeout
    assert survivor.deliver_due() == 1
    assert [m.text for m in slack.messages("C0OPS")] == ["survives"]


def test_an_error_no_retry_can_fix_parks_the_message_and_says_why(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    slack.fail_next("chat.postMessage", 1, error="channel_not_found")
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0GONE", "lost channel"))
    worker = OutboxWorker(migrated_db.session_factory, client(slack), clock)

    assert worker.deliver_due() == 0
    clock.advance(days=30)
    assert worker.deliver_due() == 0
    [row] = rows(migrated_db)
    assert row.next_attempt_at == PARKED_UNTIL
    assert row.last_error == "gave up after 1 attempts: slack error channel_not_found"
    assert len(slack.calls("chat.postMessage")) == 1


def test_an_unreachable_slack_is_retried_with_back_off_and_never_raises(
    migrated_db: MigratedDb,
) -> None:
    clock = FakeClock()
    with FakeSlack() as gone:
        url = gone.url  # a port nobody listens on once it is closed
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "later"))
    worker = OutboxWorker(
        migrated_db.session_factory,
        WebClient(token="xoxb-t", base_url=url, timeout=2, retry_handlers=[]),
        clock,
    )

    assert worker.deliver_due() == 0
    clock.advance(seconds=6)  # the first back-off is 5–5.5 s
    assert worker.deliver_due() == 0
    [row] = rows(migrated_db)
    assert row.attempts == 2 and row.delivered_at is None
    assert row.next_attempt_at - clock.now >= timedelta(seconds=10)  # doubled


def test_files_go_through_the_outbox_with_files_upload_v2(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(
            session,
            "digest",
            {
                "method": "files_upload_v2",
                "args": {
                    "channel": "C0MGMT",
                    "initial_comment": "Charts",
                    "file_uploads": [file_upload("load.png", PNG, title="Load")],
                },
            },
        )
    worker = OutboxWorker(migrated_db.session_factory, client(slack), FakeClock())

    assert worker.deliver_due() == 1
    [uploaded] = slack.files()
    assert uploaded.data == PNG and uploaded.title == "Load"
    assert uploaded.shared_to == ["C0MGMT"]


def test_the_delivered_hook_stores_what_slack_answered(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    seen: list[str] = []

    def remember(session: object, row: OutboxRow, response: dict[str, object]) -> None:
        seen.append(str(response["ts"]))

    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "capacity_request", post("C0OPS", "Can you?"))
    worker = OutboxWorker(
        migrated_db.session_factory,
        client(slack),
        FakeClock(),
        on_delivered={"capacity_request": remember},
    )

    assert worker.deliver_due() == 1
    assert seen == [slack.messages("C0OPS")[0].ts]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_workers_running_at_once_deliver_each_message_once(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    with write_transaction(migrated_db.session_factory) as session:
        for n in range(30):
            enqueue(session, "test", post("C0OPS", f"message {n}"))
    clock = FakeClock()
    workers = [OutboxWorker(migrated_db.session_factory, client(slack), clock) for _ in range(3)]
    threads = [threading.Thread(target=w.deliver_due, kwargs={"limit": 5}) for w in workers]
    for _ in range(3):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        threads = [threading.Thread(target=w.deliver_due, kwargs={"limit": 5}) for w in workers]

    texts = sorted(m.text for m in slack.messages("C0OPS"))
    assert texts == sorted(f"message {n}" for n in range(30))


# --- exactly once, whichever worker dies when ------------------------------------------------


class Died(BaseException):
    """The process died here: nothing after this point of the worker ran."""


class DiesAfterSlackAccepts(WebClient):
    """A client whose process dies once Slack has accepted a call, before anything is stored."""

    def api_call(self, api_method: str, **kwargs: object) -> object:  # type: ignore[override]
        answer = super().api_call(api_method, **kwargs)  # type: ignore[arg-type]
        if api_method in ("chat.postMessage", "files.completeUploadExternal"):
            raise Died(api_method)
        return answer


def dying_worker(db: MigratedDb, slack: FakeSlack, clock: FakeClock) -> OutboxWorker:
    dying = DiesAfterSlackAccepts(token="xoxb-test", base_url=slack.url, timeout=5)
    return OutboxWorker(db.session_factory, dying, clock, name="dies")


def killed_after_slack_accepted(db: MigratedDb, slack: FakeSlack, clock: FakeClock) -> None:
    with pytest.raises(Died):
        dying_worker(db, slack, clock).deliver_due()


def test_a_worker_killed_between_slacks_acceptance_and_the_delivered_mark_sends_once(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    seen: list[object] = []
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "capacity_request", post("C0OPS", "Can you make 40 BRKT?"))
    killed_after_slack_accepted(migrated_db, slack, clock)
    [row] = rows(migrated_db)
    assert row.delivered_at is None and row.in_doubt_since is not None

    survivor = OutboxWorker(
        migrated_db.session_factory,
        client(slack),
        clock,
        on_delivered={"capacity_request": lambda s, r, answer: seen.append(answer["ts"])},
    )
    assert survivor.deliver_due() == 0  # the dead worker's claim still stands
    clock.advance(seconds=11)  # a claim lasts 10 s unless its worker renews it
    assert survivor.deliver_due() == 1
    assert survivor.deliver_due() == 0

    [message] = slack.messages("C0OPS")
    assert message.text == "Can you make 40 BRKT?"
    assert message.metadata == {"event_type": "promisebot_outbox", "event_payload": {"id": row.id}}
    assert seen == [message.ts]  # the hook learnt where it was posted, from the history
    assert len(slack.calls("chat.postMessage")) == 1
    [looked] = slack.calls("conversations.history")
    assert str(looked.params.get("include_all_metadata")).lower() in ("1", "true")


def test_dms_thread_replies_and_files_are_found_too_after_a_kill(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    parent = client(slack).chat_postMessage(channel="C0OPS", text="Request #1")
    payloads = [
        post("U0SALES", "Your hold runs out at 11:00"),
        {
            "method": "chat_postMessage",
            "args": {"channel": "C0OPS", "thread_ts": parent["ts"], "text": "Nudge #1"},
        },
        {
            "method": "files_upload_v2",
            "args": {
                "channel": "C0MGMT",
                "initial_comment": "Charts for the week",
                "file_uploads": [file_upload("load.png", PNG)],
            },
        },
    ]
    for payload in payloads:
        with write_transaction(migrated_db.session_factory) as session:
            enqueue(session, "test", payload)
        killed_after_slack_accepted(migrated_db, slack, clock)
    clock.advance(seconds=11)

    assert OutboxWorker(migrated_db.session_factory, client(slack), clock).deliver_due() == 3

    dm = client(slack).conversations_open(users="U0SALES")["channel"]["id"]
    assert [m.text for m in slack.messages(dm)] == ["Your hold runs out at 11:00"]
    assert [r.text for r in slack.message("C0OPS", parent["ts"]).replies] == ["Nudge #1"]
    assert len(slack.files()) == 1
    assert len(slack.calls("chat.postMessage")) == 3  # the parent, the DM, the reply: once each
    assert all(row.delivered_at is not None for row in rows(migrated_db))


def test_a_lost_answer_is_looked_up_before_the_retry_and_sent_once(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    clock = FakeClock()
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "refused, then sent"))
        enqueue(session, "test", post("C0OPS", "accepted, answer lost"))
    slack.fail_next("chat.postMessage", 1, error="internal_error", status=500)  # the first call
    slack.drop_answer_of_next("chat.postMessage")  # and then the next one that gets through
    # The app's client retries connection errors; the outbox's must not (that would post twice).
    worker = OutboxWorker(
        migrated_db.session_factory, WebClient(token="xoxb-t", base_url=slack.url, timeout=5), clock
    )

    assert worker.deliver_due() == 0
    refused, lost = rows(migrated_db)
    assert refused.in_doubt_since is None  # Slack said no: it has not got it
    assert lost.in_doubt_since is not None  # Slack may have it
    clock.advance(seconds=6)
    assert worker.deliver_due() == 2

    assert [m.text for m in slack.messages("C0OPS")] == [
        "accepted, answer lost",
        "refused, then sent",
    ]
    assert len(slack.calls("conversations.history")) == 1  # only the one in doubt is looked up


def test_a_dead_workers_rows_move_on_within_seconds_while_a_live_one_keeps_its_claims(
    migrated_db: MigratedDb, slack: FakeSlack
) -> None:
    with write_transaction(migrated_db.session_factory) as session:
        for n in range(6):
            enqueue(session, "test", post("C0OPS", f"message {n}"))

    class SlowSlack(WebClient):
        def api_call(self, api_method: str, **kwargs: object) -> object:  # type: ignore[override]
            time.sleep(0.25)
            return super().api_call(api_method, **kwargs)  # type: ignore[arg-type]

    claim = timedelta(seconds=0.3)
    slow = OutboxWorker(
        migrated_db.session_factory,
        SlowSlack(token="xoxb-t", base_url=slack.url, timeout=5),
        claim_timeout=claim,
        name="slow",
    )
    other = OutboxWorker(
        migrated_db.session_factory, client(slack), claim_timeout=claim, name="other"
    )
    working = threading.Thread(target=slow.deliver_due, kwargs={"limit": 3})
    working.start()
    time.sleep(0.1)
    stolen = 0
    while working.is_alive():  # 3 × 0.25 s: longer than the claim, which the heartbeat renews
        stolen += other.deliver_due(limit=3)
        time.sleep(0.05)
    working.join()
    assert stolen == 3  # the three rows the slow worker never claimed

    dead = OutboxWorker(migrated_db.session_factory, client(slack), claim_timeout=claim)
    with write_transaction(migrated_db.session_factory) as session:
        enqueue(session, "test", post("C0OPS", "claimed by a worker that died"))
    assert len(dead._claim(10)) == 1  # and then nothing: no heartbeat renews it
    assert other.deliver_due() == 0
    time.sleep(0.4)
    assert other.deliver_due() == 1

    texts = [m.text for m in slack.messages("C0OPS")]
    assert sorted(texts) == sorted([*(f"message {n}" for n in range(6)), texts[-1]])
    assert len(texts) == len(set(texts)) == 7
