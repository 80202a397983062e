"""Sales in Slack: `/promise`, the promise form, and the buttons of a quote or an order.

`/promise QTY SKU [for CUSTOMER] [by DATE]` answers with a quote (only the salesperson sees it);
`/promise` alone, the global shortcut and the message shortcut open the promise form. A quote's
buttons hold, confirm, ask operations or dismiss; an order's buttons confirm or cancel it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.platform import i18n
from bot.platform.blockkit import ButtonValue, option
from bot.platform.i18n import gettext as _
from bot.platform.users import UserService
from bot.promising.capacity_requests import CapacityRequestService, RequestView
from bot.promising.orders import CustomerMissing, OrderService, OrderView, StaleOrder
from capacity.model import BadQuantity, NotPromisable, PlanningError, Quote, UnknownSku
from handlers import operations_views
from handlers import orders_views as views
from handlers.common import (
    form_errors,
    metadata,
    open_modal,
    refuse,
    release,
    safely,
    tell,
    user_id,
)
from handlers.home import from_home, refresh
from handlers.parsing import (
    QTY_BLOCK,
    SKU_ACTION,
    SKU_BLOCK,
    ModalInputError,
    PromiseSyntaxError,
    parse_promise,
    parse_promise_modal,
)

log = logging.getLogger(__name__)

PROMISE_COMMAND = "/promise"
PROMISE_SHORTCUT = "promise_shortcut"
PROMISE_FROM_MESSAGE = "promise_from_message"
ONCE_ACTIONS = frozenset({views.HOLD, views.CONFIRM, views.ASK_OPS, views.CANCEL})
"""Buttons whose second click must not act again (see bot.platform.deliveries.delivery_key)."""


def register(app: App) -> None:
    app.command(PROMISE_COMMAND)(promise_command)
    app.shortcut(PROMISE_SHORTCUT)(promise_shortcut)
    app.shortcut(PROMISE_FROM_MESSAGE)(promise_from_message)
    app.options(SKU_ACTION)(sku_options)
    app.view(views.PROMISE_MODAL)(promise_submitted)
    app.action(views.HOLD)(hold_clicked)
    app.action(views.CONFIRM)(confirm_clicked)
    app.action(views.CANCEL)(cancel_clicked)
    app.action(views.ASK_OPS)(ask_ops_clicked)


# --- /promise and the form ----------------------------------------------------------------------


def promise_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
) -> None:
    """`/promise QTY SKU [for CUSTOMER] [by DATE]`: reply with a quote and its options."""
    ack()
    text = (command.get("text") or "").strip()
    user = command["user_id"]
    if not text:
        release(context)  # opening a form changes nothing; a retry may open it again
        _open_form(client, command["trigger_id"], orders, channel=command.get("channel_id"))
        return
    try:
        request = parse_promise(text, today=orders.today())
        quote = orders.quote(request.sku, request.qty, request.due or orders.today())
    except PromiseSyntaxError as error:
        refuse(context, respond, error, message=views.usage_message(error))
        return
    except PlanningError as error:
        refuse(context, respond, views.error_text(error))
        return
    respond(**views.quote_message(quote, customer=request.customer, requester=user))


def promise_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, orders: OrderService
) -> None:
    """The global shortcut: open the promise form; the quote comes by DM."""
    ack()
    _open_form(client, shortcut["trigger_id"], orders, channel=None)


def promise_from_message(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, orders: OrderService
) -> None:
    """The message shortcut: open the form, filled in from "40 BRKT" in the message if found."""
    ack()
    prefill: dict[str, Any] = {}
    text = (shortcut.get("message") or {}).get("text") or ""
    for qty, word in re.findall(r"\b(\d{1,7})\s*(?:x\s*)?([A-Za-z][A-Za-z0-9._/-]*)", text):
        try:
            sku = orders.resolve_sku(word)
        except UnknownSku:
            continue
        prefill = {"qty": int(qty), "sku": sku}
        break
    channel = (shortcut.get("channel") or {}).get("id")
    _open_form(client, shortcut["trigger_id"], orders, channel=channel, **prefill)


def _open_form(
    client: WebClient,
    trigger_id: str,
    orders: OrderService,
    *,
    channel: str | None,
    **prefill: Any,
) -> None:
    data = json.dumps({"channel": channel} if channel else {})

    def fill() -> dict[str, Any]:
        sku = prefill.get("sku")
        label = None
        if sku:
            label = next((f"{s} — {n}" for s, n in orders.search_items(sku, 5) if s == sku), sku)
        return views.promise_modal(
            sku=sku,
            sku_label=label,
            qty=prefill.get("qty"),
            wanted=orders.today(),
            private_metadata=data,
        )

    open_modal(client, trigger_id, views.promise_modal(loading=True, private_metadata=data), fill)


def sku_options(ack: Ack, payload: dict[str, Any], orders: OrderService) -> None:
    """The form's SKU typeahead: items whose SKU or name contains what was typed."""
    found = orders.search_items(payload.get("value") or "", 100)
    ack(options=[option(f"{sku} — {name}" if name else sku, sku) for sku, name in found])


