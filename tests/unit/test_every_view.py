"""Every message, modal and Home tab the app can build, drawn with long, hostile and non-Latin
inputs and with many orders, and checked against Slack's documented limits (tests.slack_limits,
on top of slack_sdk's own Block Kit models).

`CASES` draws each builder; `test_every_builder_is_drawn_here` fails when a builder is added to
handlers/*_views.py or to bot's reminder and notice messages without a case here.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from bot.collaboration import digest as report
from bot.collaboration import leads, summits
from bot.collaboration.digest import Digest, Missed
from bot.collaboration.leads import FollowupView, LeadView
from bot.collaboration.summits import Agenda, AgendaPoint, OccurrenceView, Schedule, SummitView
from bot.collaboration.takt import Takt
from bot.planner.gantt import Bar, Material, OrderPlan
from bot.planner.load import DayLoad, LoadChart, OrderHours
from bot.planner.sequence import Sequence
from bot.platform import blockkit, i18n
from bot.promising import capacity_requests, orders, replan
from bot.promising.capacity_requests import RequestView
from bot.promising.orders import MAX_CUSTOMER_LENGTH, OrderView
from capacity.model import Quote
from capacity.sequencing import Job
from handlers import (
    admin_views,
    home_views,
    language_views,
    leads_views,
    operations_views,
    orders_views,
    planner_views,
    shipping_views,
    summits_views,
)
from handlers.home_views import HomeLoad, HomeOrder, HomeRequest
from tests.slack_limits import live_sequences, message_problems, texts, view_problems
from tests.unit.test_blocks import FITS, WORKED

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SALES, OPS = "U0SALES", "U0OPS"
CHANNEL = "C0SALES"

INPUTS = {
    "plain": "Acme",
    "long": "Nordwestdeutsche Maschinenbau- und Anlagenvertriebsgesellschaft " * 160,  # 10 k
    "hostile": (
        "<!channel> <!here> <@U0VICTIM> <#C0SECRET> <!subteam^S0TEAM> "
        '<http://evil.example/login|Invoice> &amp; & < > =HYPERLINK("http://x?"&A1,"y") '
        "*bold* _it_ ~no~ `code` > quote"
    ),
    "rtl": "שלום עולם · مرحبا بالعالم · مصنع الشرق",
    "cjk": "上海精密机械有限公司 · Công ty TNHH Cơ khí Chính xác Sài Gòn",
}
"""What a user can type where a name, a note, a reason or a place goes."""


# --- what the builders are given ------------------------------------------------------------


def quote(text: str = "BRKT", *, fits: bool = False) -> Quote:
    """DESIGN.md's worked example (tests.unit.test_blocks), for an item and a bottleneck `text`."""
    if fits:
        return dataclasses.replace(FITS, sku=text)
    said = dataclasses.replace(WORKED.constraint, text=f"{text}: lead time")
    return dataclasses.replace(WORKED, sku=text, rush_earliest=date(2026, 12, 7), constraint=said)


def order(text: str, n: int = 1, *, status: str = "confirmed") -> OrderView:
    return OrderView(
        id=n,
        ref=f"PB-{n:05d}",
        customer=text,
        sku="BRKT",
        qty=40,
        requested_on=date(2026, 11, 25),
        promised_on=date(2026, 11, 25) + timedelta(days=n % 20),
        status=status,
        rush=False,
        owner=SALES,
        expires_at=NOW + timedelta(hours=n),
        version=n,
        at_risk_reason=text if status == "at_risk" else None,
        shipped_qty=n % 7,
    )


def followup(text: str, n: int = 1) -> FollowupView:
    due = NOW + timedelta(days=n % 9)
    return FollowupView(n, n, text, SALES, text, due, due, None, None, text)


def lead(text: str) -> LeadView:
    return LeadView(
        1, text, SALES, text, text, 200, date(2027, 1, 1), text, "open", NOW, followup(text)
    )


def summit(text: str) -> SummitView:
    schedule = Schedule({"day": "1st tue", "hour": "10", "minute": "0"}, "first Tuesday, 10:00")
    return SummitView(
        1, text, schedule, "Europe/Berlin", text, CHANNEL, SALES, True, NOW + timedelta(days=8)
    )


