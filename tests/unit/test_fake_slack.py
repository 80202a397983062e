"""The fake Slack Web API answers a real slack_sdk client as Slack does, and the requester talks
to a real Bolt app as Slack does (signed, in Slack's own payload shapes)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.sandbox import FakeSlack, SlackRequester, dm_channel_id, fill_view, sign

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
SALES = "U0SALES"
T = TypeVar("T")

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*40 BRKT* for Acme"}}
MODAL = {
    "type": "modal",
    "callback_id": "promise_modal",
    "title": {"type": "plain_text", "text": "Promise a date"},
    "submit": {"type": "plain_text", "text": "Get a quote"},
    "blocks": [
        {
            "type": "input",
            "block_id": "qty",
            "label": {"type": "plain_text", "text": "Quantity"},
            "element": {"type": "plain_text_input", "action_id": "qty_input"},
        },
        {
            "type": "input",
            "block_id": "sku",
            "label": {"type": "plain_text", "text": "Item"},
            "element": {"type": "external_select", "action_id": "sku_select"},
        },
        {
            "type": "input",
            "block_id": "wanted",
            "label": {"type": "plain_text", "text": "Wanted on"},
            "element": {
                "type": "datepicker",
                "action_id": "wanted_date",
                "initial_date": "2026-11-25",
            },
        },
    ],
}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(users={SALES: {"name": "sam", "tz": "Europe/Berlin"}}) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


def eventually(check: Callable[[], T], timeout: float = 5.0) -> T:
    """Wait for work a Bolt listener does after its ack."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "timed out"
            return result
        time.sleep(0.01)


# --- the Web API ----------------------------------------------------------------------------