def promise_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
) -> None:
    """The form was sent: errors stay in the form; a quote goes where the form was opened."""
    user = user_id(body)
    try:
        asked = parse_promise_modal(view["state"]["values"], today=orders.today())
        request = asked.request
        quote = orders.quote(request.sku, request.qty, request.due or orders.today())
    except ModalInputError as error:
        form_errors(context, ack, error.errors)
        return
    except UnknownSku as error:
        form_errors(context, ack, {SKU_BLOCK: views.error_text(error)})
        return
    except BadQuantity as error:
        form_errors(context, ack, {QTY_BLOCK: views.error_text(error)})
        return
    ack()
    message = views.quote_message(
        quote,
        customer=request.customer,
        requester=user,
        least_qty=asked.least_qty,
        latest=asked.latest,
    )
    tell(client, user, metadata(view).get("channel"), message)


# --- a quote's and an order's buttons -----------------------------------------------------------


def hold_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    orders: OrderService,
) -> None:
    """Hold what the quote offered: all of it, the part that fits the wanted day, or the split."""
    ack()
    _book(body, action, respond, context, orders, confirm=False)


def confirm_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Confirm a held order (its owner or a manager), or confirm straight from a quote."""
    ack()
    value = ButtonValue.decode(action["value"])
    if from_home(body):
        _home_click(
            orders.confirm, "confirm", body, value, context, client, orders, requests, users
        )
        return
    if value.order is None:
        _book(body, action, respond, context, orders, confirm=True)
        return
    user = user_id(body)
    try:
        order = orders.order(value.order)
        users.require_owner(user, order.owner, order.ref, "confirm")
        order = orders.confirm(order.id, actor=user, version=value.ver)
    except StaleOrder as error:
        _stale(context, respond, error, orders)
        return
    except NotPromisable as error:
        # An order's buttons name it by id; the fresh quote is for its customer.
        value = dataclasses.replace(value, customer=order.customer)
        refuse(context, respond, error, message=_refused_with_quote(error, value, user))
        return
    except PlanningError as error:
        refuse(context, respond, views.error_text(error))
        return
    respond(replace_original=True, **_status(order, orders, by=user))


def cancel_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Cancel an order (its owner or a manager), or put away a quote nobody wants."""
    ack()
    value = ButtonValue.decode(action["value"])
    if from_home(body):
        _home_click(orders.cancel, "cancel", body, value, context, client, orders, requests, users)
        return
    if value.order is None:
        release(context)
        respond(delete_original=True)
        return
    user = user_id(body)
    try:
        order = orders.order(value.order)
        users.require_owner(user, order.owner, order.ref, "cancel")
        order = orders.cancel(order.id, actor=user, version=value.ver)
    except StaleOrder as error:
        _stale(context, respond, error, orders)
        return
    except PlanningError as error:
        refuse(context, respond, views.error_text(error))
        return
    respond(replace_original=True, **_status(order, orders, by=user))