def agenda(text: str, many: int = 30) -> Agenda:
    starts = NOW + timedelta(days=8)
    missed = [
        Missed(f"PB-{n:05d}", text, "BRKT", 10, AS_OF, f"breakdown at {text}") for n in range(many)
    ]
    points = [AgendaPoint(n, SALES, f"{text} {n}", n % 2 == 0, False) for n in range(many)]
    return Agenda(
        summit=text,
        starts_at=starts,
        since=NOW - timedelta(days=28),
        until=NOW,
        missed=missed,
        # These lists are mrkdwn, escaped where the summit service reads them.
        at_risk=[blockkit.escape(f"{text} {n}") for n in range(many)],
        rush=[blockkit.escape(text)] * many,
        declined_requests=[blockkit.escape(text)] * 3,
        slow_requests=[blockkit.escape(text)] * 3,
        loaded=[(f"WC{n}", 1.2) for n in range(many)],
        slipped_followups=[blockkit.escape(text)] * 3,
        carried_over=points[::2],
        previous_decisions=text,
        points=points[1::2],
    )


def request(text: str) -> RequestView:
    question = f"Can you make 40 BRKT for {text} by Wed 25 Nov?"
    asked = (7, 1, "PB-00001", "BRKT", 40, text, date(2026, 11, 25), None, None, SALES, "open")
    answered = (question, text, "C0OPS", "1.2", OPS, "decline", text, None, None, NOW, None)
    return RequestView(*asked, *answered)


def digest(text: str, many: int = 40) -> Digest:
    weeks = [date(2026, 9, 28) + timedelta(weeks=k) for k in range(8)]
    loads = [date(2026, 11, 23) + timedelta(weeks=k) for k in range(8)]
    missed = [Missed(f"PB-{n:05d}", text, "BRKT", 10, AS_OF, text) for n in range(many)]
    on_time = report.OnTime(
        report.WeekRate(weeks[-1], 2, many),
        1,
        [report.WeekRate(w, k, k % 3) for k, w in enumerate(weeks)],
        [(f"{text} {n}", n, 1) for n in range(many)],
        [(f"breakdown at {text} {n}", 1) for n in range(many)],
        missed,
    )
    requests = report.Requests(3, {"approved": 1, "declined": 1, "open": 1}, 13.25, 24.0, 1)
    pipeline = [report.PipelineLoad(f"WC{n}", AS_OF, 168.0, 20.0, 202.0) for n in range(30)]
    overdue = [(f"U0OWNER{n}", 2) for n in range(many)]
    return Digest(
        week_start=date(2026, 11, 16),
        generated_at=NOW,
        timezone="Europe/Berlin",
        on_time=on_time,
        lead_time=report.LeadTime(5.25, 4, 8.25, [(w, 5.0, 2) for w in weeks]),
        rush=[f"PB-{n:05d} {text}: 10 BRKT" for n in range(many)],
        requests=requests,
        utilisation={f"WC{n}": {w: n / 8 for w in loads} for n in range(many)},
        load_weeks=loads,
        pipeline=pipeline,
        unmatched_leads=1,
        followups=report.Followups(4, 1, 1, 2, overdue),
        conversion=[(text, 2, 1, 0)],
        takt=[Takt(f"{text[:40]}-{n}", 12.5, f"WC{n}", 40.0, 2.5 + n % 3) for n in range(many)],
    )


def home(text: str, role: str = "admin") -> dict[str, Any]:
    """Everything a Home tab can show, many times over: 60 holds, 40 confirmed orders …"""

    def mine(n: int, status: str) -> HomeOrder:
        on = AS_OF + timedelta(days=n % 9 - 2)
        return HomeOrder(f"PB-{n:05d}", 40, "BRKT", text, status, on, NOW, n, n, n % 3)

    return home_views.home_view(
        role=role,
        as_of=AS_OF,
        quotes=[mine(n, "quoted") for n in range(30)],
        holds=[mine(n, "held") for n in range(60)],
        confirmed=[mine(n, "confirmed") for n in range(40)],
        requests=[HomeRequest(n, f"Can you make {text}?", SALES, NOW) for n in range(25)],
        load=[HomeLoad(f"WC{n}-{text[:20]}", 30.0, 40.0) for n in range(100)],
        to_ship=[mine(n, "at_risk" if n % 5 == 0 else "confirmed") for n in range(50)],
    )


