"""Operations answer capacity requests: rush reserve, overtime, a counter-offer, or decline.

Each answer updates the request in the operations channel in place, replies in its thread, and
tells the salesperson by DM (with the order held for them when the answer was yes): the three
messages are drawn here (`answer_messages`) and go through the outbox in the transaction that
settles the answer, so they are sent once even if this process dies right after the click.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.platform import i18n
from bot.platform.blockkit import ButtonValue, clip, day, error_message, loading_modal
from bot.platform.i18n import gettext as _
from bot.platform.languages import Languages
from bot.platform.users import UserService
from bot.promising.capacity_requests import (
    AlreadyAnswered,
    Answer,
    BadOvertime,
    CapacityRequestService,
    Overtime,
    Readers,
    RequestView,
)
from bot.promising.orders import OrderService
from capacity.model import NotPromisable, PlanningError
from handlers import operations_views as views
from handlers.common import form_errors, open_modal, refuse, release, safely, tell, user_id
from handlers.home import refresh
from handlers.orders_views import order_message
from handlers.parsing import MAX_QTY, PromiseSyntaxError, fits_qty, parse_day

log = logging.getLogger(__name__)

ONCE_ACTIONS = frozenset({views.OPS_APPROVE_RUSH})
"""Buttons whose second click must not act again; the others open a form, harmless twice."""


def register(app: App) -> None:
    app.action(views.OPS_APPROVE_RUSH)(approve_rush_clicked)
    app.action(views.OPS_APPROVE_OVERTIME)(open_answer_form)
    app.action(views.OPS_COUNTER)(open_answer_form)
    app.action(views.OPS_DECLINE)(open_answer_form)
    app.view(views.OPS_OVERTIME_MODAL)(overtime_submitted)
    app.view(views.OPS_COUNTER_MODAL)(counter_submitted)
    app.view(views.OPS_DECLINE_MODAL)(decline_submitted)


def approve_rush_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    requests: CapacityRequestService,
    orders: OrderService,
    users: UserService,
    languages: Languages,
) -> None:
    """Release the rush reserve for the request: the order is held on the earliest rush day."""
    ack()
    value = ButtonValue.decode(action["value"])
    user = user_id(body)
    try:
        answer = requests.approve_rush(str(value.request), actor=user, tell=_telling(orders))
    except AlreadyAnswered as error:
        refuse(context, respond, error)
        show_answer(client, error.request, orders.today(), languages)
        return
    except PlanningError as error:
        refuse(context, respond, error)
        return
    publish_answer(client, answer, orders=orders, requests=requests, users=users)


def open_answer_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    requests: CapacityRequestService,
    users: UserService,
    orders: OrderService,
    languages: Languages,
) -> None:
    """Overtime, Counter-offer and Decline ask for details in a form first."""
    ack()
    value = ButtonValue.decode(action["value"])
    user = user_id(body)
    try:
        users.require(user, "operations")
        request = requests.request(str(value.request))
        if request.status != "open":
            raise AlreadyAnswered(request)
    except AlreadyAnswered as error:
        refuse(context, respond, error)
        show_answer(client, error.request, orders.today(), languages)
        return
    except PlanningError as error:
        refuse(context, respond, error)
        return
    metadata = json.dumps({"request": request.id})
    kind = action["action_id"]
    if kind == views.OPS_DECLINE:
        view = views.decline_modal(question=request.question, private_metadata=metadata)
        client.views_open(trigger_id=body["trigger_id"], view=view)
        return

    def fill() -> dict[str, Any]:
        # Both forms quote the order: only once the loading view is open (Slack's 3 s).
        if kind == views.OPS_APPROVE_OVERTIME:
            suggested = requests.suggest_overtime(request)
            return views.overtime_modal(
                question=request.question,
                suggestion=_overtime_lines(suggested.lines),
                why_not=suggested.why_not,
                private_metadata=metadata,
            )
        quote = requests.quote_for(request)
        return views.counter_modal(
            question=request.question,
            qty=request.qty,
            on=quote.earliest,
            private_metadata=metadata,
        )

    title = _("Approve with overtime") if kind == views.OPS_APPROVE_OVERTIME else _("Counter-offer")
    open_modal(client, body["trigger_id"], loading_modal(title), fill)


def overtime_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    requests: CapacityRequestService,
    orders: OrderService,
    users: UserService,
    languages: Languages,
) -> None:
    """Check the lines and close the form at once; then store the overtime, quote again and hold.

    Slack waits 3 s for the answer to a form: a wrong line stays in the form, but the plan's
    answer comes after, on the request's message and by DM (or, when even this overtime does not
    make it fit, to the planner alone, with the overtime taken back).
    """
    text = _value(view, views.OVERTIME_BLOCK, views.OVERTIME_ACTION) or ""
    user = user_id(body)
    try:
        overtime = requests.check_overtime(parse_overtime(text, today=orders.today()))
        request_id = _request_id(view)
    except PlanningError as error:
        form_errors(context, ack, {views.OVERTIME_BLOCK: _short(error)})
        return
    ack()
    try:
        answer = requests.approve_overtime(
            request_id, actor=user, overtime=overtime, tell=_telling(orders)
        )
    except AlreadyAnswered as error:
        release(context)
        tell(client, user, error.request.channel_id, error_message(str(error)))
        show_answer(client, error.request, orders.today(), languages)
        return
    except PlanningError as error:
        release(context)
        channel = None
        with contextlib.suppress(PlanningError):
            channel = requests.request(request_id).channel_id
        if isinstance(error, NotPromisable):
            # TRANSLATORS: {problem} is a whole sentence saying why the plan refused.
            text = _(
                "{problem} The overtime was not kept and the request is still open.",
                problem=str(error),
            )
        else:
            text = str(error)
        tell(client, user, channel, error_message(text))
        return
    publish_answer(client, answer, orders=orders, requests=requests, users=users)


def counter_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    requests: CapacityRequestService,
    orders: OrderService,
    users: UserService,
) -> None:
    """Offer another quantity or day: it is held for the salesperson if the plan can keep it."""
    raw_qty = (_value(view, views.COUNTER_QTY_BLOCK, views.COUNTER_QTY_ACTION) or "").strip()
    raw_on = _value(view, views.COUNTER_ON_BLOCK, views.COUNTER_ON_ACTION, "selected_date")
    note = (_value(view, views.NOTE_BLOCK, views.NOTE_ACTION) or "").strip() or None
    errors: dict[str, str] = {}
    fits = raw_qty.isdecimal() and fits_qty(raw_qty)
    qty = int(raw_qty) if fits and int(raw_qty) > 0 else None
    if qty is None:
        errors[views.COUNTER_QTY_BLOCK] = _(
            "A whole number from 1 to {most}.", most=i18n.number(MAX_QTY)
        )
    on = date.fromisoformat(raw_on) if raw_on else None
    if on is None:
        errors[views.COUNTER_ON_BLOCK] = _("Pick the day you can make it by.")
    if not errors:
        assert qty is not None and on is not None
        try:
            answer = requests.counter(
                _request_id(view),
                actor=user_id(body),
                qty=qty,
                on=on,
                note=note,
                tell=_telling(orders),
            )
        except NotPromisable as error:
            errors[views.COUNTER_ON_BLOCK] = _short(error)
        except PlanningError as error:
            errors[views.COUNTER_QTY_BLOCK] = _short(error)
    if errors:
        form_errors(context, ack, errors)
        return
    ack()
    publish_answer(client, answer, orders=orders, requests=requests, users=users)


def decline_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    requests: CapacityRequestService,
    orders: OrderService,
    users: UserService,
) -> None:
    """Decline with a reason; the salesperson gets it by DM."""
    reason = _value(view, views.REASON_BLOCK, views.REASON_ACTION) or ""
    try:
        answer = requests.decline(
            _request_id(view), actor=user_id(body), reason=reason, tell=_telling(orders)
        )
    except PlanningError as error:
        form_errors(context, ack, {views.REASON_BLOCK: _short(error)})
        return
    ack()
    publish_answer(client, answer, orders=orders, requests=requests, users=users)


# --- telling everyone ---------------------------------------------------------------------------


def show_answer(
    client: WebClient, request: RequestView, as_of: date, languages: Languages | None = None
) -> None:
    """Draw the request as answered (no buttons) in place, e.g. after a click on a stale one: in
    the channel's language, which everyone there reads."""
    if request.status == "open" or not (request.channel_id and request.message_ts):
        return
    shared = languages.of_channel(request.channel_id) if languages else i18n.active()
    with i18n.using(shared):
        answered = _answered(request, as_of, None)
    safely(client.chat_update, channel=request.channel_id, ts=request.message_ts, **answered)


