"""The sandbox's pretend workspace and its past: three people, three channels, a week of history.

`prepare(settings, clock)` makes a database ready for `promisebot demo`: migrated, holding the demo
factory booked as of the planning date, and a week of history written through the real services
(orders promised last week and shipped on time or late, capacity requests answered, leads, a
summit), so that the digest and the Home tab have something to say on the first run. The week
also fills this week's paint line with bracket orders, so that "/promise 40 BRKT for Acme by
Friday" needs operations' help, as the guided first steps expect.

`post_history(slack, ...)` puts the same week into the fake Slack's channels (it keeps nothing on
disk), so the page opens on a workspace that was already in use.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date
from sqlalchemy.orm import Session, sessionmaker

from bot.demo import demo_day, demo_factory, workdays_after
from bot.platform import i18n
from bot.platform.clock import Clock
from bot.platform.db.session import (
    make_engine,
    make_session_factory,
    upgrade,
    with_clock,
    write_transaction,
)
from bot.platform.db.tables import AuditLogRow, CapacityRequestRow
from bot.platform.settings import Settings
from bot.promising.orders import (
    ImportedOrder,
    ImportedShipment,
    OrderService,
    record_factory_change,
)
from bot.sandbox.fake_slack import FakeSlack
from capacity.model import CalendarException
from handlers import operations_views
from handlers.parsing import PromiseSyntaxError, format_day, parse_day

log = logging.getLogger(__name__)

SAM, PAT, MORGAN = "U0SAM", "U0PAT", "U0MORGAN"
SALES, OPERATIONS, MANAGEMENT = "C0SALES", "C0OPS", "C0MGMT"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    real_name: str
    title: str
    role: str
    """The promisebot role: sales, operations or admin (the manager is the admin)."""


PEOPLE: tuple[Person, ...] = (
    Person(SAM, "sam", "Sam Rivera", "Sales", "sales"),
    Person(PAT, "pat", "Pat Okafor", "Planner, operations", "operations"),
    Person(MORGAN, "morgan", "Morgan Lee", "Plant manager", "admin"),
)
CHANNELS: dict[str, str] = {SALES: "sales", OPERATIONS: "operations", MANAGEMENT: "management"}

_SEED_ENTITY = "sandbox"


class NotTheDemoFactory(Exception):
    """The database holds something other than the demo (or the demo of another day); the demo
    leaves it exactly as it was."""


class ForeignDatabase(NotTheDemoFactory):
    """The database holds data the demo did not write: real orders, another factory, anything."""


class SettableClock:
    """A clock the seed moves to each moment of the past week before acting."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def demo_today(settings: Settings) -> date:
    """The day the demo plans as of: today by the settings' clock (the factory-local date, or
    PROMISEBOT_AS_OF), or the next Monday when that is a weekend (`bot.demo.demo_day`)."""
    return demo_day(Clock.from_settings(settings).today())


def sandbox_settings(settings: Settings, *, as_of: date, slack_api_url: str | None) -> Settings:
    """`settings` made local: dummy credentials, the fake Web API, the sandbox channels and cast.

    The demo plant keeps its own holidays (those in `bot/demo/calendar.csv`), so that its story
    does not depend on PROMISEBOT_HOLIDAYS.
    """
    return dataclasses.replace(
        settings,
        slack_bot_token="xoxb-sandbox-local",
        slack_signing_secret="sandbox-local-signing-secret",
        slack_app_token=None,
        slack_api_url=slack_api_url,
        as_of=as_of,
        holidays_country=None,
        ops_channel=OPERATIONS,
        digest_channel=MANAGEMENT,
        admins=(MORGAN,),
    )


def moment(settings: Settings, day: date, hour: int, minute: int = 0) -> datetime:
    """Factory-local `hour:minute` on `day`, in UTC."""
    local = datetime.combine(day, time(hour, minute), tzinfo=settings.tzinfo)
    return local.astimezone(UTC)