def named(text: str) -> str:
    """A customer as a quote can carry it: /promise, the forms and leads keep to this length."""
    return text[:MAX_CUSTOMER_LENGTH]


def order_row(text: str) -> Any:
    from bot.platform.db.tables import CustomerRow, OrderRow

    return OrderRow(
        ref="PB-00001",
        sku="BRKT",
        qty=40,
        promised_on=date(2026, 12, 1),
        customer=CustomerRow(name=text),
    )


# --- the cases ------------------------------------------------------------------------------

AN_ORDER: dict[str, Any] = {"order_id": 1, "sku": "BRKT", "qty": 40, "on": AS_OF, "as_of": AS_OF}
"""What every status message of an order is drawn with (its status and texts vary)."""
A_REQUEST: dict[str, Any] = {
    "request_id": 7,
    "sku": "BRKT",
    "qty": 40,
    "wanted": AS_OF,
    "as_of": AS_OF,
}
"""The same for an answered capacity request."""

Payloads = list[dict[str, Any]]

CASES: dict[str, Callable[[str], Payloads]] = {
    # orders
    "orders_views.quote_message": lambda t: [
        orders_views.quote_message(quote(), customer=named(t), order_id=3, requester=SALES),
        orders_views.quote_message(quote(fits=True), customer=named(t), least_qty=3, latest=AS_OF),
        orders_views.quote_message(quote(named(t)), customer=None),
    ],
    "orders_views.usage_message": lambda t: [orders_views.usage_message(t)],
    "orders_views.prefixed": lambda t: [
        orders_views.prefixed(t, orders_views.quote_message(quote(), customer=named(t)))
    ],
    "orders_views.order_status_message": lambda t: [
        orders_views.order_status_message(
            **AN_ORDER, customer=t, status=status, held_until=NOW, by=SALES, reason=t
        )
        for status in ("held", "confirmed", "cancelled", "expired", "shipped", "at_risk")
    ],
    "orders_views.order_message": lambda t: [
        orders_views.order_message(order(t, status="at_risk"), AS_OF, by=OPS, reason=t)
    ],
    "orders_views.orders_message": lambda t: [
        orders_views.orders_message(
            [orders_views.order_message(order(t, n, status="held"), AS_OF) for n in (1, 2)]
        )
    ],
    "orders_views.asked_message": lambda t: [
        orders_views.asked_message("C0OPS", f"Can you make 40 BRKT for {t}?", 7, "PB-00001")
    ],
    "orders_views.promise_modal": lambda t: [
        orders_views.promise_modal(loading=True),
        orders_views.promise_modal(
            sku="BRKT", sku_label=t, qty=40, customer=t, wanted=AS_OF, least_qty=1, latest=AS_OF
        ),
    ],
    # operations
    "operations_views.capacity_request_message": lambda t: [
        operations_views.capacity_request_message(
            quote(), request_id=7, customer=t, requester=SALES, least_qty=3, latest=AS_OF, note=t
        )
    ],
    "operations_views.answered_request_message": lambda t: [
        operations_views.answered_request_message(
            **A_REQUEST, customer=t, answer=answer, answered_by=OPS, promised_on=AS_OF, reason=t
        )
        for answer in ("rush", "overtime", "counter", "decline")
    ],
    "operations_views.declined_message": lambda t: [
        operations_views.declined_message(OPS, 7, f"Can you make 40 BRKT for {t}?", t)
    ],
    "operations_views.overtime_modal": lambda t: [
        operations_views.overtime_modal(
            question=t, suggestion="CNC 2026-11-24 4", private_metadata="{}"
        ),
        operations_views.overtime_modal(
            question=t, suggestion="", private_metadata="{}", why_not=t
        ),
    ],
    "operations_views.counter_modal": lambda t: [
        operations_views.counter_modal(question=t, qty=40, on=AS_OF, private_metadata="{}")
    ],
    "operations_views.decline_modal": lambda t: [
        operations_views.decline_modal(question=t, private_metadata="{}")
    ],
    # home
    "home_views.home_view": lambda t: [home(t), home(t, "sales"), home(t, "operations")],
    # shipping
    "shipping_views.ship_modal": lambda t: [shipping_views.ship_modal(order(t), AS_OF, "{}")],
    "shipping_views.shipped_message": lambda t: [
        shipping_views.shipped_message(order(t), AS_OF, OPS),
        shipping_views.shipped_message(order(t, status="shipped"), AS_OF, OPS),
    ],
    "shipping_views.shipment_notice": lambda t: [
        shipping_views.shipment_notice(order(t), 5, AS_OF, OPS, AS_OF)
    ],
    # leads
    "leads_views.lead_created_message": lambda t: [leads_views.lead_created_message(lead(t))],
    "leads_views.lead_usage_message": lambda t: [leads_views.lead_usage_message(t)],
    "leads_views.lead_modal": lambda t: [
        leads_views.lead_modal(owner=SALES, today=AS_OF, private_metadata="{}", customer=t)
    ],
    "leads_views.followup_done_message": lambda t: [
        leads_views.followup_done_message(followup(t), SALES)
    ],
    "leads_views.followup_snoozed_message": lambda t: [
        leads_views.followup_snoozed_message(followup(t), SALES)
    ],
    "leads_views.lead_reassigned_message": lambda t: [
        leads_views.lead_reassigned_message(lead(t), OPS)
    ],
    "leads_views.lead_handed_over_message": lambda t: [
        leads_views.lead_handed_over_message(lead(t), OPS)
    ],
    "leads.reminder_message": lambda t: [leads.reminder_message(followup(t))],
    "leads.overdue_message": lambda t: [
        leads.overdue_message(SALES, [followup(t, n) for n in range(100)])
    ],
    # summits
    "summits_views.summit_scheduled_message": lambda t: [
        summits_views.summit_scheduled_message(summit(t), replaced=[t])
    ],
    "summits_views.summit_agenda_message": lambda t: [
        summits_views.summit_agenda_message(
            summit(t),
            5,
            NOW + timedelta(days=8),
            agenda(t),
            last_occurrence_id=4,
            last_starts_at=NOW - timedelta(days=20),
            show_record=True,
        )
    ],
    "summits_views.with_rsvps": lambda t: [
        summits_views.with_rsvps(
            summits.reminder_message(summit(t), occurrence(), agenda(t), NOW),
            {"yes": [SALES] * 30, "maybe": [OPS], "no": []},
        )
    ],
    "summits_views.point_modal": lambda t: [summits_views.point_modal(t, "{}")],
    "summits_views.decisions_modal": lambda t: [
        summits_views.decisions_modal(
            t, NOW, [AgendaPoint(n, SALES, f"{t} {n}", False, False) for n in range(30)], "{}"
        )
    ],
    "summits_views.decisions_saved_message": lambda t: [
        summits_views.decisions_saved_message(summit(t), NOW, t)
    ],
    "summits_views.summit_usage_message": lambda t: [summits_views.summit_usage_message(t)],
    "summits.reminder_message": lambda t: [
        summits.reminder_message(summit(t), occurrence(), agenda(t), NOW)
    ],
    # admin and what every conversation says
    "language_views.your_language_message": lambda t: [
        language_views.your_language_message(lang, chosen, slack, channel)
        for lang in i18n.LANGUAGES
        for chosen, slack, channel in ((lang, None, None), (None, lang, "vi"), (None, None, "en"))
    ],
    "language_views.chosen_message": lambda t: [
        language_views.chosen_message(lang) for lang in i18n.LANGUAGES
    ],
    "language_views.channel_chosen_message": lambda t: [
        language_views.channel_chosen_message("C0SALES", lang) for lang in i18n.LANGUAGES
    ],
    "language_views.language_select": lambda t: [
        blockkit.home(language_views.language_select(lang, chosen))
        for lang in i18n.LANGUAGES
        for chosen in (None, lang)
    ],
    "admin_views.roles_message": lambda t: [
        admin_views.roles_message([(f"U0USER{n}", "sales") for n in range(400)])
    ],
    "admin_views.simulation_running_message": lambda t: [
        admin_views.simulation_running_message(365, [1, 2, 3, 4, 5])
    ],
    "admin_views.simulation_result_message": lambda t: [
        admin_views.simulation_result_message(
            180, [1, 2, 3], t, [f"{t} {n} " + "9" * 140 for n in range(60)], [t, t]
        ),
        admin_views.simulation_result_message(30, [1], "", ["policy  setting", "ctp  +0 wd"], [t]),
    ],
    "blockkit.error_message": lambda t: [blockkit.error_message(t)],
    "blockkit.info_message": lambda t: [blockkit.info_message(blockkit.escape(t))],
    "blockkit.loading_modal": lambda t: [blockkit.loading_modal(t)],
    "blockkit.notice_modal": lambda t: [blockkit.notice_modal(t, t)],
    # bot's own messages: the digest and the notices queued in the outbox
    "digest.Digest.blocks": lambda t: [
        {"text": digest(t).text(), "blocks": digest(t).blocks()},
        {"text": digest(t, many=0).text(), "blocks": digest(t, many=0).blocks()},
    ],
    "replan.at_risk_message": lambda t: [{"text": replan.at_risk_message(order_row(t), quote(t))}],
    "replan.move_message": lambda t: [
        replan.move_message(
            replan.Moved("PB-00001", AS_OF, AS_OF + timedelta(days=3), t, "BRKT", 40, SALES),
            order_id=1,
            version=2,
            change=t,
            options=replan.MoveOptions(
                ((AS_OF, 25), (AS_OF + timedelta(days=3), 15)),
                AS_OF + timedelta(days=1),
                AS_OF + timedelta(days=5),
            ),
            as_of=AS_OF,
        )
    ],
    "orders.hold_expired_message": lambda t: [{"text": orders.hold_expired_message(order_row(t))}],
    "orders.hold_expiring_message": lambda t: [
        {"text": orders.hold_expiring_message(order_row(t), "14:30", "1 h 20 min")}
    ],
    "capacity_requests.nudge_message": lambda t: [
        {"text": capacity_requests.nudge_message(request(t))}
    ],
    "summits_views.summit_cancelled_message": lambda t: [
        summits_views.summit_cancelled_message(summit(t))
    ],
    # the planner's view
    "planner_views.load_message": lambda t: [
        planner_views.load_message(load_chart(t), dm="D0OPS"),
        planner_views.load_message(load_chart(t, 1), dm=None),
    ],
    "planner_views.order_plan_message": lambda t: [
        planner_views.order_plan_message(order_plan(t), dm="D0SALES"),
        planner_views.order_plan_message(OrderPlan(order(t), AS_OF, (), (), t), dm=None),
    ],
    "planner_views.load_buttons": lambda t: [
        {
            "type": "home",
            "blocks": planner_views.load_buttons([t[:10], *(f"WC{n}" for n in range(40))]),
        }
    ],
    "planner_views.sequence_message": lambda t: [
        planner_views.sequence_message(sequence(t), dm="D0OPS"),
        planner_views.sequence_message(sequence(t, jobs=0), dm=None),
    ],
}