def answer_messages(
    answer: Answer, as_of: date, readers: Readers | None = None
) -> list[dict[str, Any]]:
    """What to send about an answer, as outbox payloads: the request drawn as answered in
    place, a reply in its thread, and the salesperson's DM (chat.postMessage to a user id
    posts in the app's DM with them). Each is drawn in its `readers`' language (without them,
    in the active one)."""
    request, order = answer.request, answer.order
    payloads: list[dict[str, Any]] = []
    with i18n.using(readers.channel if readers else i18n.active()):
        answered = _answered(request, as_of, order)
    if request.channel_id and request.message_ts:
        payloads.append(
            {
                "method": "chat_update",
                "args": {"channel": request.channel_id, "ts": request.message_ts, **answered},
            }
        )
        payloads.append(
            {
                "method": "chat_postMessage",
                "args": {
                    "channel": request.channel_id,
                    "thread_ts": request.message_ts,
                    "text": f"<@{request.requested_by}> {answered['text']}",
                },
            }
        )
    with i18n.using(readers.requester if readers else i18n.active()):
        if order is not None:
            reason = _said(request, order.qty, order.promised_on, as_of)
            message = order_message(order, as_of, by=request.answered_by, reason=reason)
        else:
            message = views.declined_message(
                request.answered_by, request.id, request.question, request.answer_note
            )
    payloads.append(
        {"method": "chat_postMessage", "args": {"channel": request.requested_by, **message}}
    )
    return payloads


