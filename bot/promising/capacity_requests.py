"""Capacity requests: sales ask operations about an order the plan cannot promise as wanted.

A request is a question ("Can you make 40 BRKT for Acme by Wed 25 Nov?") about an order that is
only quoted (status `quoted`, nothing reserved). Operations answer it once: approve with the rush
reserve, approve with overtime (stored as calendar exceptions), offer another quantity or date,
or decline with a reason. An accepted answer quotes again and holds the order for the
salesperson; the held order then takes the quoted order's place on the request.

Answering takes the request first (`open` → answered, one UPDATE), so two people answering at
once cannot both hold; when the hold is then refused, the request is given back as it was.

Every message about a request goes through the outbox in the transaction that decides it: the
question to operations (its channel and ts are stored when Slack has it, by `remember_posted`),
the answer (the request updated in place, a reply in its thread, the salesperson's DM) and the
nudge. Each is then sent at once when the service has an outbox worker, and by any replica's
worker otherwise, so a process that dies just after a click loses nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.platform import blockkit as kit
from bot.platform import i18n, languages
from bot.platform.blockkit import SECTION_TEXT, clip, escape, mention
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import (
    AuditLogRow,
    CalendarExceptionRow,
    CapacityRequestRow,
    OrderRow,
    OutboxRow,
    WorkCenterRow,
)
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.outbox import OutboxWorker, enqueue
from bot.platform.settings import Settings
from bot.platform.users import UserService
from bot.promising.constraints import constraint_text
from bot.promising.orders import (
    NotMoved,
    OrderService,
    OrderView,
    StaleOrder,
    find_or_add_customer,
    next_order_ref,
    record_factory_change,
)
from capacity.engine import Engine
from capacity.model import NotPromisable, PlanningError, Quote, WorkCenter

log = logging.getLogger(__name__)


NUDGE_AFTER_WORKING_HOURS = 4.0
WORKDAY_START, WORKDAY_END = time(9), time(17)


class RequestNotFound(PlanningError):
    def __init__(self, request_id: int | str) -> None:
        super().__init__(_("There is no capacity request #{id}.", id=request_id))


class AlreadyAnswered(PlanningError):
    """Someone answered the request already; carries it as it now stands."""

    def __init__(self, request: RequestView) -> None:
        # TRANSLATORS: {status} is the request's state: approved, countered, declined.
        status = (
            i18n.gettext(_STATUSES[request.status])
            if request.status in _STATUSES
            else request.status
        )
        if request.answered_by:
            text = _(
                "Request #{id} was already answered by {who}: it is {status}. Nothing was changed.",
                id=request.id,
                who=mention(request.answered_by),
                status=status,
            )
        else:
            text = _(
                "Request #{id} was already answered: it is {status}. Nothing was changed.",
                id=request.id,
                status=status,
            )
        super().__init__(text)
        self.request = request


_STATUSES = {
    "open": N_("open"),
    "approved": N_("approved"),
    "countered": N_("countered"),
    "declined": N_("declined"),
}


def _no_channel() -> str:
    return _("No operations channel is set (PROMISEBOT_OPS_CHANNEL), so there is nobody to ask.")


class BadOvertime(PlanningError):
    """An overtime line that cannot be stored; the message names the line."""


@dataclass(frozen=True)
class Overtime:
    """Extra capacity hours for one work center on one day."""

    work_center: str
    on: date
    hours: float


Slot = tuple[date, float]
"""(day, the most overtime hours that day), in the order overtime is handed out."""


@dataclass(frozen=True)
class OvertimeSuggestion:
    """What the overtime form suggests: lines that make the order fit, or why none can."""

    lines: tuple[Overtime, ...]
    why_not: str | None


def _made_of(engine: Engine, sku: str, qty: int) -> tuple[list[str], dict[str, float]]:
    """The work centers making `qty` of `sku` passes through (its own first, then its
    components' in bill-of-materials order), and how much of each bought part it takes (on hand
    stock of the parts in between not counted)."""
    factory = engine.factory
    bought = {item.sku for item in factory.items if item.kind == "buy"}
    path: list[str] = []
    needs: dict[str, float] = {}
    todo: list[tuple[str, float]] = [(sku, float(qty))]
    while todo:
        part, n = todo.pop(0)
        if part in bought:
            needs[part] = needs.get(part, 0.0) + n
            continue
        ops = sorted((op for op in factory.routings if op.sku == part), key=lambda op: op.seq)
        path += [op.work_center for op in ops if op.work_center not in path]
        todo += [
            (line.component_sku, n * line.qty_per)
            for line in factory.bom
            if line.parent_sku == part
        ]
    return path, needs


def _earliest_first(slots: Sequence[Slot]) -> list[Slot]:
    """The same slots, each day filled up (its usual half day, then the rest) before the next."""
    return [slot for _, slot in sorted(enumerate(slots), key=lambda item: (item[1][0], item[0]))]


def _and(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    # TRANSLATORS: a list of work centers: {names} is "CNC, WELD", {last} "PAINT".
    return _("{names} and {last}", names=", ".join(names[:-1]), last=names[-1])


def _most(slots: Sequence[Slot]) -> dict[date, float]:
    """Every hour of `slots`, by day."""
    total: dict[date, float] = {}
    for on, hours in slots:
        total[on] = total.get(on, 0.0) + hours
    return total


@dataclass(frozen=True)
class RequestView:
    id: int
    order_id: int
    order_ref: str
    sku: str
    qty: int
    customer: str
    wanted: date
    least_qty: int | None
    latest_on: date | None
    requested_by: str
    status: str
    stored_question: str
    """The question as posted to operations, in their channel's language then."""
    bottleneck: str | None
    """What held the order back, as the asker read it when asking."""
    channel_id: str | None
    message_ts: str | None
    answered_by: str | None
    answer_kind: str | None
    answer_note: str | None
    counter_qty: int | None
    counter_on: date | None
    created_at: datetime
    nudged_at: datetime | None
    facts: Mapping[str, Any] | None = None
    """What the question asks (`question_facts`), to write it in each reader's language."""

    @property
    def question(self) -> str:
        """ "Can you make 40 BRKT for Acme by Wed 25 Nov?", in the active language (a request
        asked before its facts were kept reads as it was posted)."""
        text = question_text(self.facts) if self.facts else None
        return self.stored_question if text is None else text


