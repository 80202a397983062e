"""The App Home tab: a salesperson's quotes, holds and orders; operations' requests and load.

A tab is drawn when its user opens it, and drawn again for everyone an action changed (`refresh`):
the salesperson whose request operations answered, the operations team when a request arrives or
an order ships, the owner of an order someone else confirmed or cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.platform import i18n
from bot.platform import languages as lang
from bot.platform.users import UserService
from bot.promising.capacity_requests import CapacityRequestService
from bot.promising.orders import OrderService, OrderView
from handlers import changes_views
from handlers import home_views as views
from handlers.common import safely


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(
    event: dict[str, Any],
    client: WebClient,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(client, event["user"], orders=orders, requests=requests, users=users)


def publish_home(
    client: WebClient,
    user: str,
    *,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Draw the user's Home tab for their role, in their language (whoever's action drew it),
    with the language select at its top."""
    with users.sessions() as session:
        language, chosen = lang.reading(session, users.settings, user)
    with i18n.using(language):
        _publish_home(client, user, orders=orders, requests=requests, users=users, chosen=chosen)


def _publish_home(
    client: WebClient,
    user: str,
    *,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
    chosen: str | None,
) -> None:
    role = users.role(user)
    today = orders.today()
    mine = orders.orders(owner=user, statuses=["quoted", "held", "confirmed"])
    holds = sorted(
        (o for o in mine if o.status == "held"),
        key=lambda o: (o.expires_at is None, o.expires_at, o.id),
    )
    load = None
    to_ship = None
    open_requests: list[views.HomeRequest] = []
    if role in OPERATIONS_SIDE:
        open_requests = [
            views.HomeRequest(r.id, r.question, r.requested_by, r.created_at)
            for r in requests.open_requests()
        ]
        load = _week_load(orders, today)
        due = today + timedelta(days=7)
        to_ship = []
        for order in orders.orders(statuses=["confirmed", "at_risk"]):  # earliest first
            on = order.promised_on or order.requested_on
            if on is not None and on <= due:
                to_ship.append(_home(order))
    view = views.home_view(
        role=role,
        as_of=today,
        quotes=[_home(o) for o in mine if o.status == "quoted"],
        holds=[_home(o) for o in holds],
        confirmed=[_home(o) for o in mine if o.status == "confirmed"],
        requests=open_requests,
        load=load,
        to_ship=to_ship,
        chosen_language=chosen,
    )
    moved = orders.moved_orders(owner=None if role in ("operations", "manager", "admin") else user)
    view["blocks"] += changes_views.home_blocks(role=role, moved=moved, user=user, as_of=today)
    safely(client.views_publish, user_id=user, view=view)


OPERATIONS_SIDE = ("operations", "manager", "admin")
"""Roles whose tab shows the open capacity requests and the orders to ship."""


def refresh(
    client: WebClient,
    people: Iterable[str | None],
    *,
    operations: bool = False,
    orders: OrderService,
    requests: CapacityRequestService,
    users: UserService,
) -> None:
    """Draw the tab again for each of `people` (and, with `operations`, for everyone whose tab
    shows operations' side), once each, each in its reader's language."""
    drawn: set[str] = set()
    everyone = list(people)
    if operations:
        everyone += [user for user, role in users.roles() if role in OPERATIONS_SIDE]
    for user in everyone:
        if user and user not in drawn:
            drawn.add(user)
            publish_home(client, user, orders=orders, requests=requests, users=users)


def _home(order: OrderView) -> views.HomeOrder:
    return views.HomeOrder(
        ref=order.ref,
        qty=order.qty,
        sku=order.sku,
        customer=order.customer,
        status=order.status,
        on=order.promised_on or order.requested_on,
        expires_at=order.expires_at,
        order_id=order.id,
        version=order.version,
        shipped=order.shipped_qty,
    )


def from_home(body: dict[str, Any]) -> bool:
    """Whether a click came from the Home tab (it then has no message to update)."""
    view = body.get("view") or {}
    return view.get("type") == "home"


def _week_load(orders: OrderService, today: Any) -> list[views.HomeLoad]:
    """Reserved and capacity hours per work center over the seven days from today."""
    end = (today + timedelta(days=6)).isoformat()
    totals: dict[str, list[float]] = {}
    for row in orders.plan(today)["load"]:
        if row["date"] <= end:
            entry = totals.setdefault(row["work_center"], [0.0, 0.0])
            entry[0] += row["reserved"]
            entry[1] += row["capacity"]
    return [views.HomeLoad(code, r, c) for code, (r, c) in sorted(totals.items())]