def load_chart(text: str, weeks: int = 26) -> LoadChart:
    """A work center named `text`, fully booked by 30 orders of customer `text` each day."""
    days = tuple(
        DayLoad(
            AS_OF + timedelta(days=n),
            10.0,
            8.0,
            8.0,
            tuple(OrderHours(f"PB-{k:05d}", text, "confirmed", k % 5 == 0, 0.3) for k in range(30)),
            note=text if n % 7 == 3 else "",
        )
        for n in range(7 * weeks)
    )
    return LoadChart(text[:40], text, AS_OF, days)


def order_plan(text: str) -> OrderPlan:
    bars = tuple(
        Bar(f"WC{n}", text, tuple((AS_OF + timedelta(days=d), 2.0) for d in range(20)), text)
        for n in range(40)
    )
    materials = tuple(Material(text[:40], AS_OF, 3.0, "purchase") for _ in range(40))
    return OrderPlan(order(text), AS_OF, bars, materials, text)


def sequence(text: str, *, jobs: int = 60) -> Sequence:
    line = (text[:30], "BEND")
    listed = tuple(Job(f"PB-{n:05d}", (1.0 + n % 3, 2.0)) for n in range(jobs))
    promised = {job.ref: AS_OF for job in listed}
    late = tuple(job.ref for job in listed[::2])
    return Sequence(line, AS_OF, listed, listed[::-1], promised, late, ())


