"""Block Kit builders: what a salesperson or planner reads, and that Slack would accept it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.platform import blockkit
from bot.platform.blockkit import ButtonValue
from capacity.model import Constraint, Lot, Quote
from handlers import operations_views, orders_views
from handlers.parsing import PromiseSyntaxError, parse_promise

AS_OF = date(2026, 11, 23)
WANTED = date(2026, 11, 25)

# DESIGN.md's worked example: 40 BRKT wanted Wed 25 Nov, quoted on Mon 23 Nov.
WORKED = Quote(
    sku="BRKT",
    qty=40,
    requested=WANTED,
    as_of=AS_OF,
    earliest=date(2026, 12, 8),
    on_requested=25,
    split=(Lot(on=WANTED, qty=25), Lot(on=date(2026, 12, 4), qty=15)),
    rush_earliest=date(2026, 12, 8),
    constraint=Constraint(
        kind="lead_time",
        code="SHEET",
        until=date(2026, 12, 3),
        text="SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec",
    ),
)

FITS = Quote(
    sku="BRKT",
    qty=5,
    requested=WANTED,
    as_of=AS_OF,
    earliest=WANTED,
    on_requested=5,
    split=None,
    rush_earliest=WANTED,
    constraint=Constraint(kind="none", code=None, until=None, text=""),
)


def valid_message(message: dict[str, Any]) -> dict[str, Any]:
    """Assert Slack would take the message as is; return it for further assertions."""
    assert message["text"].strip(), "every message needs a plain-text fallback"
    assert set(message) == {"text", "blocks"}
    parsed = Block.parse_all(message["blocks"])
    assert len(parsed) <= 50
    block_ids = [b["block_id"] for b in message["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for raw, block in zip(message["blocks"], parsed, strict=True):
        assert block is not None, raw
        block.validate_json()
        # slack_sdk ignores keys it does not know; a round trip catches a misspelt one.
        assert block.to_dict() == raw
        in_block = [e["action_id"] for e in _elements(raw)]
        assert len(in_block) == len(set(in_block)), "action_ids must be unique within a block"
    return message


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.to_dict() == view
    return view


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [e for e in block.get("elements", []) if "action_id" in e]
    found += [block[k] for k in ("accessory", "element") if k in block]
    return found


def texts(message: dict[str, Any]) -> list[str]:
    """Every line of mrkdwn and plain text a reader sees, top to bottom."""
    lines: list[str] = []
    for block in message["blocks"]:
        if "text" in block:
            lines += block["text"]["text"].split("\n")
        for field in block.get("fields", []):
            lines += field["text"].split("\n")
        if block["type"] == "context":
            lines += [e["text"] for e in block["elements"]]
    return lines


def buttons(message: dict[str, Any]) -> list[tuple[str, str, ButtonValue]]:
    """(label, action_id, decoded value) of every button, in reading order."""
    found = []
    for block in message["blocks"]:
        for element in _elements(block):
            if element["type"] == "button":
                value = ButtonValue.decode(element["value"])
                found.append((element["text"]["text"], element["action_id"], value))
    return found


# --- quotes ---------------------------------------------------------------------------------


def test_worked_example_reads_in_planners_words() -> None:
    message = valid_message(orders_views.quote_message(WORKED, customer="Acme"))
    assert texts(message)[:4] == [
        "*40 BRKT for Acme* — wanted Wed 25 Nov",
        "*Earliest for all 40:* Tue 8 Dec",
        "*On Wed 25 Nov:* 25 of 40 (what stock and capacity allow)",
        "*Split:* 25 on Wed 25 Nov, 15 on Fri 4 Dec",
    ]
    assert ":factory: SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec" in texts(
        message
    )
    assert message["text"] == (
        "40 BRKT for Acme: earliest for all 40 is Tue 8 Dec; 25 on Wed 25 Nov; "
        "split 25 on Wed 25 Nov, 15 on Fri 4 Dec"
    )


def test_worked_example_offers_the_earliest_day_the_part_that_fits_and_the_split() -> None:
    message = valid_message(orders_views.quote_message(WORKED, customer="Acme"))
    labels = [(label, action_id) for label, action_id, _ in buttons(message)]
    assert labels == [
        ("Hold 25 for Wed 25 Nov", "order_hold"),
        ("Hold the split", "order_hold"),
        ("Hold 40 for Tue 8 Dec", "order_hold"),
        ("Confirm 40 for Tue 8 Dec", "order_confirm"),
        ("Ask operations", "order_ask_ops"),
        ("Dismiss", "order_cancel"),  # nothing is booked: it only goes away
    ]
    values = {label: value for label, _, value in buttons(message)}
    assert values["Hold 40 for Tue 8 Dec"] == ButtonValue(
        sku="BRKT", qty=40, on=date(2026, 12, 8), customer="Acme", wanted=WANTED, as_of=AS_OF
    )
    assert (values["Hold 25 for Wed 25 Nov"].qty, values["Hold 25 for Wed 25 Nov"].on) == (
        25,
        WANTED,
    )
    assert values["Hold the split"].split == WORKED.split
    assert (values["Ask operations"].qty, values["Ask operations"].on) == (40, WANTED)


def test_a_quote_without_a_customer_offers_no_hold_but_says_how_to_name_one() -> None:
    for quote in (WORKED, FITS):
        message = valid_message(orders_views.quote_message(quote, customer=None))
        assert [b[:2] for b in buttons(message)] == [("Dismiss", "order_cancel")]
        assert f"Name the customer to hold: `/promise {quote.qty} BRKT for CUSTOMER`" in texts(
            message
        )
    named = valid_message(orders_views.quote_message(FITS, customer="Acme"))
    assert not any("Name the customer" in line for line in texts(named))


def test_a_quote_that_fits_says_so_and_offers_no_escalation() -> None:
    message = valid_message(orders_views.quote_message(FITS, customer="Acme"))
    assert texts(message)[1] == ":white_check_mark: Can ship all 5 on Wed 25 Nov"
    assert message["text"] == "5 BRKT for Acme: can ship all 5 on Wed 25 Nov"
    assert [b[:2] for b in buttons(message)] == [
        ("Hold 5 for Wed 25 Nov", "order_hold"),
        ("Confirm 5 for Wed 25 Nov", "order_confirm"),
        ("Dismiss", "order_cancel"),
    ]
    assert not any(line.startswith(":factory:") for line in texts(message))


def test_rush_is_offered_only_when_the_reserve_makes_it_sooner() -> None:
    assert not any(
        "rush" in line for line in texts(orders_views.quote_message(WORKED, customer=None))
    )
    rushed = dataclasses.replace(WORKED, rush_earliest=date(2026, 12, 7))
    message = valid_message(orders_views.quote_message(rushed, customer=None))
    assert "*With the rush reserve:* all 40 on Mon 7 Dec (ask operations)" in texts(message)


def test_a_quote_beyond_the_horizon_is_said_plainly() -> None:
    hopeless = dataclasses.replace(
        WORKED,
        earliest=None,
        on_requested=0,
        split=None,
        rush_earliest=None,
        constraint=Constraint("horizon", None, None, "Nothing frees CNC within 365 days"),
    )
    message = valid_message(orders_views.quote_message(hopeless, customer="Acme"))
    assert texts(message)[1:3] == [
        ":x: All 40 cannot be promised within 365 days",
        "*On Wed 25 Nov:* none",
    ]
    assert message["text"] == "40 BRKT for Acme: cannot be promised within 365 days"
    assert [b[1] for b in buttons(message)] == ["order_ask_ops", "order_cancel"]


def test_an_order_quote_carries_its_id_and_version_for_stale_clicks() -> None:
    message = valid_message(
        orders_views.quote_message(
            WORKED, customer="Acme", order_id=12, requester="U0SALES", version=3
        )
    )
    assert "Order #12 · asked by <@U0SALES> · planned as of Mon 23 Nov" in texts(message)
    assert {(value.order, value.ver) for _, _, value in buttons(message)} == {(12, 3)}
    cancel = next(b for b in message["blocks"][-1]["elements"] if b["action_id"] == "order_cancel")
    assert cancel["confirm"]["confirm"]["text"] == "Cancel it"


def test_a_date_in_another_year_carries_the_year() -> None:
    late = dataclasses.replace(WORKED, earliest=date(2027, 1, 5), split=None)
    assert "*Earliest for all 40:* Tue 5 Jan 2027" in texts(
        valid_message(orders_views.quote_message(late, customer=None))
    )


def test_customer_text_cannot_break_the_markup_or_the_value_limit() -> None:
    customer = "<!channel> & " + "A" * 67
    message = valid_message(orders_views.quote_message(WORKED, customer=customer))
    assert texts(message)[0].startswith("*40 BRKT for &lt;!channel&gt; &amp; AAA")
    for block in message["blocks"]:
        for element in _elements(block):
            assert len(element["value"]) <= 2000
            assert ButtonValue.decode(element["value"]).customer == customer


def test_a_button_value_round_trips_and_refuses_foreign_values() -> None:
    value = ButtonValue(sku="BRKT", qty=40, on=WANTED, order="o-1", ver=0, split=WORKED.split)
    assert ButtonValue.decode(value.encode()) == value
    with pytest.raises(ValueError, match="not a promisebot button value"):
        ButtonValue.decode("hold")
    with pytest.raises(ValueError, match="Slack allows 2000"):
        ButtonValue(customer="x" * 2000).encode()


# --- usage, errors, order status ----------------------------------------------------------------


def test_usage_shows_the_error_and_how_to_write_the_command() -> None:
    with pytest.raises(PromiseSyntaxError) as caught:
        parse_promise("forty BRKT", today=AS_OF)
    message = valid_message(orders_views.usage_message(caught.value))
    assert texts(message)[0] == (
        ":warning: 'forty' is not a quantity: write a whole number, "
        "like `/promise 40 BRKT for Acme by Friday`"
    )
    assert texts(message)[1].startswith("Usage: `/promise QTY SKU [for CUSTOMER] [by DATE]`")
    assert valid_message(orders_views.usage_message())["text"].startswith("Here is how")


def test_error_message_is_plain_and_escaped() -> None:
    message = valid_message(blockkit.error_message("Only operations can approve <requests>."))
    assert texts(message) == [":warning: Only operations can approve &lt;requests&gt;."]
    # The fallback is mrkdwn too: escaped the same way (Slack shows "<requests>").
    assert message["text"] == "Only operations can approve &lt;requests&gt;."


def test_a_held_order_says_until_when_in_each_readers_time_zone() -> None:
    until = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    message = valid_message(
        orders_views.order_status_message(
            order_id=12,
            sku="BRKT",
            qty=40,
            customer="Acme",
            on=date(2026, 12, 8),
            status="held",
            as_of=AS_OF,
            held_until=until,
            version=4,
        )
    )
    assert texts(message)[:2] == [
        ":lock: *Held:* 40 BRKT for Acme on Tue 8 Dec",
        f"The hold expires <!date^{int(until.timestamp())}^{{date_short_pretty}} at {{time}}"
        "|Tue 24 Nov 14:30>; confirm to keep it.",
    ]
    assert [(b[0], b[1], b[2].order, b[2].ver) for b in buttons(message)] == [
        ("Confirm 40 for Tue 8 Dec", "order_confirm", 12, 4),
        ("Cancel", "order_cancel", 12, 4),
        ("Plan", "planner_order_plan", 12, None),  # shows; changes nothing, so never stale
    ]


@pytest.mark.parametrize(
    ("status", "first_line", "actions"),
    [
        ("confirmed", ":white_check_mark: *Confirmed:* 40 BRKT for Acme, ships Tue 8 Dec", 3),
        ("cancelled", ":no_entry_sign: *Cancelled:* 40 BRKT for Acme (was Tue 8 Dec)", 0),
        (
            "expired",
            ":hourglass: *Hold expired:* 40 BRKT for Acme on Tue 8 Dec; its capacity is free again",
            0,
        ),
        ("shipped", ":package: *Shipped:* 40 BRKT for Acme (promised Tue 8 Dec)", 0),
        ("at_risk", ":warning: *At risk:* 40 BRKT for Acme promised for Tue 8 Dec", 0),
    ],
)
def test_every_order_status_reads_plainly(status: Any, first_line: str, actions: int) -> None:
    message = valid_message(
        orders_views.order_status_message(
            order_id=12,
            sku="BRKT",
            qty=40,
            customer="Acme",
            on=date(2026, 12, 8),
            status=status,
            as_of=AS_OF,
            by="U0SALES",
        )
    )
    assert texts(message)[0] == first_line
    assert "Order #12 · by <@U0SALES>" in texts(message)
    assert len(buttons(message)) == actions


# --- the promise modal ----------------------------------------------------------------------


def test_the_loading_modal_has_the_same_callback_and_no_submit() -> None:
    view = valid_view(orders_views.promise_modal(loading=True))
    assert view["callback_id"] == "promise_modal"
    assert "submit" not in view


def test_the_promise_modal_asks_for_the_request_and_the_flexibility() -> None:
    view = valid_view(orders_views.promise_modal())
    assert view["callback_id"] == "promise_modal"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["sku", "qty", "customer", "wanted", "least_qty", "latest"]
    sku = inputs["sku"]["element"]
    assert (sku["type"], sku["action_id"], sku["min_query_length"]) == (
        "external_select",
        "sku_select",
        1,
    )
    assert inputs["wanted"]["element"]["type"] == "datepicker"
    assert inputs["latest"]["element"]["type"] == "datepicker"
    assert [b.get("optional", False) for b in inputs.values()] == [
        False,
        False,
        True,
        False,
        True,
        True,
    ]


def test_the_promise_modal_prefills_what_it_is_given() -> None:
    view = valid_view(
        orders_views.promise_modal(
            sku="BRKT",
            sku_label="BRKT — Bracket",
            qty=40,
            customer="Acme",
            wanted=WANTED,
            least_qty=25,
            latest=date(2026, 12, 4),
            private_metadata='{"channel":"C1"}',
        )
    )
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["sku"]["initial_option"]["value"] == "BRKT"
    assert elements["sku"]["initial_option"]["text"]["text"] == "BRKT — Bracket"
    assert elements["qty"]["initial_value"] == "40"
    assert elements["customer"]["initial_value"] == "Acme"
    assert elements["wanted"]["initial_date"] == "2026-11-25"
    assert elements["least_qty"]["initial_value"] == "25"
    assert elements["latest"]["initial_date"] == "2026-12-04"
    assert view["private_metadata"] == '{"channel":"C1"}'


# --- operations -----------------------------------------------------------------------------


def test_a_capacity_request_is_a_question_with_the_customers_expectation() -> None:
    message = valid_message(
        operations_views.capacity_request_message(
            WORKED,
            request_id=7,
            customer="Acme",
            requester="U0SALES",
            least_qty=30,
            latest=date(2026, 12, 4),
        )
    )
    assert texts(message) == [
        ":question: *Can you make 40 BRKT for Acme by Wed 25 Nov?*",
        "*Customer expects*",
        "40 on Wed 25 Nov",
        "*Customer would accept*",
        "at least 30 on Wed 25 Nov; all 40 as late as Fri 4 Dec",
        "*The plan says*",
        "all 40 on Tue 8 Dec; 25 on Wed 25 Nov; split 25 on Wed 25 Nov, 15 on Fri 4 Dec",
        "*With the rush reserve*",
        "would not make it sooner",
        ":factory: Bottleneck: SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec",
        "Request #7 · asked by <@U0SALES>",
    ]
    assert message["text"].startswith("Can you make 40 BRKT for Acme by Wed 25 Nov?")
    assert [(b[0], b[1], b[2].request) for b in buttons(message)] == [
        ("Approve with overtime…", "ops_approve_overtime", 7),
        ("Counter-offer…", "ops_counter", 7),
        ("Decline…", "ops_decline", 7),
    ]


def test_a_capacity_request_offers_the_rush_reserve_when_it_helps() -> None:
    rushed = dataclasses.replace(WORKED, rush_earliest=date(2026, 12, 7))
    message = valid_message(
        operations_views.capacity_request_message(
            rushed, request_id=7, customer=None, requester=None, note="Key account"
        )
    )
    assert "flexibility not asked (use the form to add it)" in texts(message)
    assert "all 40 on Mon 7 Dec" in texts(message)
    assert "> Key account" in texts(message)
    assert [b[1] for b in buttons(message)] == [
        "ops_approve_rush",
        "ops_approve_overtime",
        "ops_counter",
        "ops_decline",
    ]
    assert buttons(message)[0][0] == "Approve with rush reserve (Mon 7 Dec)"


@pytest.mark.parametrize(
    ("answer", "extra", "said"),
    [
        (
            "rush",
            {"promised_on": date(2026, 12, 7)},
            ":white_check_mark: <@U0PLAN> approved with the rush reserve: 40 on Mon 7 Dec",
        ),
        (
            "overtime",
            {"promised_on": WANTED},
            ":white_check_mark: <@U0PLAN> approved with overtime: 40 on Wed 25 Nov",
        ),
        (
            "counter",
            {"promised_qty": 30, "promised_on": date(2026, 12, 1)},
            ":left_right_arrow: <@U0PLAN> offered 30 on Tue 1 Dec instead",
        ),
        (
            "decline",
            {"reason": "CNC is down for maintenance"},
            ":no_entry: <@U0PLAN> declined: CNC is down for maintenance",
        ),
    ],
)
def test_an_answered_request_shows_the_question_and_the_answer(
    answer: Any, extra: dict[str, Any], said: str
) -> None:
    message = valid_message(
        operations_views.answered_request_message(
            request_id=7,
            sku="BRKT",
            qty=40,
            customer="Acme",
            wanted=WANTED,
            as_of=AS_OF,
            answer=answer,
            answered_by="U0PLAN",
            **extra,
        )
    )
    assert texts(message) == [
        "*Can you make 40 BRKT for Acme by Wed 25 Nov?*",
        said,
        "Request #7 · answered",
    ]
    assert buttons(message) == []