def test_it_answers_auth_test_as_the_bot(slack: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == (
        "U0PROMISEBOT",
        "B0PROMISEBOT",
        "T0PROMISE",
    )
    assert slack.url.endswith("/api/")


def test_it_refuses_a_missing_or_wrong_token(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(token="xoxp-user", base_url=slack.url).auth_test()
    assert caught.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=slack.url).auth_test()
    assert caught.value.response["error"] == "not_authed"
    with FakeSlack(token=TOKEN) as strict:
        with pytest.raises(SlackApiError):
            WebClient(token="xoxb-other", base_url=strict.url).auth_test()
        assert WebClient(token=TOKEN, base_url=strict.url).auth_test()["ok"]


def test_posted_messages_keep_their_edits_and_thread_replies(
    slack: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C0SALES", text="40 BRKT for Acme", blocks=[SECTION])
    assert posted["message"]["blocks"] == [SECTION]
    assert posted["message"]["bot_id"] == "B0PROMISEBOT"
    client.chat_update(channel="C0SALES", ts=posted["ts"], text="Held: 40 BRKT")
    reply = client.chat_postMessage(channel="C0SALES", thread_ts=posted["ts"], text="Held.")
    assert float(reply["ts"]) > float(posted["ts"])

    [message] = slack.messages("C0SALES")
    assert (message.text, message.blocks, message.edited) == ("Held: 40 BRKT", [SECTION], True)
    assert message.versions == [{"text": "40 BRKT for Acme", "blocks": [SECTION]}]
    assert [r.text for r in message.replies] == ["Held."]
    assert slack.message("C0SALES", reply["ts"]).thread_ts == posted["ts"]


def test_ts_values_increase_even_within_one_microsecond(
    slack: FakeSlack, client: WebClient
) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(20)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 20


def test_deleted_messages_leave_the_channel(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="bye")
    client.chat_delete(channel="C1", ts=posted["ts"])
    assert slack.messages("C1") == []
    assert slack.message("C1", posted["ts"]).deleted
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="C1", ts=posted["ts"], text="again")
    assert caught.value.response["error"] == "message_not_found"


def test_channels_are_found_by_name_and_users_by_their_dm(
    slack: FakeSlack, client: WebClient
) -> None:
    ops = slack.add_channel("operations")
    posted = client.chat_postMessage(channel="#operations", text="Can you make 40 BRKT?")
    assert posted["channel"] == ops
    assert client.conversations_info(channel=ops)["channel"]["name"] == "operations"
    dm = client.conversations_open(users=SALES)["channel"]["id"]
    assert dm == dm_channel_id(SALES)
    assert client.chat_postMessage(channel=SALES, text="Held")["channel"] == dm
    assert client.conversations_info(channel=dm)["channel"]["is_im"]
    assert [m.text for m in slack.messages(dm)] == ["Held"]


def test_strict_mode_refuses_unknown_channels_and_users() -> None:
    with FakeSlack(strict=True) as strict:
        client = WebClient(token=TOKEN, base_url=strict.url)
        for call, error in [
            (lambda: client.chat_postMessage(channel="C404", text="x"), "channel_not_found"),
            (lambda: client.users_info(user="U404"), "user_not_found"),
        ]:
            with pytest.raises(SlackApiError) as caught:
                call()
            assert caught.value.response["error"] == error


def test_users_info_tells_each_users_time_zone(slack: FakeSlack, client: WebClient) -> None:
    user = client.users_info(user=SALES)["user"]
    assert (user["name"], user["tz"]) == ("sam", "Europe/Berlin")
    assert user["tz_offset"] in (3600, 7200)
    assert client.users_info(user="U0OTHER")["user"]["tz_offset"] == 0


def test_ephemeral_messages_are_kept_per_user(slack: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C1", user=SALES, text="Only you")
    assert answer["message_ts"]
    assert [m.text for m in slack.ephemerals(SALES)] == ["Only you"]
    assert slack.ephemerals("U0OTHER") == [] and slack.messages("C1") == []


def test_permalinks_and_reactions(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="x")
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/C1/p{posted['ts'].replace('.', '')}")
    client.reactions_add(channel="C1", timestamp=posted["ts"], name="white_check_mark")
    assert slack.messages("C1")[0].reactions == {"white_check_mark": ["U0PROMISEBOT"]}
    with pytest.raises(SlackApiError) as caught:
        client.reactions_add(channel="C1", timestamp=posted["ts"], name="white_check_mark")
    assert caught.value.response["error"] == "already_reacted"


def test_json_and_form_bodies_are_read_alike(slack: FakeSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", json={"channel": "C1", "text": "json", "blocks": [SECTION]})
    client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "form", "blocks": json.dumps([SECTION])}
    )
    assert [c.params["blocks"] for c in slack.calls("chat.postMessage")] == [[SECTION], [SECTION]]
    assert [m.text for m in slack.messages("C1")] == ["json", "form"]


def test_blocks_that_break_block_kit_are_refused_like_slack(
    slack: FakeSlack, client: WebClient
) -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="x", blocks=[too_long])
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["response_metadata"]["messages"]
    assert slack.calls("chat.postMessage")[-1].error == "invalid_blocks"