# --- the story of the first steps ---------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """The days the guided first steps are about, counted in the plant's workdays.

    On a Monday these are Tuesday, Wednesday and Thursday (`busy`: last week's bracket orders
    fill the paint line up to them) and Friday (`wanted`: "/promise 40 BRKT for Acme by Friday").
    On other days they are the same four workdays ahead, around the plant's holidays.
    """

    as_of: date
    busy: tuple[date, ...]
    wanted: date

    @property
    def wanted_words(self) -> str:
        """How Sam types the wanted day: its weekday when that names it, else `Jan 7`."""
        return self.wanted_in("en")

    def wanted_in(self, language: str) -> str:
        """How Sam types the wanted day in `language`: its weekday when that names it (`Friday`,
        `thứ Sáu`, `周五`), else the day and month (`Jan 7`, `7/1`, `1月7日`), else ISO."""
        day = self.wanted
        weekday = format_date(day, "EEEE" if language != "zh_Hans" else "EEE", locale=language)
        if language == "vi":
            weekday = weekday[0].lower() + weekday[1:]  # "thứ Sáu", as people type it
        dated = {"en": f"{day:%b} {day.day}", "vi": f"{day.day}/{day.month}"}.get(
            language, f"{day.month}月{day.day}日"
        )
        with i18n.using(language):
            for words in (weekday, dated):
                try:
                    if parse_day(words, today=self.as_of) == day:
                        return words
                except PromiseSyntaxError:
                    pass
        return day.isoformat()


def story(as_of: date, calendar: Iterable[CalendarException]) -> Story:
    """The first steps' days as of `as_of`: the next four days the whole plant works."""
    *busy, wanted = workdays_after(as_of, calendar, 4)
    return Story(as_of, tuple(busy), wanted)


# --- the database ---------------------------------------------------------------------------------


class DemoDatabase(enum.Enum):
    """What `inspect_database` found."""

    EMPTY = "empty"
    SEEDED = "seeded"
    """The demo as of the planning date asked for, ready to reuse."""
    OTHER_DAY = "other day"
    UNFINISHED = "unfinished"
    """The demo's, but its preparation stopped before the history was written."""


@dataclass(frozen=True)
class Inspection:
    state: DemoDatabase
    seeded_on: str | None = None


_EMPTY_ANYWAY = {"alembic_version", "plan_state"}
"""Tables a freshly migrated database already fills (the schema's version, the plan's row)."""


def inspect_database(url: str, as_of: date) -> Inspection:
    """Whether the database at `url` may be the demo's, without writing a byte to it.

    Empty (no table holds a row) and the demo's own (the first entry of its audit log is the
    sandbox's) are; anything else raises ForeignDatabase, saying what is in there.
    """
    # A plain engine: make_engine's pragmas would switch a SQLite file to WAL mode.
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            holding = [
                name
                for name in sorted(set(names) - _EMPTY_ANYWAY)
                if connection.execute(
                    sa.select(sa.text("1")).select_from(sa.table(name)).limit(1)
                ).first()
                is not None
            ]
            if not holding:
                return Inspection(DemoDatabase.EMPTY)
            first = None
            if AuditLogRow.__tablename__ in names:
                first = connection.execute(
                    sa.select(AuditLogRow.actor, AuditLogRow.action, AuditLogRow.entity)
                    .order_by(AuditLogRow.id)
                    .limit(1)
                ).first()
            if first is None or tuple(first) != ("sandbox", "prepare", _SEED_ENTITY):
                said_first = ["orders", "items", "work_centers", "users", "leads", "summits"]
                holding.sort(key=lambda n: said_first.index(n) if n in said_first else 99)
                shown = ", ".join(holding[:4]) + (", …" if len(holding) > 4 else "")
                raise ForeignDatabase(
                    f"it holds data that is not the demo's (rows in {shown}), so the demo "
                    "leaves it as it is"
                )
            seeded = connection.execute(
                sa.select(AuditLogRow.entity_id).where(
                    AuditLogRow.entity == _SEED_ENTITY, AuditLogRow.action == "seed"
                )
            ).scalar()
    finally:
        engine.dispose()
    if seeded is None:
        return Inspection(DemoDatabase.UNFINISHED)
    if seeded != as_of.isoformat():
        return Inspection(DemoDatabase.OTHER_DAY, seeded)
    return Inspection(DemoDatabase.SEEDED, seeded)


