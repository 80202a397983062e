"""Changes to the factory from Slack, and the owners' answers to moved orders, over signed HTTP.

The harness's factory (DESIGN.md's worked example with a 25 % rush reserve on CNC and PAINT) as
of Mon 23 Nov 2026. Messages the re-plan queues in the outbox are delivered by the outbox worker,
as `promisebot run` does every few seconds.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from slack_sdk import WebClient

from bot.platform.db.session import write_transaction
from bot.platform.db.tables import (
    CalendarExceptionRow,
    CapacityRequestRow,
    OrderRow,
    ReceiptRow,
)
from bot.platform.outbox import OutboxWorker
from bot.promising.moves import queue_move_nudges
from bot.promising.orders import OrderView, record_factory_change
from bot.sandbox import Message, dm_channel_id
from handlers import changes_views as views
from handlers.changes_parsing import (
    FIRST_ACTION,
    KIND_ACTION,
    LAST_ACTION,
    REASON_ACTION,
    WC_ACTION,
)
from tests.slack_harness import (
    MANAGER,
    OPS,
    OPS_CHANNEL,
    SALES,
    TOKEN,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)

WED = date(2026, 11, 25)
DOWN = '/capacity CNC down Tue..Wed "spindle repair"'


def promise(world: World, qty: int = 25, on: date = WED, customer: str = "Acme") -> OrderView:
    return world.services.orders.hold("BRKT", qty, on, customer=customer, owner=SALES, confirm=True)


def capacity(world: World, text: str, user: str = OPS, name: str = "/capacity") -> Message:
    """`/capacity TEXT` (or `/supply`) and the answer only the user sees."""
    reply, response = world.command(
        text.split(" ", 1)[1], user=user, channel=OPS_CHANNEL, name=name
    )
    assert reply.status == 200, reply
    return world.answer(response)


def apply(world: World, preview: Message) -> Message:
    """Press Apply on a preview; the preview is replaced by what was done."""
    world.click(preview, views.APPLY, user=OPS)
    return updated(world, preview)


def deliver(world: World) -> int:
    client = WebClient(token=TOKEN, base_url=world.slack.url, timeout=5)
    return OutboxWorker(world.db.session_factory, client, world.services.clock).deliver_due()


def dms(world: World, user: str = SALES) -> list[Message]:
    return world.slack.messages(dm_channel_id(user))


def moved_dm(world: World) -> Message:
    """Apply the downtime of Tue–Wed and return the owner's DM about the moved order."""
    apply(world, capacity(world, DOWN))
    deliver(world)
    return eventually(lambda: dms(world), what="the owner's DM")[-1]


def row(world: World, ref: str) -> OrderRow:
    with world.db.session_factory() as session:
        found = session.scalar(sa.select(OrderRow).where(OrderRow.ref == ref))
        assert found is not None
        return found


def updated(world: World, message: Message) -> Message:
    return eventually(
        lambda: (m := world.slack.message(message.channel, message.ts)).edited and m,
        what="the message to be replaced",
    )


def test_sales_and_managers_are_refused_and_nothing_changes(world: World) -> None:
    promise(world)
    before = world.dump()

    for user in (SALES, MANAGER):
        answer = capacity(world, DOWN, user=user)
        assert answer.text.startswith("Only operations can report changes to the factory;")
        assert f"your role is {'sales' if user == SALES else 'manager'}" in answer.text
        answer = capacity(world, "/supply SHEET count 3", user=user, name="/supply")
        assert answer.text.startswith("Only operations can report changes to the factory;")
    world.settle()
    assert world.dump() == before