def _telling(orders: OrderService) -> Callable[[Answer, Readers], list[dict[str, Any]]]:
    return lambda answer, readers: answer_messages(answer, orders.today(), readers)


def publish_answer(
    client: WebClient,
    answer: Answer,
    *,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Draw again the Home tabs an answer changed, once it is committed (its messages are in
    the outbox): the salesperson's (their hold) and operations' (one request fewer)."""
    refresh(
        client,
        [answer.request.requested_by],
        operations=True,
        orders=orders,
        requests=requests,
        users=users,
    )


def _answered(request: RequestView, as_of: date, order: Any) -> dict[str, Any]:
    kind = {"rush": "rush", "overtime": "overtime", "counter": "counter"}.get(
        request.answer_kind or "", "decline"
    )
    return views.answered_request_message(
        request_id=request.id,
        sku=request.sku,
        qty=request.qty,
        customer=request.customer,
        wanted=request.wanted,
        as_of=as_of,
        answer=kind,  # type: ignore[arg-type]
        answered_by=request.answered_by or "",
        promised_qty=order.qty if order is not None else request.counter_qty,
        promised_on=order.promised_on if order is not None else request.counter_on,
        reason=request.answer_note,
    )


def _said(request: RequestView, qty: int, on: date | None, as_of: date) -> str:
    # TRANSLATORS: a stand-in for the day of an answer that has none.
    when = day(on, as_of) if on else _("a later day")
    fields = {"id": request.id, "qty": qty, "when": when}
    if request.answer_kind == "rush":
        return _(
            "Operations approved request #{id} with the rush reserve: {qty} on {when}.", **fields
        )
    if request.answer_kind == "overtime":
        return _("Operations approved request #{id} with overtime: {qty} on {when}.", **fields)
    if request.answer_note:
        return _(
            "Operations offered {qty} on {when} instead (request #{id}). Note: {note}",
            note=request.answer_note,
            **fields,
        )
    return _("Operations offered {qty} on {when} instead (request #{id}).", **fields)


# --- reading the forms --------------------------------------------------------------------------


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def parse_overtime(text: str, *, today: date) -> list[Overtime]:
    """Lines of `WORK_CENTER DAY HOURS` (e.g. `CNC Tue 24 Nov 4`, `CNC 2026-11-24 4`)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        # A decimal comma (`4,5`, as Vietnamese writes hours) is a decimal point; any other comma
        # only separates words (`Tue, 24 Nov`).
        words = _DECIMAL_COMMA.sub(".", line).replace(",", " ").split()
        if not words:
            continue
        if len(words) < 3:
            raise BadOvertime(
                _("Line {n}: write `WORK_CENTER DAY HOURS`, like `CNC Fri 4`.", n=number)
            )
        try:
            hours = float(words[-1].lower().removesuffix("h"))
        except ValueError:
            raise BadOvertime(
                _(
                    "Line {n}: {word} is not a number of hours.",
                    n=number,
                    word=repr(words[-1]),
                )
            ) from None
        try:
            on = parse_day(" ".join(words[1:-1]), today=today)
        except PromiseSyntaxError as error:
            # TRANSLATORS: {problem} says what is wrong with the day written on the line.
            raise BadOvertime(_("Line {n}: {problem}.", n=number, problem=error.problem)) from None
        found.append(Overtime(words[0], on, hours))
    if not found:
        raise BadOvertime(_("Add at least one line: `WORK_CENTER DAY HOURS`."))
    return found


def _overtime_lines(lines: Sequence[Overtime]) -> str:
    """The suggested overtime as the form's lines (parse_overtime reads them back)."""
    return "\n".join(f"{line.work_center} {line.on.isoformat()} {line.hours:g}" for line in lines)


def _value(view: dict[str, Any], block: str, action: str, key: str = "value") -> Any:
    return ((view.get("state") or {}).get("values") or {}).get(block, {}).get(action, {}).get(key)


def _request_id(view: dict[str, Any]) -> str:
    try:
        return str(json.loads(view.get("private_metadata") or "{}")["request"])
    except (json.JSONDecodeError, KeyError, TypeError):
        raise PlanningError(_("This form lost track of its request; open it again.")) from None


def _short(error: Exception) -> str:
    return clip(str(error), 280)