def question_facts(
    quote: Quote, qty: int, customer: str, wanted: date, today: date, **moved: Any
) -> dict[str, Any]:
    """What a question to operations asks, as JSON (`question_text` writes it): `moved_to` and
    `ref` for a question about a moved order."""
    facts: dict[str, Any] = {
        "qty": qty,
        "sku": quote.sku,
        "customer": customer,
        "day": wanted.isoformat(),
        "as_of": today.isoformat(),
    }
    if moved:
        facts["moved_to"] = moved["moved_to"].isoformat()
        facts["ref"] = moved["ref"]
    return facts


def question_text(facts: Mapping[str, Any]) -> str | None:
    """The question `question_facts` describe, in the active language."""
    try:
        today = date.fromisoformat(str(facts["as_of"]))
        fields = {
            "qty": facts["qty"],
            "sku": facts["sku"],
            "customer": facts["customer"],
            "day": kit.day(date.fromisoformat(str(facts["day"])), today),
        }
        if "moved_to" not in facts:
            return _("Can you make {qty} {sku} for {customer} by {day}?", **fields)
        return _(
            "Can you make {qty} {sku} for {customer} by {day}? It was promised for then; "
            "a change in the factory moved it to {moved_to} (order {ref}).",
            moved_to=kit.day(date.fromisoformat(str(facts["moved_to"])), today),
            ref=facts["ref"],
            **fields,
        )
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Answer:
    """What an answer did: the request as it now stands and the order held for sales (if any)."""

    request: RequestView
    order: OrderView | None


@dataclass(frozen=True)
class Readers:
    """The languages an answer is read in: the channel the request was posted in, and the
    salesperson who asked (their DM)."""

    channel: str
    requester: str


Tell = Callable[[Answer, Readers], Sequence[Mapping[str, Any]]]
"""What to send about an answer: outbox payloads (`{"method": ..., "args": ...}`), drawn by the
Slack handlers in the transaction that settles the answer, each in its reader's language."""

DrawQuestion = Callable[[RequestView, Quote], Mapping[str, Any]]
"""chat.postMessage arguments (without the channel) of the question to operations."""