def prepare(settings: Settings) -> list[str]:
    """Make `settings.database_url` ready for the sandbox; returns what was done, for the console.

    Only an empty database is prepared; one already seeded for `settings.as_of` is reused as it
    is. Anything else (another factory, real orders, the demo of another day) raises
    NotTheDemoFactory before anything is written.
    """
    assert settings.as_of is not None, "the sandbox runs on a fixed planning date"
    found = inspect_database(settings.database_url, settings.as_of)
    if found.state is DemoDatabase.OTHER_DAY:
        raise NotTheDemoFactory(
            f"it holds the sandbox as of {found.seeded_on}; pass --as-of "
            f"{found.seeded_on}, or start from a fresh one (`make demo`, or `promisebot demo` "
            "without --database-url)"
        )
    if found.state is DemoDatabase.UNFINISHED:
        raise NotTheDemoFactory(
            "it holds a sandbox whose preparation did not finish; start from a fresh "
            "one (`make demo`, or `promisebot demo` without --database-url)"
        )
    upgrade(settings.database_url)
    if found.state is DemoDatabase.SEEDED:
        return ["Reusing the sandbox's database (its week of history is there)."]
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        lines = [import_demo_factory(settings, sessions)]
        lines += seed_history(settings, sessions)
        return lines
    finally:
        engine.dispose()


def import_demo_factory(settings: Settings, sessions: sessionmaker[Session]) -> str:
    """Book the demo factory, its dates moved to the planning date (`bot.demo.demo_factory`).

    The first entry of the audit log marks the database as the demo's, in the same transaction.
    """
    from bot.factory.store import save_factory

    assert settings.as_of is not None
    files = demo_factory(settings.as_of, horizon_days=settings.horizon_days)
    clock = SettableClock(moment(settings, settings.as_of, 8))
    with write_transaction(with_clock(sessions, clock)) as session:
        session.add(
            AuditLogRow(
                actor="sandbox",
                action="prepare",
                entity=_SEED_ENTITY,
                entity_id=settings.as_of.isoformat(),
            )
        )
        session.flush()
        save_factory(session, files)
        record_factory_change(session, "sandbox", {"orders": len(files.orders)})
        service = OrderService(settings, sessionmaker(bind=session.get_bind()), clock=clock)
        outcome = service.import_orders(
            [
                ImportedOrder(o.ref, o.customer, o.sku, o.qty, o.on, o.status, o.rush)
                for o in files.orders
            ],
            shipments=[ImportedShipment(s.ref, s.on, s.qty) for s in files.shipments],
            session=session,
        )
    first, last = min(o.on for o in files.orders), max(o.on for o in files.orders)
    return (
        f"Booked the demo factory as of {format_day(settings.as_of)}: {len(outcome.booked)} "
        f"orders from {format_day(first, settings.as_of)} to {format_day(last, settings.as_of)}, "
        f"{len(outcome.at_risk)} at risk."
    )


@dataclass(frozen=True)
class _Past:
    """An order promised last week: created `created` days before, shipped `late` days late."""

    ref: str
    customer: str
    sku: str
    qty: int
    weekday: int
    weeks_ago: int
    created: int
    late: int = 0