def occurrence() -> OccurrenceView:
    return OccurrenceView(5, 1, NOW + timedelta(days=8), None)


def drawn(case: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, text in INPUTS.items():
        for payload in CASES[case](text):
            yield name, payload


# --- the checks -----------------------------------------------------------------------------


def builders() -> set[str]:
    """Every builder of a whole message or view: what the listeners and jobs send."""
    found: set[str] = set()
    views: dict[str, ModuleType] = {
        "orders_views": orders_views,
        "operations_views": operations_views,
        "home_views": home_views,
        "shipping_views": shipping_views,
        "leads_views": leads_views,
        "summits_views": summits_views,
        "admin_views": admin_views,
        "planner_views": planner_views,
        "language_views": language_views,
    }
    for prefix, module in views.items():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith(("_", "confirm_")):
                continue
            if "dict[str, Any]" in str(inspect.signature(function).return_annotation):
                found.add(f"{prefix}.{name}")
    bot: dict[str, ModuleType] = {
        "leads": leads,
        "summits": summits,
        "replan": replan,
        "capacity_requests": capacity_requests,
        "orders": orders,
    }
    for prefix, module in bot.items():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and name.endswith("_message"):
                found.add(f"{prefix}.{name}")
    for name in ("error_message", "info_message", "loading_modal", "notice_modal"):
        found.add(f"blockkit.{name}")
    assert hasattr(report.Digest, "blocks")
    found.add("digest.Digest.blocks")
    return found


def test_every_builder_is_drawn_here() -> None:
    assert builders() == set(CASES)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_message_and_view_keeps_slacks_limits(case: str, language: str) -> None:
    # In every language: Vietnamese runs longer than English, so a title or button that fits
    # in English may not (slack_sdk's models refuse it; slack_limits checks the rest).
    problems = []
    with i18n.using(language):
        payloads = list(drawn(case))
    for name, payload in payloads:
        found = view_problems(payload) if payload.get("type") else message_problems(payload)
        problems += [f"{name}: {problem}" for problem in found]
    assert problems == [], "\n".join(problems)


def test_lists_too_long_for_slack_say_how_many_they_leave_out() -> None:
    tab = str(home("Acme")["blocks"])
    assert "and 50 more holds" in tab  # 60 holds, 10 shown with their buttons
    assert "and 30 more confirmed orders" in tab
    assert "and 35 more to ship" in tab
    assert "and 15 more requests" in tab
    report = digest("Acme")
    assert "and 25 more" in str(report.blocks())  # 40 missed this week, 15 shown
    overdue = leads.overdue_message(SALES, [followup("Acme", n) for n in range(100)])
    assert "and 60 more" in str(overdue["blocks"])
    form = summits_views.decisions_modal(
        "S&OP", NOW, [AgendaPoint(n, SALES, f"point {n}", False, False) for n in range(30)], "{}"
    )
    assert "and 20 more points, not listed here, carry over" in str(form["blocks"])


OURS = re.compile(r"@U0(SALES|OPS|USER\d+|OWNER\d+)|#[CD]0(SALES|OPS)|!date\^\d+\^[^|<>]*\|[^<>]*")
"""The control sequences the app writes itself: its users, its channels, a moment in the reader's
own time zone. Anything else between < and > in mrkdwn came from what somebody typed."""


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_text_anybody_typed_is_a_live_control_sequence(case: str, language: str) -> None:
    with i18n.using(language):
        payloads = list(drawn(case))
    live = [
        f"{name}: <{sequence}> in {text[:80]!r}"
        for name, payload in payloads
        for kind, text in texts(payload)
        if kind == "mrkdwn"
        for sequence in live_sequences(text)
        if not OURS.fullmatch(sequence)
    ]
    assert live == [], "\n".join(live)