def test_an_unknown_method_says_so(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.scheduleTeleport")
    assert caught.value.response["error"] == "unknown_method"


def test_a_rate_limited_call_is_retried_by_slack_sdk(slack: FakeSlack) -> None:
    client = WebClient(
        token=TOKEN, base_url=slack.url, retry_handlers=[RateLimitErrorRetryHandler(1)]
    )
    slack.fail_next("chat.postMessage")
    client.chat_postMessage(channel="C1", text="after one 429")
    assert [c.error for c in slack.calls("chat.postMessage")] == ["ratelimited", None]
    assert [m.text for m in slack.messages("C1")] == ["after one 429"]


def test_a_rate_limit_is_http_429_with_retry_after(slack: FakeSlack) -> None:
    slack.fail_next("auth.test")
    request = urllib.request.Request(
        slack.url + "auth.test", data=b"", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    with caught.value as response:
        assert (response.code, response.headers["Retry-After"]) == (429, "1")
        assert json.load(response) == {"ok": False, "error": "ratelimited"}


def test_other_injected_errors_fail_the_next_calls_only(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fail_next("views.publish", 2, error="internal_error")
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            client.views_publish(user_id=SALES, view={"type": "home", "blocks": [SECTION]})
        assert caught.value.response["error"] == "internal_error"
    client.views_publish(user_id=SALES, view={"type": "home", "blocks": [SECTION]})
    assert slack.home(SALES)["blocks"] == [SECTION]  # type: ignore[index]


# --- views ----------------------------------------------------------------------------------


def test_a_modal_opens_for_the_user_of_its_trigger_and_updates_in_place(
    slack: FakeSlack, client: WebClient
) -> None:
    loading = {**MODAL, "blocks": [SECTION]}
    opened = client.views_open(trigger_id=slack.trigger_id(SALES), view=loading)["view"]
    assert opened["id"].startswith("V") and opened["state"] == {"values": {}}
    assert slack.last_view(SALES)["blocks"] == [SECTION]  # type: ignore[index]

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert slack.last_view(SALES)["blocks"] == MODAL["blocks"]  # type: ignore[index]
    with pytest.raises(SlackApiError) as caught:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert caught.value.response["error"] == "hash_conflict"


def test_a_trigger_is_used_once_and_expires() -> None:
    now = [1_790_000_000.0]  # the fake's clock, moved by the test
    with FakeSlack(clock=lambda: now[0]) as slack:
        client = WebClient(token=TOKEN, base_url=slack.url)
        trigger = slack.trigger_id(SALES)
        client.views_open(trigger_id=trigger, view=MODAL)
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=trigger, view=MODAL)
        assert caught.value.response["error"] == "exchanged_trigger_id"

        in_time, late = slack.trigger_id(SALES), slack.trigger_id(SALES)
        now[0] += slack.trigger_ttl
        client.views_open(trigger_id=in_time, view=MODAL)  # 3 s is still in time
        now[0] += 0.001
        with pytest.raises(SlackApiError) as caught:
            client.views_open(trigger_id=late, view=MODAL)
        assert caught.value.response["error"] == "expired_trigger_id"


def test_pushed_views_stack_and_a_submission_answer_closes_or_updates(
    slack: FakeSlack, client: WebClient
) -> None:
    root = client.views_open(trigger_id=slack.trigger_id(SALES), view=MODAL)["view"]
    pushed = client.views_push(trigger_id=slack.trigger_id(SALES), view=MODAL)["view"]
    assert (pushed["previous_view_id"], pushed["root_view_id"]) == (root["id"], root["id"])
    assert len(slack.views(SALES)) == 2

    slack.apply_view_response(pushed["id"], {"response_action": "errors", "errors": {"qty": "No"}})
    assert slack.last_view(SALES)["errors"] == {"qty": "No"}  # type: ignore[index]
    slack.apply_view_response(pushed["id"], None)
    assert [v["id"] for v in slack.views(SALES)] == [root["id"]]
    slack.apply_view_response(root["id"], {"response_action": "clear"})
    assert slack.last_view(SALES) is None


def test_a_view_that_breaks_block_kit_is_refused(slack: FakeSlack, client: WebClient) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=slack.trigger_id(SALES), view=long_title)
    assert caught.value.response["error"] == "invalid_arguments"


# --- files and response_urls --------------------------------------------------------------------


def test_files_upload_v2_posts_the_file_in_the_channel(slack: FakeSlack, client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    answer = client.files_upload_v2(
        channel="C0MGMT", content=png, filename="load.png", title="Load", initial_comment="Digest"
    )
    assert answer["file"]["title"] == "Load"
    [message] = slack.messages("C0MGMT")
    assert message.text == "Digest"
    assert [f["name"] for f in message.files] == ["load.png"]
    with urllib.request.urlopen(answer["file"]["url_private"]) as response:
        assert response.read() == png
        assert response.headers["Content-Type"] == "image/png"


def test_response_urls_follow_slacks_rules(slack: FakeSlack, client: WebClient) -> None:
    url = slack.response_url("cmd", channel="C1", user=SALES)
    hook = WebhookClient(url)
    hook.send(text="Working on it…")
    [working] = slack.ephemerals(SALES)
    hook.send(text="40 BRKT: Tue 8 Dec", replace_original=True)
    assert [m.text for m in slack.ephemerals(SALES)] == ["40 BRKT: Tue 8 Dec"]
    assert slack.ephemerals(SALES)[0].ts == working.ts
    hook.send(text="Held for everyone", response_type="in_channel")
    assert [m.text for m in slack.messages("C1")] == ["Held for everyone"]
    hook.send(delete_original=True)
    assert [m.text for m in slack.messages("C1")] == []
    assert [r.body.get("text") for r in slack.responses("cmd")] == [
        "Working on it…",
        "40 BRKT: Tue 8 Dec",
        "Held for everyone",
        None,
    ]


def test_a_response_url_of_a_clicked_message_replaces_that_message(
    slack: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="C1", text="quote")
    url = slack.response_url("click", channel="C1", user=SALES, message_ts=posted["ts"])
    WebhookClient(url).send(text="held", replace_original=True)
    assert [m.text for m in slack.messages("C1")] == ["held"]


# --- the requester against a real Bolt app --------------------------------------------------------


class BoltOverHttp:
    """A Bolt app served over real HTTP by the stdlib, the way an adapter would serve it."""

    def __init__(self, app: App) -> None:
        bolt = app

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                headers = {k.lower(): [v] for k, v in self.headers.items()}
                response = bolt.dispatch(BoltRequest(body=body, headers=headers))
                data = (response.body or "").encode()
                self.send_response(response.status)
                for name, values in response.headers.items():
                    if name.lower() != "content-length":
                        for value in values:
                            self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app(slack: FakeSlack) -> App:
    return App(client=WebClient(token=TOKEN, base_url=slack.url), signing_secret=SECRET)


@pytest.fixture
def requester(app: App, slack: FakeSlack) -> Iterator[SlackRequester]:
    served = BoltOverHttp(app)
    yield SlackRequester(served.url, SECRET, trigger_ids=slack.trigger_id)
    served.close()


def test_a_signed_slash_command_reaches_the_app_and_respond_reaches_the_fake(
    app: App, slack: FakeSlack, requester: SlackRequester
) -> None:
    seen: dict[str, Any] = {}

    @app.command("/promise")
    def promise(ack: Any, command: dict[str, Any], respond: Any) -> None:
        seen.update(command)
        ack()
        respond(text=f"Quoting {command['text']}")

    url = slack.response_url("promise", channel="C0SALES", user=SALES)
    status, _, body = requester.command("/promise", "40 BRKT", SALES, "C0SALES", response_url=url)
    assert (status, body) == (200, "")
    assert (seen["user_id"], seen["channel_id"], seen["text"]) == (SALES, "C0SALES", "40 BRKT")
    assert seen["team_id"] == "T0PROMISE"
    assert eventually(lambda: slack.ephemerals(SALES))[0].text == "Quoting 40 BRKT"


def test_a_forged_or_stale_request_is_refused(app: App, requester: SlackRequester) -> None:
    @app.command("/promise")
    def promise(ack: Any) -> None:
        ack()

    body = "command=%2Fpromise&text=1+X&user_id=U1&channel_id=C1&team_id=T0PROMISE"
    form = "application/x-www-form-urlencoded"
    assert requester.post(body, form, signature="v0=forged").status == 401
    stale = int(time.time()) - 600
    signature = sign(SECRET, str(stale), body)
    assert requester.post(body, form, timestamp=stale, signature=signature).status == 401
    assert requester.post(body, form).status == 200


def test_a_shortcut_opens_a_modal_whose_submission_carries_the_typed_values(
    app: App, slack: FakeSlack, requester: SlackRequester
) -> None:
    submitted: dict[str, Any] = {}

    @app.shortcut("promise_shortcut")
    def open_form(ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"], view=MODAL)

    @app.options("sku_select")
    def skus(ack: Any, payload: dict[str, Any]) -> None:
        typed = payload["value"].upper()
        ack(options=[{"text": {"type": "plain_text", "text": typed}, "value": typed}])

    @app.view("promise_modal")
    def submit(ack: Any, view: dict[str, Any], body: dict[str, Any]) -> None:
        submitted.update(user=body["user"]["id"], values=view["state"]["values"])
        ack(response_action="errors", errors={"qty": "Write a whole number."})

    assert requester.shortcut("promise_shortcut", SALES).status == 200
    view = eventually(lambda: slack.last_view(SALES))

    status, _, options = requester.block_suggestion("sku_select", "brk", SALES, view)
    assert status == 200
    assert options == {"options": [{"text": {"type": "plain_text", "text": "BRK"}, "value": "BRK"}]}

    filled = fill_view(view, {"qty_input": "forty", "sku_select": "BRKT"})
    status, _, answer = requester.view_submission(filled, SALES)
    assert (status, answer) == (
        200,
        {"response_action": "errors", "errors": {"qty": "Write a whole number."}},
    )
    assert submitted["user"] == SALES
    assert submitted["values"] == {
        "qty": {"qty_input": {"type": "plain_text_input", "value": "forty"}},
        "sku": {
            "sku_select": {
                "type": "external_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "BRKT", "emoji": True},
                    "value": "BRKT",
                },
            }
        },
        "wanted": {"wanted_date": {"type": "datepicker", "selected_date": "2026-11-25"}},
    }
    slack.apply_view_response(view["id"], answer)
    assert slack.last_view(SALES)["errors"] == {"qty": "Write a whole number."}  # type: ignore[index]


def test_a_button_click_carries_the_message_and_its_value(
    app: App, slack: FakeSlack, client: WebClient, requester: SlackRequester
) -> None:
    button = {
        "type": "button",
        "action_id": "order_hold",
        "text": {"type": "plain_text", "text": "Hold"},
        "value": '{"qty":40}',
    }
    actions = {"type": "actions", "block_id": "quote_actions", "elements": [button]}
    posted = client.chat_postMessage(channel="C0SALES", text="quote", blocks=[SECTION, actions])
    clicked: dict[str, Any] = {}

    @app.action("order_hold")
    def hold(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        ack()
        clicked.update(action=action, body=body)
        respond(text="Held 40 BRKT", replace_original=True)

    message = slack.message("C0SALES", posted["ts"]).as_slack()
    url = slack.response_url("hold", channel="C0SALES", user=SALES, message_ts=posted["ts"])
    status, _, _ = requester.block_action(
        "order_hold", '{"qty":40}', SALES, "C0SALES", message, url
    )
    assert status == 200
    assert eventually(lambda: slack.messages("C0SALES")[0].text == "Held 40 BRKT")
    action, body = clicked["action"], clicked["body"]
    assert (action["block_id"], action["value"], action["type"]) == (
        "quote_actions",
        '{"qty":40}',
        "button",
    )
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0SALES",
        "is_ephemeral": False,
    }
    assert body["message"]["blocks"] == [SECTION, actions]


def test_app_home_opened_and_retried_events_reach_the_app(
    app: App, slack: FakeSlack, requester: SlackRequester
) -> None:
    retries: list[str | None] = []

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient, context: Any, request: BoltRequest) -> None:
        retries.append(request.headers.get("x-slack-retry-num", [None])[0])
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [SECTION]})

    assert requester.app_home_opened(SALES).status == 200
    assert eventually(lambda: slack.home(SALES))["blocks"] == [SECTION]
    event = {
        "type": "app_home_opened",
        "user": SALES,
        "channel": dm_channel_id(SALES),
        "tab": "home",
    }
    assert requester.event(event, "Ev1", retry_num=1, retry_reason="http_timeout").status == 200
    assert eventually(lambda: len(retries) == 2)
    assert retries == [None, "1"]


def test_a_message_shortcut_carries_the_message(
    app: App, slack: FakeSlack, requester: SlackRequester
) -> None:
    seen: dict[str, Any] = {}

    @app.shortcut("promise_from_message")
    def from_message(ack: Any, shortcut: dict[str, Any]) -> None:
        ack()
        seen.update(shortcut)

    message = {"type": "message", "ts": "1.000001", "text": "Acme wants 40 BRKT", "user": "U0X"}
    assert requester.message_shortcut("promise_from_message", SALES, "C1", message).status == 200
    assert seen["type"] == "message_action"
    assert (seen["message"]["text"], seen["channel"]["id"]) == ("Acme wants 40 BRKT", "C1")