_PAST_ORDERS = (
    _Past("SO-0961", "Acme Corp", "BRKT", 80, 1, 3, 9),
    _Past("SO-0962", "Globex", "BRKT-HD", 20, 3, 3, 8),
    _Past("SO-0963", "Harbor Logistics", "CART-U", 4, 4, 3, 10, late=1),
    _Past("SO-0964", "Brightline Electric", "ENCL-S", 10, 1, 2, 8),
    _Past("SO-0965", "Kestrel Robotics", "SHAFT-20", 20, 2, 2, 7),
    _Past("SO-0966", "Acme Corp", "BRKT", 120, 4, 2, 9),
    _Past("SO-0971", "Acme Corp", "BRKT", 60, 1, 1, 10),
    _Past("SO-0972", "Globex", "BRKT-HD", 20, 2, 1, 9),
    _Past("SO-0973", "Harbor Logistics", "CART-U", 6, 3, 1, 9, late=1),
    _Past("SO-0974", "Brightline Electric", "ENCL-S", 12, 4, 1, 8),
    _Past("SO-0975", "Northwind Machinery", "FRAME-M", 2, 4, 1, 10, late=3),
    _Past("SO-0976", "Vandelay Industries", "FLANGE-100", 25, 3, 1, 7),
)
"""(weekday 0 = Monday of that week.) Two late in the last week, one the week before."""

_THIS_WEEK = (
    # Booked last week for the next three workdays: they fill the paint line, so that 40 more
    # brackets by the fourth (Friday, on a Monday) need operations (overtime or the rush reserve).
    ("SO-0981", "Globex", "BRKT", 200, 3),
    ("SO-0982", "Vandelay Industries", "BRKT", 170, 4),
    ("SO-0983", "Harbor Logistics", "BRKT", 140, 4),
)
"""(ref, customer, sku, most wanted, weekday last week it was booked), due on `Story.busy`'s
days; each takes as many as fit, up to the most wanted."""