def _home_click(
    act: Callable[..., OrderView],
    verb: str,
    body: dict[str, Any],
    value: ButtonValue,
    context: BoltContext,
    client: WebClient,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Confirm or cancel a hold from the Home tab, then draw the tab again.

    A Home tab has no message to answer in: a refusal (e.g. the order changed since the tab was
    drawn) goes to the user by DM, and the tab then shows where the order stands.
    """
    user = user_id(body)
    order: OrderView | None = None
    try:
        if value.order is None:
            raise PlanningError(_("That button names no order."))
        order = orders.order(value.order)
        users.require_owner(user, order.owner, order.ref, verb)
        act(order.id, actor=user, version=value.ver)
    except PlanningError as error:
        refuse(context, None, views.error_text(error), client=client, user=user)
    # A manager acting on someone's hold changes the owner's tab too.
    owner = order.owner if order is not None else None
    refresh(client, [user, owner], orders=orders, requests=requests, users=users)


def ask_ops_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Ask operations, in their channel, whether they can make what the customer wants."""
    ack()
    value = ButtonValue.decode(action["value"])
    user = user_id(body)
    if _stale_quote(context, respond, value, orders, user):
        return
    assert value.sku is not None and value.qty is not None and value.wanted is not None

    def draw(request: RequestView, quote: Quote) -> dict[str, Any]:
        return operations_views.capacity_request_message(
            quote,
            request_id=request.id,
            customer=request.customer,
            requester=user,
            least_qty=value.least,
            latest=value.latest,
        )

    try:
        # The question goes to operations through the outbox, committed with the request:
        # posted at once, and by another replica if this one dies right now.
        request, _ = requests.ask(
            value.sku,
            value.qty,
            value.wanted,
            customer=value.customer,
            requester=user,
            least_qty=value.least,
            latest_on=value.latest,
            draw=draw,
        )
    except PlanningError as error:
        refuse(context, respond, views.error_text(error))
        return
    where = request.channel_id or requests.settings.ops_channel
    assert where is not None  # requests.ask refuses without one
    asked = views.asked_message(
        where, request.question, request.id, request.order_ref, posted=bool(request.message_ts)
    )
    respond(replace_original=True, **asked)
    # The question waits in the salesperson's tab and in operations' open requests.
    refresh(client, [user], operations=True, orders=orders, requests=requests, users=users)


# --- pieces -------------------------------------------------------------------------------------


def _book(
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    orders: OrderService,
    *,
    confirm: bool,
) -> None:
    value = ButtonValue.decode(action["value"])
    user = user_id(body)
    if _stale_quote(context, respond, value, orders, user):
        return
    assert value.sku is not None and value.qty is not None and value.on is not None
    try:
        if value.split:
            held = _hold_split(orders, value, user)
        else:
            held = [
                orders.hold(
                    value.sku,
                    value.qty,
                    value.on,
                    customer=value.customer or "",
                    owner=user,
                    least_qty=value.least,
                    latest_on=value.latest,
                    confirm=confirm,
                    actor=user,
                    requested_on=value.wanted,
                )
            ]
    except NotPromisable as error:
        refuse(context, respond, error, message=_refused_with_quote(error, value, user))
        return
    except PlanningError as error:
        if not value.customer and isinstance(error, CustomerMissing):
            error = PlanningError(
                # TRANSLATORS: keep the command; translate only the word CUSTOMER in it.
                _(
                    "Name the customer to hold an order: `/promise {qty} {sku} for CUSTOMER`.",
                    qty=value.qty,
                    sku=value.sku,
                )
            )
        refuse(context, respond, views.error_text(error))
        return
    messages = [_status(order, orders, by=user) for order in held]
    respond(replace_original=True, **views.orders_message(messages))


def _hold_split(orders: OrderService, value: ButtonValue, user: str) -> list[OrderView]:
    """Hold each lot of a split; if a later lot no longer fits, give back the earlier ones."""
    assert value.split is not None and value.sku is not None
    held: list[OrderView] = []
    try:
        for lot in value.split:
            held.append(
                orders.hold(
                    value.sku,
                    lot.qty,
                    lot.on,
                    customer=value.customer or "",
                    owner=user,
                    least_qty=value.least,
                    latest_on=value.latest,
                    actor=user,
                    requested_on=value.wanted,
                )
            )
    except PlanningError:
        for order in held:
            orders.cancel(order.id, actor=user)
        raise
    return held


def _stale_quote(
    context: BoltContext,
    respond: Respond,
    value: ButtonValue,
    orders: OrderService,
    user: str,
) -> bool:
    """A quote planned on an earlier day: answer with today's quote instead of acting on it."""
    today = orders.today()
    if value.as_of is None or value.as_of == today:
        return False
    assert value.sku is not None and value.qty is not None
    text = _(
        "This quote was planned as of {day}; the plan has moved on since. Here is today's quote; "
        "nothing was held.",
        day=i18n.day(value.as_of, today),
    )
    try:
        quote = orders.quote(value.sku, value.qty, max(value.wanted or today, today))
    except PlanningError:
        refuse(context, respond, text)
        return True
    fresh = views.quote_message(
        quote,
        customer=value.customer,
        requester=user,
        least_qty=value.least,
        latest=value.latest,
    )
    refuse(context, respond, text, message=views.prefixed(text, fresh))
    return True


def _refused_with_quote(error: NotPromisable, value: ButtonValue, user: str) -> dict[str, Any]:
    fresh = views.quote_message(
        error.quote,
        customer=value.customer,
        requester=user,
        least_qty=value.least,
        latest=value.latest,
    )
    return views.prefixed(
        _(
            "{why} Nothing was held; here is the quote as it stands now.",
            why=views.error_text(error),
        ),
        fresh,
    )


def _stale(context: BoltContext, respond: Respond, error: StaleOrder, orders: OrderService) -> None:
    """The order changed since the message was drawn: show where it stands now."""
    refuse(context, respond, error)
    current = _status(error.order, orders)
    safely(respond, replace_original=True, **current)


def _status(order: OrderView, orders: OrderService, *, by: str | None = None) -> dict[str, Any]:
    return views.order_message(order, orders.today(), by=by)