class CapacityRequestService:
    """Ask operations, and their answers."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        orders: OrderService,
        users: UserService,
        *,
        clock: Now | None = None,
        nudge_after_hours: float = NUDGE_AFTER_WORKING_HOURS,
        outbox: OutboxWorker | None = None,
    ) -> None:
        self.settings = settings
        self.orders = orders
        self.users = users
        self.clock: Now = clock or Clock.from_settings(settings)
        self.sessions = with_clock(session_factory, self.clock)
        self.nudge_after_hours = nudge_after_hours
        self.outbox = outbox
        """Sends what a change put in the outbox at once (None: the background worker will)."""

    # ------------------------------------------------------------------ asking

    def ask(
        self,
        sku: str,
        qty: int,
        wanted: date,
        *,
        customer: str | None,
        requester: str,
        least_qty: int | None = None,
        latest_on: date | None = None,
        draw: DrawQuestion | None = None,
    ) -> tuple[RequestView, Quote]:
        """Record a question to operations about `qty` of `sku` wanted on `wanted`, and post it
        in the operations channel through the outbox (drawn by `draw`, else as plain text).

        Refused when the plan can already promise it (hold it instead), or when no operations
        channel is set to ask in, or when Slack refuses the question for good (e.g. the channel
        is gone): then nothing was asked and nothing is kept. The view's `message_ts` is None
        while Slack has not taken it yet (it is retried, and stored once delivered).
        """
        if not self.settings.ops_channel:
            raise PlanningError(_no_channel())
        if not customer or not customer.strip():
            raise PlanningError(
                _("Name the customer before asking operations: `/promise 40 BRKT for Acme`.")
            )
        today = self.orders.today()
        if wanted < today:
            raise PlanningError(
                _("{day} is in the past; quote again for a later day.", day=kit.day(wanted, today))
            )
        quote = self.orders.quote(sku, qty, wanted)
        if quote.earliest is not None and quote.earliest <= max(wanted, quote.as_of):
            raise PlanningError(
                _(
                    "The plan can already make all {qty} {sku} by {day}: hold it instead of "
                    "asking.",
                    qty=qty,
                    sku=quote.sku,
                    day=kit.day(max(wanted, quote.as_of), today),
                )
            )
        now = self.clock()
        with write_transaction(self.sessions) as session:
            # Kept with the request and posted to operations: in their channel's language.
            with i18n.using(self._ops_language(session)):
                question = _(
                    "Can you make {qty} {sku} for {customer} by {day}?",
                    qty=qty,
                    sku=quote.sku,
                    customer=customer.strip(),
                    day=kit.day(max(wanted, quote.as_of), today),
                )
                summary = plan_summary(quote)
            customer_row = find_or_add_customer(session, customer.strip())
            order = OrderRow(
                ref=next_order_ref(session),
                customer_id=customer_row.id,
                owner_slack_id=requester,
                sku=quote.sku,
                qty=qty,
                requested_on=wanted,
                promised_on=None,
                status="quoted",
                least_qty=least_qty,
                latest_on=latest_on,
                created_at=now,
                updated_at=now,
                version=1,
            )
            order.customer = customer_row
            session.add(order)
            session.flush()
            row = CapacityRequestRow(
                order_id=order.id,
                requested_by=requester,
                status="open",
                question=question,
                question_facts=question_facts(
                    quote, qty, customer.strip(), max(wanted, quote.as_of), today
                ),
                engine_view=summary,
                bottleneck=constraint_text(quote.constraint, quote.as_of) or None,
                created_at=now,
            )
            row.order = order
            session.add(row)
            session.flush()
            _audit(session, requester, "ask", row, {"order": order.ref, "qty": qty})
            _audit_order(session, requester, "quote", order)
            view = _view(row)
            outbox_id = self._queue_question(session, row, view, quote, question, draw)
        self._post_question(view, outbox_id)
        return self.request(view.id), quote

    def ask_about_move(
        self,
        order_id: int | str,
        *,
        requester: str,
        version: int | None = None,
        draw: DrawQuestion | None = None,
    ) -> tuple[RequestView, Quote]:
        """Ask operations whether a moved order can still ship on its promised date. The
        request is about the order itself: an answer (rush reserve, overtime, a counter-offer)
        places it again on that day, a decline leaves it moved. Posted like `ask`: through the
        outbox, committed with the request, sent at once."""
        if not self.settings.ops_channel:
            raise PlanningError(_no_channel())
        order = self.orders.order(order_id)
        if version is not None and version != order.version:
            raise StaleOrder(order)
        self.users.require_owner(requester, order.owner, order.ref, "ask operations about")
        if order.moved_from is None or order.moved_to is None:
            raise NotMoved(order)
        today = self.orders.today()
        wanted = max(order.moved_from, today)
        quote = self.orders.move_quote(order.id)
        moved_to = order.moved_to
        now = self.clock()
        with write_transaction(self.sessions) as session:
            # Kept with the request and posted to operations: in their channel's language.
            with i18n.using(self._ops_language(session)):
                question = _(
                    "Can you make {qty} {sku} for {customer} by {day}? It was promised for then; "
                    "a change in the factory moved it to {moved_to} (order {ref}).",
                    qty=order.qty,
                    sku=order.sku,
                    customer=order.customer,
                    day=kit.day(wanted, today),
                    moved_to=kit.day(moved_to, today),
                    ref=order.ref,
                )
                summary = plan_summary(quote)
            row = CapacityRequestRow(
                order_id=order.id,
                requested_by=requester,
                status="open",
                question=question,
                question_facts=question_facts(
                    quote,
                    order.qty,
                    order.customer,
                    wanted,
                    today,
                    moved_to=moved_to,
                    ref=order.ref,
                ),
                engine_view=summary,
                bottleneck=constraint_text(quote.constraint, quote.as_of) or None,
                created_at=now,
            )
            asked = session.get(OrderRow, order.id)
            assert asked is not None
            row.order = asked
            session.add(row)
            session.flush()
            _audit(session, requester, "ask_about_move", row, {"order": order.ref})
            view = _view(row)
            outbox_id = self._queue_question(session, row, view, quote, question, draw)
        self._post_question(view, outbox_id)
        return self.request(view.id), quote

    def _queue_question(
        self,
        session: Session,
        row: CapacityRequestRow,
        view: RequestView,
        quote: Quote,
        question: str,
        draw: DrawQuestion | None,
    ) -> int:
        """Put the question to operations in the outbox, in the request's transaction; the
        outbox row's id. It is drawn in the operations channel's language."""
        with i18n.using(self._ops_language(session)):
            message = dict(draw(view, quote) if draw is not None else {"text": question})
        queued = enqueue(
            session,
            "capacity_request",
            {
                "method": "chat_postMessage",
                "args": {**message, "channel": self.settings.ops_channel},
            },
            about={"request": row.id},
        )
        assert queued is not None
        return queued.id

    def _post_question(self, view: RequestView, outbox_id: int) -> None:
        """Send the queued question at once; when Slack refuses it for good, nothing was asked:
        the request is withdrawn and PlanningError says so."""
        for delivery in self._send_now([outbox_id]):
            if delivery.parked:
                self.withdraw(view.id, outbox_id=outbox_id)
                raise PlanningError(
                    _(
                        "Could not post in the operations channel ({error}); nothing was asked. "
                        "Try again in a moment.",
                        error=delivery.error,
                    )
                )

    def _ops_language(self, session: Session) -> str:
        """The language of the operations channel, where questions are posted."""
        return languages.of_channel(session, self.settings, self.settings.ops_channel)

    def withdraw(self, request_id: int, *, outbox_id: int | None = None) -> None:
        """Undo `ask` when the question could not be posted: nobody saw it."""
        with write_transaction(self.sessions) as session:
            if outbox_id is not None:
                session.execute(sa.delete(OutboxRow).where(OutboxRow.id == outbox_id))
            row = self._find(session, request_id)
            order = row.order
            # A question about a moved order keeps its order and the order's history; a new
            # question's order was made for it and goes with it.
            drop_order = order.status == "quoted"
            audited = sa.and_(AuditLogRow.entity == "request", AuditLogRow.entity_id == str(row.id))
            if drop_order:
                audited = sa.or_(
                    audited,
                    sa.and_(AuditLogRow.entity == "order", AuditLogRow.entity_id == order.ref),
                )
            session.execute(sa.delete(AuditLogRow).where(audited))
            session.delete(row)
            session.flush()
            if drop_order:
                session.delete(order)

    # ------------------------------------------------------------------ reading

    def request(self, request_id: int | str) -> RequestView:
        with self.sessions() as session:
            return _view(self._find(session, request_id))

    def quote_for(self, request: RequestView, *, rush: bool = False) -> Quote:
        """The plan's answer for the request as things stand now."""
        return self.orders.quote(request.sku, request.qty, request.wanted, rush=rush)

    def suggest_overtime(self, request: RequestView) -> OvertimeSuggestion:
        """The least overtime that makes the order fit on the wanted day, or why none can.

        It starts on the bottleneck the quote names. When even the most overtime there is not
        enough, the next work center holding the order back gets overtime too (welding makes
        the frames in time, then painting and assembly must follow), until it fits; then each
        is given back the hours the others make unnecessary. On each work center the hours go
        on its workdays from today to the wanted day in half hours: up to half a usual day more
        on each day, then (if that is not enough) up to a full 24 h, latest day first (the last
        operation's hours are best just in time); or each day in full from today on, when that
        needs fewer hours (a component must be ready before its parent's operations start).
        When even
        the most overtime on every work center the order passes through cannot make it (a
        purchase lead time, stock), `why_not` says so, with what can be made instead.
        """
        sku, qty, wanted = request.sku, request.qty, request.wanted
        quote = self.quote_for(request)
        if quote.earliest is not None and quote.earliest <= wanted:
            return OvertimeSuggestion((), None)
        engine = self.orders.engine()
        centers = {wc.code: wc for wc in engine.factory.work_centers}
        path, needs = _made_of(engine, quote.sku, qty)
        slots = {code: self._overtime_slots(engine, centers[code], wanted) for code in path}

        def least(code: str, extra: dict[tuple[str, date], float]) -> dict[date, float] | None:
            found = [
                self.orders.overtime_needed(sku, qty, wanted, code, order, given=extra)
                for order in (slots[code], _earliest_first(slots[code]))
            ]
            fits = [days for days in found if days is not None]
            return min(fits, key=lambda days: sum(days.values())) if fits else None

        most = {(code, on): h for code in path for on, h in _most(slots[code]).items()}
        best = self.orders.quote(sku, qty, wanted, overtime=most)
        if best.on_requested < qty:
            return OvertimeSuggestion((), self._no_overtime(request, quote, best, path, needs))

        granted: dict[str, dict[date, float]] = {}

        def given(*leaving_out: str) -> dict[tuple[str, date], float]:
            return {
                (code, on): hours
                for code, days in granted.items()
                if code not in leaving_out
                for on, hours in days.items()
            }

        while quote.earliest is None or quote.earliest > wanted:
            named = quote.constraint.code if quote.constraint.kind == "capacity" else None
            left = [code for code in path if code not in granted]
            code = named if named in left else left[0] if left else None
            if code is None:  # cannot happen: with all of them at their most, it fits
                return OvertimeSuggestion((), self._no_overtime(request, quote, best, path, needs))
            found = least(code, given())
            granted[code] = found if found is not None else _most(slots[code])
            if found is not None:
                break
            quote = self.orders.quote(sku, qty, wanted, overtime=given())
        for code in list(granted)[:-1]:  # the earlier ones may need less now
            less = least(code, given(code))
            if less is not None:
                granted[code] = less
        lines = tuple(
            Overtime(code, on, hours)
            for code, days in granted.items()
            for on, hours in sorted(days.items())
            if hours > 0
        )
        return OvertimeSuggestion(lines, None)

    def _overtime_slots(self, engine: Engine, center: WorkCenter, wanted: date) -> list[Slot]:
        """Where overtime may go on `center`, in the order it is handed out (see
        suggest_overtime); nothing when all its capacity is the rush reserve."""
        keep = 1.0 - center.rush_reserve_pct / 100.0
        if keep <= 0:
            return []
        today = self.orders.today()
        days = [
            today + timedelta(days=n)
            for n in range((wanted - today).days, -1, -1)
            if engine.capacity(center.code, today + timedelta(days=n)) > 0
        ]
        usual = max(0.5, center.standard_hours / 2)
        slots: list[Slot] = [(day, usual) for day in days]
        for day in days:
            most = min(24.0, (24.0 * center.machines - engine.capacity(center.code, day)) * keep)
            if most > usual:
                slots.append((day, most - usual))
        return slots

    def _no_overtime(
        self,
        request: RequestView,
        quote: Quote,
        best: Quote,
        path: Sequence[str],
        needs: dict[str, float],
    ) -> str:
        """Why no overtime helps: what holds the order back on the wanted day, and what the plan
        can do instead (for a counter-offer)."""
        today = self.orders.today()
        wanted = kit.day(request.wanted, today)
        short = [
            constraint_text(part.constraint, part.as_of)
            for part in (
                self.orders.quote(component, math.ceil(need - 1e-9), request.wanted)
                for component, need in sorted(needs.items())
            )
            if part.on_requested < part.qty and part.constraint.text
        ]
        # TRANSLATORS: {why} is empty or " (what holds it back; …)", right after "by then".
        fields = {
            "qty": request.qty,
            "sku": request.sku,
            "wanted": wanted,
            "why": f" ({'; '.join(short)})" if short else "",
            "made": best.on_requested,
            "centers": _and(path) if path else "",
        }
        if path and best.on_requested:
            first = _(
                "No overtime can make all {qty} {sku} by {wanted}: even with the most overtime "
                "on {centers}, {made} of {qty} can be ready by then{why}.",
                **fields,
            )
        elif path:
            first = _(
                "No overtime can make all {qty} {sku} by {wanted}: even with the most overtime "
                "on {centers}, none can be ready by then{why}.",
                **fields,
            )
        elif best.on_requested:
            first = _(
                "No overtime can make all {qty} {sku} by {wanted}: {made} of {qty} can be ready "
                "by then{why}.",
                **fields,
            )
        else:
            first = _(
                "No overtime can make all {qty} {sku} by {wanted}: none can be ready by then{why}.",
                **fields,
            )
        more = {"qty": request.qty, "part": quote.on_requested, "wanted": wanted}
        if quote.earliest is not None and quote.on_requested:
            then = _(
                "The plan can make all {qty} by {day}, or {part} by {wanted} without overtime: "
                "offer that with Counter-offer…",
                day=kit.day(quote.earliest, today),
                **more,
            )
        elif quote.earliest is not None:
            then = _(
                "The plan can make all {qty} by {day}: offer that with Counter-offer…",
                day=kit.day(quote.earliest, today),
                **more,
            )
        elif quote.on_requested:
            then = _(
                "The plan cannot make all {qty} within 365 days, or {part} by {wanted} without "
                "overtime: offer that with Counter-offer…",
                **more,
            )
        else:
            then = _(
                "The plan cannot make all {qty} within 365 days: offer that with Counter-offer…",
                **more,
            )
        return f"{first} {then}"

    def open_requests(self, *, requested_by: str | None = None) -> list[RequestView]:
        with self.sessions() as session:
            query = (
                sa.select(CapacityRequestRow)
                .where(CapacityRequestRow.status == "open")
                .order_by(CapacityRequestRow.created_at, CapacityRequestRow.id)
            )
            if requested_by is not None:
                query = query.where(CapacityRequestRow.requested_by == requested_by)
            return [_view(row) for row in session.scalars(query)]

    # ------------------------------------------------------------------ answers

    def approve_rush(
        self, request_id: int | str, *, actor: str, tell: Tell | None = None
    ) -> Answer:
        """Operations release the rush reserve: hold all of it on the earliest rush day.

        `tell` draws what to send about the answer (as for every answer below); it is put in the
        outbox in the transaction that settles the answer, and sent at once."""
        self.users.require(actor, "operations")
        request = self._take(request_id, actor, status="approved", kind="rush")
        try:
            quote = self.orders.quote(request.sku, request.qty, request.wanted, rush=True)
            if quote.earliest is None:
                raise NotPromisable(
                    quote,
                    _(
                        "Even with the rush reserve all {qty} {sku} cannot be promised within "
                        "365 days.",
                        qty=request.qty,
                        sku=request.sku,
                    ),
                )
            order = self._hold(request, quote.earliest, actor=actor, rush=True)
        except BaseException:
            self._give_back(request.id)
            raise
        return self._settle(request.id, order, actor, {"on": quote.earliest}, tell)

    def approve_overtime(
        self,
        request_id: int | str,
        *,
        actor: str,
        overtime: Sequence[Overtime],
        tell: Tell | None = None,
    ) -> Answer:
        """Operations add overtime hours; the order is quoted again with them and held.

        Refused (and the overtime taken back) when even with the hours the plan cannot make all
        of it by the latest day the customer accepts.
        """
        self.users.require(actor, "operations")
        checked = self.check_overtime(overtime)
        engine = self.orders.engine()
        today = self.orders.today()
        planned = [
            (
                line.work_center,
                line.on,
                _with_overtime(engine, line.work_center, line.on, line.hours),
            )
            for line in checked
        ]
        request = self._take(request_id, actor, status="approved", kind="overtime")
        undo = self._add_overtime(request, planned, actor)
        try:
            quote = self.orders.quote(request.sku, request.qty, request.wanted)
            latest = max(request.latest_on or request.wanted, request.wanted, quote.as_of)
            if quote.earliest is None or quote.earliest > latest:
                fields = {
                    "qty": request.qty,
                    "sku": request.sku,
                    "latest": kit.day(latest, today),
                    "why": constraint_text(quote.constraint, quote.as_of),
                }
                if quote.earliest:
                    # TRANSLATORS: {why} is what holds the order back (may be empty).
                    text = _(
                        "Even with this overtime the plan says all {qty} {sku}: {day}, later "
                        "than {latest}. {why}",
                        day=kit.day(quote.earliest, today),
                        **fields,
                    )
                else:
                    text = _(
                        "Even with this overtime the plan says all {qty} {sku}: not within 365 "
                        "days, later than {latest}. {why}",
                        **fields,
                    )
                raise NotPromisable(quote, text.strip())
            order = self._hold(request, max(quote.earliest, request.wanted), actor=actor)
        except BaseException:
            undo()
            self._give_back(request.id)
            raise
        detail = {"overtime": [[c, d.isoformat(), h] for c, d, h in planned]}
        return self._settle(request.id, order, actor, detail, tell)

    def check_overtime(self, overtime: Sequence[Overtime]) -> list[Overtime]:
        """The lines with their work centers' codes as stored; BadOvertime names a wrong one.

        Reads only the work centers' codes (no plan), so a form can answer within Slack's 3 s.
        """
        if not overtime:
            raise BadOvertime(_("Add at least one line: `WORK_CENTER DAY HOURS`."))
        with self.sessions() as session:
            stored = session.scalars(sa.select(WorkCenterRow.code)).all()
        codes = {code.upper(): code for code in stored}
        today = self.orders.today()
        checked: list[Overtime] = []
        for line in overtime:
            code = codes.get(line.work_center.strip().upper())
            if code is None:
                raise BadOvertime(
                    _(
                        "There is no work center {code}; use one of {codes}.",
                        code=repr(line.work_center),
                        codes=", ".join(sorted(codes.values())),
                    )
                )
            if line.on < today:
                raise BadOvertime(
                    _("{code} {day} is in the past.", code=code, day=kit.day(line.on, today))
                )
            if not 0 < line.hours <= 24:
                raise BadOvertime(
                    _("{code} {day}: hours must be 0–24.", code=code, day=kit.day(line.on, today))
                )
            checked.append(Overtime(code, line.on, line.hours))
        return checked

    def counter(
        self,
        request_id: int | str,
        *,
        actor: str,
        qty: int,
        on: date,
        note: str | None = None,
        tell: Tell | None = None,
    ) -> Answer:
        """Operations offer `qty` by `on` instead; the offer is held for the salesperson."""
        self.users.require(actor, "operations")
        today = self.orders.today()
        if on < today:
            raise PlanningError(_("{day} is in the past.", day=kit.day(on, today)))
        request = self._take(request_id, actor, status="countered", kind="counter", note=note)
        try:
            order = self._hold(request, on, actor=actor, qty=qty)
        except BaseException:
            self._give_back(request.id)
            raise
        with write_transaction(self.sessions) as session:
            row = self._find(session, request.id)
            row.counter_qty = qty
            row.counter_on = on
        return self._settle(request.id, order, actor, {"qty": qty, "on": on}, tell)

    def decline(
        self, request_id: int | str, *, actor: str, reason: str, tell: Tell | None = None
    ) -> Answer:
        """Operations cannot do it; the reason is required, sales owe the customer one."""
        self.users.require(actor, "operations")
        reason = (reason or "").strip()
        if len(reason) < 3:
            raise PlanningError(_("Say why the request is declined: sales tell the customer."))
        now = self.clock()
        with write_transaction(self.sessions) as session:
            row = self._find(session, request_id, for_update=True)
            if row.status != "open":
                raise AlreadyAnswered(_view(row))
            row.status = "declined"
            row.answer_kind = "decline"
            row.answered_by = actor
            row.answered_at = now
            row.answer_note = reason
            order = row.order
            if order.status == "quoted":
                order.status = "cancelled"
                order.updated_at = now
                order.version += 1
                _audit_order(session, actor, "decline", order)
            _audit(session, actor, "decline", row, {"reason": reason})
            answer = Answer(_view(row), None)
            queued = _enqueue_answer(session, self.settings, answer, tell)
        self._send_now(queued)
        return answer

    # ------------------------------------------------------------------ nudges

    def queue_nudges(self, now: datetime | None = None) -> list[RequestView]:
        """Nudge operations, in the request's thread, about each open request unanswered for
        `nudge_after_hours` working hours, once; returns the requests nudged.

        Working hours are 09:00–17:00 Monday to Friday in the factory's time zone. A request is
        marked nudged in the transaction that puts its nudge in the outbox, so a second call
        (another process, a retried job) does not nudge it again, and a run killed midway
        leaves the rest for the next one. A request whose question Slack has not taken yet has
        no thread to nudge in: it waits.
        """
        now = now or self.clock()
        due: list[RequestView] = []
        with write_transaction(self.sessions) as session:
            rows = session.scalars(
                sa.select(CapacityRequestRow)
                .where(
                    CapacityRequestRow.status == "open",
                    CapacityRequestRow.nudged_at.is_(None),
                    CapacityRequestRow.message_ts.is_not(None),
                )
                .order_by(CapacityRequestRow.id)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                waited = working_hours_between(row.created_at, now, self.settings.tzinfo)
                if waited + 1e-9 >= self.nudge_after_hours:
                    row.nudged_at = now
                    view = _view(row)
                    # Sent by a background job to the request's channel: in its language.
                    channel = view.channel_id or self.settings.ops_channel
                    with i18n.using(languages.of_channel(session, self.settings, channel)):
                        payload = nudge_payload(view)
                    enqueue(session, "request_nudge", payload)
                    due.append(view)
        return due

    # ------------------------------------------------------------------ internals

    def _find(self, session: Session, request_id: int | str, *, for_update: bool = False) -> Any:
        text = str(request_id).strip().lstrip("#")
        if not text.isdigit():
            raise RequestNotFound(request_id)
        query = sa.select(CapacityRequestRow).where(CapacityRequestRow.id == int(text))
        if for_update:
            query = query.with_for_update()
        row = session.scalar(query)
        if row is None:
            raise RequestNotFound(request_id)
        return row

    def _take(
        self, request_id: int | str, actor: str, *, status: str, kind: str, note: str | None = None
    ) -> RequestView:
        """Mark the request answered, if nobody did yet (one UPDATE … WHERE status = 'open')."""
        with write_transaction(self.sessions) as session:
            row = self._find(session, request_id)
            taken = session.execute(  # type: ignore[attr-defined]
                sa.update(CapacityRequestRow)
                .where(CapacityRequestRow.id == row.id, CapacityRequestRow.status == "open")
                .values(
                    status=status,
                    answer_kind=kind,
                    answered_by=actor,
                    answered_at=self.clock(),
                    answer_note=note,
                )
            ).rowcount
            session.refresh(row)
            view = _view(row)
        if not taken:
            raise AlreadyAnswered(view)
        return view

    def _give_back(self, request_id: int) -> None:
        with write_transaction(self.sessions) as session:
            session.execute(
                sa.update(CapacityRequestRow)
                .where(CapacityRequestRow.id == request_id)
                .values(
                    status="open",
                    answer_kind=None,
                    answered_by=None,
                    answered_at=None,
                    answer_note=None,
                )
            )

    def _hold(
        self,
        request: RequestView,
        on: date,
        *,
        actor: str,
        rush: bool = False,
        qty: int | None = None,
    ) -> OrderView:
        asked_about = self.orders.order(request.order_id)
        if asked_about.status in ("held", "confirmed"):
            # A question about a moved order: the answer places that order again.
            return self.orders.move_order_to(
                asked_about.id, on, qty=qty, rush=rush or asked_about.rush, actor=actor
            )
        return self.orders.hold(
            request.sku,
            qty or request.qty,
            on,
            customer=request.customer,
            owner=request.requested_by,
            rush=rush,
            least_qty=request.least_qty,
            latest_on=request.latest_on,
            actor=actor,
            requested_on=request.wanted,
        )

    def _send_now(self, ids: Sequence[int]) -> list[Any]:
        """Deliver the outbox rows `ids` now, when this service has a worker to do it."""
        if self.outbox is None or not ids:
            return []
        return self.outbox.deliver_now(ids)

    def _settle(
        self,
        request_id: int,
        order: OrderView,
        actor: str,
        detail: dict[str, Any],
        tell: Tell | None,
    ) -> Answer:
        """The held order takes the quoted order's place on the request; what to tell about it
        goes in the outbox in the same transaction, and then out."""
        with write_transaction(self.sessions) as session:
            row = self._find(session, request_id)
            quoted = row.order
            row.order = session.get(OrderRow, order.id)
            session.flush()
            if quoted.id != order.id and quoted.status == "quoted":
                _audit_order(session, actor, "replaced", quoted, {"by": order.ref})
                session.delete(quoted)
            _audit(session, actor, row.answer_kind or "answer", row, {"order": order.ref, **detail})
            session.flush()
            session.refresh(row)
            answer = Answer(_view(row), order)
            queued = _enqueue_answer(session, self.settings, answer, tell)
        self._send_now(queued)
        return answer

    def _add_overtime(
        self, request: RequestView, planned: Sequence[tuple[str, date, float]], actor: str
    ) -> Callable[[], None]:
        """Store the overtime as calendar exceptions; returns what takes them back exactly."""
        before: list[tuple[str, date, float | None, str | None]] = []
        with write_transaction(self.sessions) as session:
            for code, on, hours in planned:
                row = session.scalar(
                    sa.select(CalendarExceptionRow).where(
                        CalendarExceptionRow.work_center == code, CalendarExceptionRow.on == on
                    )
                )
                before.append((code, on, row.hours if row else None, row.reason if row else None))
                reason = f"overtime for request #{request.id}"
                if row is None:
                    session.add(
                        CalendarExceptionRow(work_center=code, on=on, hours=hours, reason=reason)
                    )
                else:
                    row.hours = hours
                    row.reason = reason
            change = {
                "request": request.id,
                "overtime": [[c, d.isoformat(), h] for c, d, h in planned],
            }
            record_factory_change(session, actor, change)
            session.flush()
            audit_id = session.scalar(sa.select(sa.func.max(AuditLogRow.id)))

        def undo() -> None:
            with write_transaction(self.sessions) as session:
                for code, on, hours, reason in before:
                    row = session.scalar(
                        sa.select(CalendarExceptionRow).where(
                            CalendarExceptionRow.work_center == code,
                            CalendarExceptionRow.on == on,
                        )
                    )
                    if row is None:
                        continue
                    if hours is None:
                        session.delete(row)
                    else:
                        row.hours = hours
                        row.reason = reason or ""
                session.execute(sa.delete(AuditLogRow).where(AuditLogRow.id == audit_id))
            # The factory is back as it was; its key changed again, so the engine rebuilds now
            # (before another change could reuse the deleted audit id on SQLite).
            self.orders.engine()

        return undo


def _with_overtime(engine: Engine, code: str, on: date, hours: float) -> float:
    """The day's whole capacity with `hours` more for normal orders.

    Normal orders get (1 - rush_reserve_pct/100) of a day's capacity, so the day grows by
    hours / (1 - rush_reserve_pct/100): the rush reserve is kept and the order gets all the
    overtime. Rounded up to 0.01 h, so it never gets less than asked.
    """
    center = next(wc for wc in engine.factory.work_centers if wc.code == code)
    keep = 1.0 - center.rush_reserve_pct / 100.0
    extra = hours / keep if keep > 0 else hours
    return math.ceil((engine.capacity(code, on) + extra) * 100 - 1e-6) / 100


# ---------------------------------------------------------------------- messages


def nudge_payload(request: RequestView) -> dict[str, Any]:
    """The outbox payload of a nudge: a reply in the request's thread in the operations channel."""
    return {
        "method": "chat_postMessage",
        "args": {
            "channel": request.channel_id,
            "thread_ts": request.message_ts,
            "text": nudge_message(request),
        },
    }


def remember_posted(session: Session, row: OutboxRow, response: dict[str, Any]) -> None:
    """The outbox's `on_delivered` hook of a question to operations: store where Slack has it, so
    answers update it in place and nudges reply in its thread."""
    request_id = (row.payload.get("about") or {}).get("request")
    request = session.get(CapacityRequestRow, request_id) if request_id is not None else None
    if request is None:
        return
    request.channel_id = str(response.get("channel") or request.channel_id or "") or None
    request.message_ts = str(response.get("ts") or "") or request.message_ts


DELIVERED_HOOKS = {"capacity_request": remember_posted}
"""What the outbox worker of every process must do when a request's message is delivered."""


def _enqueue_answer(
    session: Session, settings: Settings, answer: Answer, tell: Tell | None
) -> list[int]:
    request = answer.request
    readers = Readers(
        channel=languages.of_channel(session, settings, request.channel_id or settings.ops_channel),
        requester=languages.of_user(session, settings, request.requested_by),
    )
    ids = []
    for payload in tell(answer, readers) if tell is not None else ():
        row = enqueue(session, "request_answer", payload, about={"request": answer.request.id})
        if row is not None:
            ids.append(row.id)
    return ids


def nudge_message(request: RequestView) -> str:
    """The reminder (mrkdwn text) in a request's thread when nobody answered it in time."""
    question = clip(escape(request.question), SECTION_TEXT)
    return ":alarm_clock: " + _(
        "Request #{id} is waiting for an answer: {question} {who} needs it to answer the customer.",
        id=request.id,
        question=question,
        who=mention(request.requested_by),
    )


def working_hours_between(start: datetime, end: datetime, tz: Any) -> float:
    """Hours between `start` and `end` that fall in 09:00–17:00, Monday to Friday, in `tz`."""
    if end <= start:
        return 0.0
    start_local, end_local = start.astimezone(tz), end.astimezone(tz)
    total = 0.0
    day = start_local.date()
    while day <= end_local.date():
        if day.weekday() < 5:
            opens = datetime.combine(day, WORKDAY_START, tzinfo=tz)
            closes = datetime.combine(day, WORKDAY_END, tzinfo=tz)
            lo, hi = max(opens, start_local), min(closes, end_local)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


# ---------------------------------------------------------------------- helpers


def plan_summary(quote: Quote) -> str:
    """What the plan says about a quote, in one line: `all 40 on Tue 8 Dec; 25 on Wed 25 Nov;
    split 25 on Wed 25 Nov, 15 on Fri 4 Dec` (kept with the request, shown to operations)."""
    as_of = quote.as_of
    parts = []
    if quote.earliest is not None:
        parts.append(_("all {qty} on {day}", qty=quote.qty, day=kit.day(quote.earliest, as_of)))
    else:
        parts.append(_("all {qty}: not within 365 days", qty=quote.qty))
    wanted = kit.day(max(quote.requested, as_of), as_of)
    parts.append(_("{qty} on {day}", qty=quote.on_requested, day=wanted))
    if quote.split:
        lots = ", ".join(
            _("{qty} on {day}", qty=lot.qty, day=kit.day(lot.on, as_of)) for lot in quote.split
        )
        parts.append(_("split {lots}", lots=lots))
    return "; ".join(parts)


def _view(row: CapacityRequestRow) -> RequestView:
    order = row.order
    return RequestView(
        id=row.id,
        order_id=order.id,
        order_ref=order.ref,
        sku=order.sku,
        qty=order.qty,
        customer=order.customer.name,
        # A question about a moved order is about the date it was promised for.
        wanted=order.moved_from or order.requested_on,
        least_qty=order.least_qty,
        latest_on=order.latest_on,
        requested_by=row.requested_by,
        status=row.status,
        stored_question=row.question,
        bottleneck=row.bottleneck,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        answered_by=row.answered_by,
        answer_kind=row.answer_kind,
        answer_note=row.answer_note,
        counter_qty=row.counter_qty,
        counter_on=row.counter_on,
        created_at=row.created_at,
        nudged_at=row.nudged_at,
        facts=row.question_facts,
    )


def _audit(
    session: Session, actor: str, action: str, row: CapacityRequestRow, detail: dict[str, Any]
) -> None:
    session.add(
        AuditLogRow(
            actor=actor,
            action=action,
            entity="request",
            entity_id=str(row.id),
            detail={k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.items()}
            | {"status": row.status},
        )
    )


def _audit_order(
    session: Session, actor: str, action: str, order: OrderRow, detail: dict[str, Any] | None = None
) -> None:
    session.add(
        AuditLogRow(
            actor=actor,
            action=action,
            entity="order",
            entity_id=order.ref,
            detail=dict(detail or {}) | {"status": order.status},
        )
    )