def seed_history(settings: Settings, sessions: sessionmaker[Session]) -> list[str]:
    """Write the past week through the real services, each step at its moment in the past."""
    from bot.collaboration.leads import LeadService
    from bot.collaboration.summits import SummitService
    from bot.platform.users import UserService
    from bot.promising.capacity_requests import CapacityRequestService
    from capacity.model import PlanningError

    assert settings.as_of is not None
    today = settings.as_of
    this_monday = today - timedelta(days=today.weekday())
    clock = SettableClock(moment(settings, today, 8))
    users = UserService(settings, sessions, clock=clock)
    for person in PEOPLE:
        if person.role not in ("sales", "admin"):
            users.set_role(MORGAN, person.user_id, person.role)

    def services(day: date) -> tuple[OrderService, CapacityRequestService]:
        past = dataclasses.replace(settings, as_of=day)
        orders = OrderService(past, sessions, clock=clock)
        return orders, CapacityRequestService(past, sessions, orders, users, clock=clock)

    kept = missed = 0
    for past in _PAST_ORDERS:
        promised = this_monday - timedelta(weeks=past.weeks_ago) + timedelta(days=past.weekday)
        created = promised - timedelta(days=past.created)
        clock.now = moment(settings, created, 10, 15)
        orders, _ = services(created)
        try:
            orders.hold(
                past.sku,
                past.qty,
                promised,
                customer=past.customer,
                owner=SAM,
                ref=past.ref,
                confirm=True,
                actor=SAM,
            )
        except PlanningError as error:  # another --as-of may crowd the plan; history is optional
            log.info("history: skipped %s: %s", past.ref, error)
            continue
        shipped = promised + timedelta(days=past.late)
        clock.now = moment(settings, shipped, 15)
        orders.ship(past.ref, on=shipped, actor=PAT)
        kept, missed = kept + (past.late == 0), missed + (past.late > 0)

    orders, _ = services(today)
    days = story(today, orders.engine().factory.calendar)
    booked = []
    for (ref, customer, sku, most, booked_weekday), wanted in zip(
        _THIS_WEEK, days.busy, strict=True
    ):
        created = this_monday - timedelta(weeks=1) + timedelta(days=booked_weekday)
        clock.now = moment(settings, created, 11, 40)
        # Planned as of today, though stamped last week: what was made last week is stock by
        # now, and the rest is this week's work (the past week's plan is not kept).
        fits = min(most, orders.quote(sku, most, wanted, as_of=today).on_requested)
        if fits < 1:
            continue
        orders.hold(
            sku,
            fits,
            wanted,
            customer=customer,
            owner=SAM,
            ref=ref,
            as_of=today,
            confirm=True,
            actor=SAM,
        )
        booked.append(f"{fits} {sku} for {customer} on {format_day(wanted, today)}")

    answered = _seed_requests(settings, this_monday - timedelta(weeks=1), clock, services)

    leads = LeadService(settings, sessions, clock=clock)
    clock.now = moment(settings, this_monday - timedelta(days=10), 14, 5)
    leads.create(
        "Kestrel Robotics",
        SAM,
        "Met at the automation fair: 200 drive shafts a month from January, wants a sample batch.",
        follow_up_on=this_monday - timedelta(days=5),
        source="trade fair",
        product_interest="SHAFT-20",
        expected_qty=200,
        expected_month=date(today.year + (today.month == 12), today.month % 12 + 1, 1),
    )
    clock.now = moment(settings, this_monday - timedelta(days=3), 16, 30)
    leads.create(
        "Oakridge Farms",
        SAM,
        "Asked for a quote on 30 utility carts for their packing sheds.",
        follow_up_on=today + timedelta(days=1),
        source="website",
        product_interest="CART-U",
        expected_qty=30,
    )

    clock.now = moment(settings, this_monday - timedelta(days=6), 9)
    SummitService(settings, sessions, clock=clock).schedule(
        "Sales & operations summit",
        "first Tuesday 10:00",
        channel=MANAGEMENT,
        organiser=MORGAN,
        location="Meeting room 2 (and the plant floor)",
    )

    clock.now = moment(settings, today, 8)
    with write_transaction(with_clock(sessions, clock)) as session:
        session.add(
            AuditLogRow(
                actor="sandbox",
                action="seed",
                entity=_SEED_ENTITY,
                entity_id=today.isoformat(),
                detail={"kept": kept, "missed": missed, "requests": answered},
            )
        )
    return [
        f"Seeded a week of history: {kept + missed} past orders shipped ({missed} late), "
        f"{answered} capacity requests answered, 2 leads, a monthly summit.",
        f"The paint line is nearly full until {format_day(days.busy[-1], today)}: "
        + "; ".join(booked)
        + ".",
    ]


def _seed_requests(
    settings: Settings,
    monday: date,
    clock: SettableClock,
    services: Callable[[date], tuple[OrderService, Any]],
) -> int:
    """Two questions to operations last week: one answered with a counter-offer, one declined."""
    from capacity.model import PlanningError

    answered = 0
    asks = [
        # (day offset, customer, sku, qty, wanted offset, answer)
        (0, "Acme Corp", "BRKT", 600, 2, "counter"),
        (1, "Northwind Machinery", "FRAME-M", 40, 4, "decline"),
    ]
    for offset, customer, sku, qty, wanted_in, answer in asks:
        day = monday + timedelta(days=offset)
        orders, requests = services(day)
        clock.now = moment(settings, day, 10, 5)
        try:
            request, quote = requests.ask(
                sku, qty, day + timedelta(days=wanted_in), customer=customer, requester=SAM
            )
            if answer == "counter" and quote.earliest is not None:
                clock.now = moment(settings, day, 14, 20)
                answer_on = quote.earliest
                requests.counter(
                    request.id,
                    actor=PAT,
                    qty=qty,
                    on=answer_on,
                    note="All 600 on that day; we can send the first 300 two days earlier.",
                )
                held = orders.orders(owner=SAM, statuses=["held"])
                for order in held:
                    if order.sku == sku and order.qty == qty:
                        if answer_on >= settings.as_of:
                            # Acme let the hold lapse: only the past is seeded, and a big
                            # order still due would crowd the first steps' week.
                            continue
                        clock.now = moment(settings, day + timedelta(days=1), 9, 30)
                        orders.confirm(order.id, actor=SAM)
                        clock.now = moment(settings, answer_on, 15)
                        orders.ship(order.id, on=answer_on, actor=PAT)
            else:
                clock.now = moment(settings, day + timedelta(days=1), 8, 45)
                requests.decline(
                    request.id,
                    actor=PAT,
                    reason="The welding bays are full with frames until mid-December; "
                    "40 more frames need three weeks. Could Northwind take 10 now?",
                )
            answered += 1
        except PlanningError as error:
            log.info("history: skipped a request for %s %s: %s", qty, sku, error)
    return answered


