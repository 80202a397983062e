"""Operations record shipments: the Ship button of a confirmed order opens a form (quantity, all
that is left by default; date, today by default), and the order's message shows what went.

Partial shipments are fine; the order is shipped when everything has gone. Only operations (and
admins) may record a shipment; the order's owner is told by DM.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.context.respond import Respond as ResponseUrl
from slack_sdk import WebClient

from bot.platform.blockkit import ButtonValue, loading_modal, notice_modal
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.settings import Settings
from bot.platform.slack_urls import is_slack_response_url
from bot.platform.users import UserService
from bot.promising.capacity_requests import CapacityRequestService
from bot.promising.orders import OrderService, OrderView, status_word
from capacity.model import BadQuantity, PlanningError
from handlers import shipping_views as views
from handlers.common import (
    form_errors,
    metadata,
    open_modal,
    refuse,
    release,
    safely,
    user_id,
)
from handlers.home import from_home, refresh
from handlers.orders_views import SHIP, error_text

log = logging.getLogger(__name__)

ONCE_ACTIONS: frozenset[str] = frozenset()
"""Ship only opens a form; its submission is acted on once by the app's view key."""


def register(app: App) -> None:
    app.action(SHIP)(ship_clicked)
    app.view(views.SHIP_MODAL)(ship_submitted)


def ship_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """Open the shipment form for the order (operations only).

    The form opens at once (a trigger_id lasts 3 s) and is filled in once the order is read.
    """
    ack()
    release(context)
    user = user_id(body)
    try:
        users.require(user, "operations", doing=N_("record shipments"))
        value = ButtonValue.decode(action["value"])
        if value.order is None:
            raise PlanningError(_("That button names no order."))
    except (PlanningError, ValueError) as error:
        refuse(context, respond, error, client=client, user=user)  # from Home: by DM
        return
    order_id = value.order
    data = json.dumps(
        {"order": order_id, "response_url": body.get("response_url"), "home": from_home(body)}
    )

    def fill() -> dict[str, Any]:
        try:
            order = orders.order(order_id)
        except PlanningError as error:
            return notice_modal(_("Record a shipment"), str(error))
        if order.status not in ("held", "confirmed", "at_risk"):
            return notice_modal(
                _("Record a shipment"),
                # TRANSLATORS: {status} is the order's status (cancelled, shipped…).
                _(
                    "Order {ref} is {status}; there is nothing to ship.",
                    ref=order.ref,
                    status=status_word(order.status),
                ),
            )
        return views.ship_modal(order, orders.today(), data)

    open_modal(client, body["trigger_id"], loading_modal(_("Record a shipment")), fill)


def ship_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
    settings: Settings,
) -> None:
    """Record the shipment; the order's message (or the Home tab it was shipped from) shows it
    and its owner is told."""
    user = user_id(body)
    data = metadata(view)
    values = view["state"]["values"]
    qty_text = (values.get(views.SHIP_QTY_BLOCK) or {}).get(views.SHIP_QTY_ACTION) or {}
    on_text = (values.get(views.SHIP_ON_BLOCK) or {}).get(views.SHIP_ON_ACTION) or {}
    errors: dict[str, str] = {}
    try:
        qty = int(str(qty_text.get("value")))
    except ValueError:
        errors[views.SHIP_QTY_BLOCK] = _("A whole number of at least 1.")
    on = date.fromisoformat(on_text["selected_date"]) if on_text.get("selected_date") else None
    if on is None:
        errors[views.SHIP_ON_BLOCK] = _("Pick the day it shipped.")
    elif on > orders.today():
        errors[views.SHIP_ON_BLOCK] = _("Record a shipment once it has gone, not before.")
    if errors:
        form_errors(context, ack, errors)
        return
    try:
        users.require(user, "operations", doing=N_("record shipments"))
        order = orders.ship(
            int(data["order"]),
            on=on,
            qty=qty,
            actor=user,
            tell=_telling_owner(user, qty, on, orders.today()),
        )
    except BadQuantity as error:
        form_errors(context, ack, {views.SHIP_QTY_BLOCK: error_text(error)})
        return
    except (PlanningError, KeyError, ValueError) as error:
        form_errors(context, ack, {views.SHIP_QTY_BLOCK: error_text(error)})
        return
    ack()
    assert on is not None
    today = orders.today()
    message = views.shipped_message(order, today, user)
    if data.get("response_url") and is_slack_response_url(data["response_url"], settings):
        # The order's message may be ephemeral (a quote's answer): only its response_url can
        # change it.
        safely(ResponseUrl(response_url=data["response_url"]), replace_original=True, **message)
    elif data.get("response_url"):
        log.warning("not posting the shipment to a response_url that is not Slack's")
    # What is left to ship changed for operations (and for whoever shipped it from their tab),
    # and the order left its owner's confirmed orders.
    people = [user if data.get("home") else None, order.owner]
    refresh(client, people, operations=True, orders=orders, requests=requests, users=users)


def _telling_owner(
    user: str, qty: int, on: date | None, today: date
) -> Callable[[OrderView], list[dict[str, Any]]]:
    """The owner's DM about a shipment someone else recorded, for the outbox (sent once)."""

    def tell(order: OrderView) -> list[dict[str, Any]]:
        if not order.owner or order.owner == user or on is None:
            return []
        notice = views.shipment_notice(order, qty, on, user, today)
        return [{"method": "chat_postMessage", "args": {"channel": order.owner, **notice}}]

    return tell
