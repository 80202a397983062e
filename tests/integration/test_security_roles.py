"""Admins from PROMISEBOT_ADMINS last only as long as the variable names them, and the last admin
cannot give the role up: over signed `/promisebot` commands to the real app, restarted with other
settings as an operator would."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from bot.platform.db.tables import AuditLogRow, UserRow
from tests.slack_harness import (
    ADMIN,
    SALES,
    SALES_2,
    World,
    close_world,
    serve_world,
    world_fixture,  # noqa: F401 - the `world` fixture
)

ROLE = "/promisebot"


def told(world: World, text: str, user: str) -> str:
    reply, response = world.command(text, user=user, name=ROLE)
    assert reply.status == 200
    return world.answer(response).text


def stored_roles(world: World) -> dict[str, str]:
    with world.db.session_factory() as session:
        return dict(session.execute(sa.select(UserRow.slack_user_id, UserRow.role)).all())


def test_an_admin_taken_out_of_promisebot_admins_is_no_admin_after_the_restart(
    world: World,
) -> None:
    assert told(world, "role <@U0SALES2|sue> operations", ADMIN).startswith("<@U0SALES2> is now")
    assert ADMIN not in stored_roles(world)  # the variable is read, never copied
    close_world(world)

    restarted = serve_world(world.db, world.slack, admins=())
    try:
        assert told(restarted, "whoami", ADMIN) == "You are sales."
        before = restarted.dump()
        refused = told(restarted, "role <@U0SALES|sam> manager", ADMIN)
        assert refused.startswith("Only admins can change roles; your role is sales.")
        restarted.settle()
        assert restarted.dump() == before
    finally:
        close_world(restarted)


def test_an_admin_an_older_promisebot_copied_from_the_variable_loses_it_too(
    world: World,
) -> None:
    # What older promisebots stored for each PROMISEBOT_ADMINS id at start-up.
    with world.db.session_factory.begin() as session:
        session.add(UserRow(slack_user_id=SALES_2, role="admin", created_at=datetime.now(UTC)))
        session.add(
            AuditLogRow(
                actor="promisebot",
                action="role",
                entity="user",
                entity_id=SALES_2,
                detail={"role": "admin", "from": "settings"},
            )
        )
    close_world(world)
    restarted = serve_world(world.db, world.slack)  # PROMISEBOT_ADMINS is ADMIN only now
    try:
        assert told(restarted, "whoami", SALES_2) == "You are sales."
        assert stored_roles(restarted)[SALES_2] == "sales"
        refused = told(restarted, "role <@U0SALES|sam> manager", SALES_2)
        assert refused.startswith("Only admins can change roles")
        # An admin made with /promisebot role stays one through restarts.
        told(restarted, "role <@U0SALES|sam> admin", ADMIN)
    finally:
        close_world(restarted)
    again = serve_world(world.db, world.slack, admins=())
    try:
        assert told(again, "whoami", SALES) == "You are admin."
    finally:
        close_world(again)


def test_the_last_admin_cannot_demote_themselves(world: World) -> None:
    told(world, "role <@U0SALES|sam> admin", ADMIN)
    close_world(world)
    restarted = serve_world(world.db, world.slack, admins=())  # SALES is the only admin left
    try:
        before = restarted.dump()
        refused = told(restarted, "role <@U0SALES|sam> sales", SALES)
        assert refused.startswith("You are the last admin: without one nobody can give roles")
        restarted.settle()
        assert restarted.dump() == before
        assert told(restarted, "whoami", SALES) == "You are admin."

        # With a second admin, either may step down.
        told(restarted, "role <@U0SALES2|sue> admin", SALES)
        assert told(restarted, "role <@U0SALES|sam> manager", SALES).startswith(
            "<@U0SALES> is now manager"
        )
        refused = told(restarted, "role <@U0SALES2|sue> sales", SALES_2)
        assert refused.startswith("You are the last admin")
    finally:
        close_world(restarted)