# --- the fake Slack ------------------------------------------------------------------------------


SLACK_LOCALES = {"en": "en-US", "vi": "vi-VN", "zh_Hans": "zh-CN"}
"""The Slack locale a person of the cast has when the demo gives them a language."""


def populate(slack: FakeSlack, languages: Mapping[str, str] | None = None) -> None:
    """Declare the cast and the channels in the fake Web API; `languages` (user id to
    language) sets the Slack locale of those given one, as their Slack client would."""
    for person in PEOPLE:
        language = (languages or {}).get(person.user_id, "en")
        slack.add_user(
            person.user_id,
            person.name,
            real_name=person.real_name,
            locale=SLACK_LOCALES[language],
        )
    for channel_id, name in CHANNELS.items():
        slack.add_channel(name, channel_id)


def post_history(
    slack: FakeSlack, settings: Settings, sessions: sessionmaker[Session], days: Story
) -> None:
    """Last week as the channels show it: the people's words and promisebot's answers."""
    assert settings.as_of is not None
    today = settings.as_of
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=1)

    def at(day_offset: int, hour: int, minute: int = 0) -> float:
        return moment(settings, monday + timedelta(days=day_offset), hour, minute).timestamp()

    slack.post_as(
        MORGAN,
        SALES,
        "Welcome to the promisebot sandbox! From today, quote dates with `/promise` before you "
        "answer a customer, and ask operations from the quote when the plan says no.",
        at=at(0, 8, 30),
    )
    slack.post_as(
        SAM,
        SALES,
        f"Globex just called: 200 brackets for {format_day(days.busy[0], today)}. promisebot "
        "says it fits — booked.",
        at=at(3, 11, 45),
    )
    slack.post_as(
        PAT,
        OPERATIONS,
        "Heads-up: the paint line is nearly full with bracket orders until "
        f"{format_day(days.busy[-1], today)}.",
        at=at(4, 16, 10),
    )
    with sessions() as session:
        rows = session.scalars(sa.select(CapacityRequestRow).order_by(CapacityRequestRow.id)).all()
        for row in rows:
            order = row.order
            kind = {"countered": "counter", "declined": "decline"}.get(row.status, "overtime")
            message = operations_views.answered_request_message(
                request_id=row.id,
                sku=order.sku,
                qty=order.qty,
                customer=order.customer.name,
                wanted=order.requested_on or today,
                as_of=today,
                answer=kind,  # type: ignore[arg-type]
                answered_by=row.answered_by or PAT,
                promised_qty=row.counter_qty,
                promised_on=row.counter_on,
                reason=row.answer_note,
            )
            parent = slack.post_as(
                None,
                OPERATIONS,
                message["text"],
                blocks=message["blocks"],
                at=row.created_at.timestamp(),
            )
            slack.post_as(
                None,
                OPERATIONS,
                f"<@{row.requested_by}> {message['text']}",
                thread_ts=parent.ts,
                at=(row.answered_at or row.created_at).timestamp(),
            )
    slack.post_as(
        MORGAN,
        MANAGEMENT,
        "The weekly digest lands here on Monday mornings. Press *Post the digest* above to see "
        "last week's.",
        at=at(4, 17, 5),
    )