def test_a_downtime_is_previewed_then_applied_and_the_owner_and_operations_are_told(
    world: World,
) -> None:
    order = promise(world)
    before = world.dump()

    preview = capacity(world, DOWN)

    assert preview.text.startswith(
        "CNC is down Tue 24 – Wed 25 Nov: spindle repair: this will move 1 promise:"
    )
    assert f"{order.ref} 25 BRKT for Acme: Wed 25 Nov → " in preview.text
    world.settle()
    assert world.dump() == before, "a preview changes nothing"

    done = apply(world, preview)
    assert done.text.startswith(
        ":white_check_mark: Applied: CNC is down Tue 24 – Wed 25 Nov: spindle repair; 1 promise "
        "moves. Their owners are told, operations get the summary."
    )
    moved = row(world, order.ref)
    assert (moved.status, moved.promised_on, moved.moved_from) == ("confirmed", WED, WED)
    assert moved.moved_to is not None and moved.moved_to > WED

    deliver(world)
    dm = eventually(lambda: dms(world), what="the DM")[0]
    assert dm.text.startswith(
        f"CNC is down Tue 24 – Wed 25 Nov: spindle repair. Your order 25 BRKT for Acme "
        f"({order.ref}) cannot ship Wed 25 Nov any more"
    )
    labels = [e["text"]["text"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Accept new date", "Ask operations", "Split", "Cancel"]
    assert "For the customer (copy and send)" in str(dm.blocks)
    summary = eventually(lambda: world.slack.messages(OPS_CHANNEL), what="the summary")
    assert len(summary) == 1
    assert summary[0].text.startswith("*CNC is down Tue 24 – Wed 25 Nov: spindle repair* (reported")
    assert f"{order.ref} 25 BRKT for Acme: Wed 25 Nov →" in summary[0].text
    world.assert_blocks_valid()


def test_accepting_the_new_date_makes_it_the_promise(world: World) -> None:
    order = promise(world)
    dm = moved_dm(world)
    new_day = row(world, order.ref).moved_to

    world.click(dm, views.ACCEPT)

    answered = updated(world, dm)
    assert answered.text.startswith(f":white_check_mark: Accepted: {order.ref} (25 BRKT for Acme)")
    accepted = row(world, order.ref)
    assert (accepted.promised_on, accepted.moved_from, accepted.moved_to) == (new_day, None, None)
    assert not any(b["type"] == "actions" for b in answered.blocks)
    world.assert_blocks_valid()


def test_a_split_keeps_what_fits_on_the_old_date_and_makes_the_rest_an_order(
    world: World,
) -> None:
    order = promise(world)
    dm = moved_dm(world)

    world.click(dm, views.SPLIT)

    answered = updated(world, dm)
    assert answered.text.startswith(f":scissors: Split: {order.ref}")
    first, rest = row(world, order.ref), row(world, f"{order.ref}-2")
    assert (first.promised_on, first.moved_from) == (WED, None)
    assert first.qty + rest.qty == 25
    assert rest.promised_on is not None and rest.promised_on > WED
    assert (rest.status, rest.owner_slack_id) == ("confirmed", SALES)


def test_cancel_gives_back_what_the_moved_order_held(world: World) -> None:
    order = promise(world)
    dm = moved_dm(world)

    world.click(dm, views.CANCEL)

    assert updated(world, dm).text.startswith(f":x: Cancelled: {order.ref}")
    assert row(world, order.ref).status == "cancelled"


def test_ask_operations_asks_about_the_old_date_and_keeps_the_new_place(world: World) -> None:
    order = promise(world)
    dm = moved_dm(world)
    asked_before = len(world.slack.messages(OPS_CHANNEL))

    world.click(dm, views.ASK_OPS)

    question = eventually(
        lambda: world.slack.messages(OPS_CHANNEL)[asked_before:], what="the question"
    )[0]
    assert question.text.startswith(
        "Can you make 25 BRKT for Acme by Wed 25 Nov? It was promised for then; a change in "
        "the factory moved it to "
    )
    assert updated(world, dm).text.startswith(
        f":speech_balloon: Asked operations in <#{OPS_CHANNEL}>"
    )
    with world.db.session_factory() as session:
        about = session.scalars(sa.select(CapacityRequestRow.order_id)).all()
        orders = session.scalar(sa.select(sa.func.count()).select_from(OrderRow))
    assert about == [order.id] and orders == 1, "the question is about the order itself"
    assert row(world, order.ref).moved_from == WED


def test_a_stale_button_after_a_second_change_answers_with_the_orders_state(
    world: World,
) -> None:
    order = promise(world)
    first = moved_dm(world)
    apply(world, capacity(world, "/capacity CNC down Thu"))
    deliver(world)
    eventually(lambda: len(dms(world)) == 2, what="the second DM")
    now = row(world, order.ref)
    before = world.dump()

    world.click(first, views.ACCEPT)

    stale = updated(world, first)
    assert stale.text == (
        f":information_source: Order {order.ref} changed since this message was posted: it is "
        f"now confirmed, moved from Wed 25 Nov to {now.moved_to:%a} {now.moved_to.day} "
        f"{now.moved_to:%b} (answer the newer message or your Home tab). Nothing was done."
    )
    world.settle()
    assert world.dump() == before


def test_supply_moves_a_receipt_cuts_it_and_counts_stock(world: World) -> None:
    with write_transaction(world.db.session_factory) as session:
        session.add(ReceiptRow(sku="SHEET", on=date(2026, 11, 30), qty=40, ref="PO-778"))
        record_factory_change(session, "test", {})
    earliest = world.services.orders.quote("BRKT", 40, WED).earliest
    assert earliest is not None
    order = promise(world, 40, earliest, "Globex")

    late = capacity(world, "/supply SHEET PO-778 moves to 12-14", name="/supply")
    assert late.text.startswith(
        "SHEET receipt PO-778 is late: it arrives Mon 14 Dec instead of Mon 30 Nov: this will "
        "move 1 promise:"
    )
    apply(world, late)
    assert row(world, order.ref).moved_from == earliest

    cut = capacity(world, "/supply SHEET PO-778 qty 10", name="/supply")
    assert cut.text.startswith("SHEET receipt PO-778 brings 10 instead of 40:")
    count = capacity(world, "/supply SHEET count 12", name="/supply")
    assert count.text.startswith("SHEET was counted: 12 on hand, not 20:")
    bad = capacity(world, "/supply SHEET PO-1 qty 10", name="/supply")
    assert bad.text == "SHEET has no receipt 'PO-1'; its receipts are PO-778; nothing was changed."


def test_words_it_cannot_read_get_the_usage(world: World) -> None:
    answer = capacity(world, "/capacity CNC sideways Thu")
    assert "'sideways' is not a change I know" in answer.text
    assert "/capacity CNC back" in answer.text


def test_the_form_shows_what_would_move_before_it_applies(world: World) -> None:
    order = promise(world)
    before = world.dump()
    world.requester.shortcut("report_change", OPS)
    world.form(OPS, views.FORM)
    values = {
        WC_ACTION: "CNC",
        FIRST_ACTION: "2026-11-24",
        LAST_ACTION: "2026-11-25",
        KIND_ACTION: "closed",
        REASON_ACTION: "spindle repair",
    }

    world.submit(OPS, values)

    previewed = world.slack.last_view(OPS)
    assert previewed is not None and previewed["submit"]["text"] == "Apply"
    shown = " ".join((b.get("text") or {}).get("text", "") for b in previewed["blocks"])
    assert "this will move 1 promise" in shown and order.ref in shown
    world.settle()
    assert world.dump() == before

    world.submit(OPS, values)

    told = eventually(lambda: dms(world, OPS), what="the result")[0]
    assert told.text.startswith(
        ":white_check_mark: Applied: CNC is down Tue 24 – Wed 25 Nov: spindle repair"
    )
    assert row(world, order.ref).moved_from == WED
    world.assert_blocks_valid()


def test_a_work_center_typeahead_lists_matching_codes(world: World) -> None:
    world.requester.shortcut("report_change", OPS)
    form = world.form(OPS, views.FORM)
    reply = world.requester.block_suggestion(WC_ACTION, "pa", OPS, form)
    assert [o["value"] for o in reply.body["options"]] == ["PAINT"]  # type: ignore[index]


def test_capacity_back_lifts_the_downtime_and_replan_brings_the_order_back(world: World) -> None:
    order = promise(world)
    apply(world, capacity(world, DOWN))

    back = capacity(world, "/capacity CNC back")

    assert back.text.startswith(
        "CNC is back to its usual hours Tue 24 – Wed 25 Nov: spindle repair is over:"
    )
    apply(world, back)
    with world.db.session_factory() as session:
        assert session.scalars(sa.select(CalendarExceptionRow)).all() == []
    assert row(world, order.ref).moved_from == WED, "giving back moves nothing by itself"
    assert world.services.orders.replan().kept == (order.ref,)
    assert row(world, order.ref).moved_from is None
    again = capacity(world, "/capacity CNC back")
    assert again.text == "CNC has no downtime from Mon 23 Nov on to lift; nothing was changed."


def test_home_tabs_list_moved_orders_until_they_are_answered(world: World) -> None:
    order = promise(world)
    moved_dm(world)

    world.requester.app_home_opened(SALES)
    mine = eventually(lambda: world.slack.home(SALES), what="the sales home")
    world.requester.app_home_opened(OPS)
    theirs = eventually(lambda: world.slack.home(OPS), what="the ops home")

    assert "Moved promises waiting for your answer" in str(mine["blocks"])
    accept = [
        e
        for b in mine["blocks"]
        if b.get("block_id") == f"home_move:{order.ref}"
        for e in b["elements"]
        if e["action_id"] == views.ACCEPT
    ]
    assert len(accept) == 1
    assert "Moved promises, not yet answered" in str(theirs["blocks"])
    assert f"<@{SALES}>" in str(theirs["blocks"])
    assert "Report a change" in str(theirs["blocks"])

    reply = world.requester.block_action(
        views.ACCEPT, accept[0]["value"], SALES, None, None, None, view=mine, element=accept[0]
    )
    assert reply.status == 200
    eventually(lambda: row(world, order.ref).moved_from is None, what="the answer")
    redrawn = eventually(
        lambda: (h := world.slack.home(SALES)) != mine and h, what="the home drawn again"
    )
    assert "Moved promises" not in str(redrawn["blocks"])


def test_an_unanswered_move_is_nudged_once_after_four_working_hours(world: World) -> None:
    order = promise(world)
    moved_dm(world)
    moved_at = row(world, order.ref).moved_at
    assert moved_at is not None
    orders = world.services.orders

    assert queue_move_nudges(orders, moved_at + timedelta(hours=3)) == []
    later = moved_at + timedelta(hours=5)
    assert queue_move_nudges(orders, later) == [order.ref]
    assert queue_move_nudges(orders, later + timedelta(hours=1)) == []
    deliver(world)
    reminder = eventually(lambda: len(dms(world)) == 2 and dms(world)[-1], what="the reminder")
    assert reminder.text.startswith(f":alarm_clock: Reminder: order {order.ref} (25 BRKT for Acme)")
    labels = [
        e["text"]["text"] for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels[0] == "Accept new date"


def _speaks(world: World, user: str, language: str) -> None:
    reply, response = world.command(
        f"language {language} me", user, OPS_CHANNEL, name="/promisebot"
    )
    assert reply.status == 200, reply
    world.answer(response)


def test_operations_report_a_downtime_in_vietnamese_and_it_moves_what_the_english_moves(
    world: World,
) -> None:
    order = promise(world)
    _speaks(world, OPS, "vi")

    preview = capacity(world, '/capacity CNC dừng thứ Ba đến thứ Tư "sửa trục chính"')

    assert preview.text.startswith(
        "CNC ngừng máy Thứ Ba, 24 thg 11 – Thứ Tư, 25 thg 11: sửa trục chính: thay đổi này sẽ "
        "dời 1 cam kết:"
    )
    done = apply(world, preview)
    assert done.text.startswith(":white_check_mark: Đã áp dụng: CNC ngừng máy")
    with world.db.session_factory() as session:
        closed = session.scalars(sa.select(CalendarExceptionRow)).all()
    assert sorted((c.work_center, c.on, c.hours) for c in closed) == [
        ("CNC", date(2026, 11, 24), 0),
        ("CNC", date(2026, 11, 25), 0),
    ]
    assert row(world, order.ref).moved_from == WED
    # Words it cannot read are refused in Vietnamese, with examples a planner can copy.
    refused = capacity(world, "/capacity CNC nhảy thứ Năm")
    assert "'nhảy' không phải là thay đổi mà tôi hiểu" in refused.text
    assert "`/capacity CNC chạy lại`" in refused.text
    world.assert_blocks_valid()


def test_operations_move_a_receipt_in_chinese_written_without_spaces(world: World) -> None:
    with write_transaction(world.db.session_factory) as session:
        session.add(ReceiptRow(sku="SHEET", on=date(2026, 11, 30), qty=40, ref="PO-778"))
        record_factory_change(session, "test", {})
    earliest = world.services.orders.quote("BRKT", 40, WED).earliest
    assert earliest is not None
    order = promise(world, 40, earliest, "Globex")
    _speaks(world, OPS, "zh_Hans")

    late = capacity(world, "/supply SHEET PO-778改到12月14日", name="/supply")

    assert "将有 1 个承诺改期：" in late.text
    apply(world, late)
    with world.db.session_factory() as session:
        receipt = session.scalar(sa.select(ReceiptRow).where(ReceiptRow.ref == "PO-778"))
    assert receipt is not None and receipt.on == date(2026, 12, 14)
    assert row(world, order.ref).moved_from == earliest
    count = capacity(world, "/supply SHEET 盘点 12", name="/supply")
    assert "12" in count.text and count.text != late.text
    world.assert_blocks_valid()
