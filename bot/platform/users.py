"""Who may do what: each Slack user's role (sales, operations, manager, admin), kept in `users`.

Users nobody has given a role are salespeople; the Slack ids in PROMISEBOT_ADMINS are admins
whatever the table says, for as long as they are in it (the variable is read, never copied). The
last admin cannot give up the role, so a workspace never locks itself out. An admin may do
everything; a manager may also cancel anyone's order.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import ROLES as ROLES  # the roles, for those who may not see tables
from bot.platform.db.tables import AuditLogRow, UserRow
from bot.platform.settings import Settings
from capacity.model import PlanningError

log = logging.getLogger(__name__)

DEFAULT_ROLE = "sales"

_DOING = {
    "operations": "answer capacity requests",
    "manager": "do this",
    "admin": "manage roles",
    "sales": "do this",
}


_PLURAL = {"manager": "managers", "admin": "admins"}


class NotAllowed(PlanningError):
    """The user's role (or not owning the order) does not allow the action; says which role does."""


class UserService:
    """Roles of Slack users, read and changed."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        clock: Now | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = session_factory
        self.clock = clock or Clock.from_settings(settings)
        self.sessions = with_clock(session_factory, self.clock)

    def forget_former_admins(self) -> list[str]:
        """Take back admin rights that only a former PROMISEBOT_ADMINS gave; returns who lost them.

        PROMISEBOT_ADMINS is read on every check and never copied into `users`, so removing
        someone from it removes their admin rights. Older promisebots did copy it (the audit
        entry says `"from": "settings"`): such a stored admin who is no longer in the variable,
        and whose role nobody changed since, goes back to sales, with an audit entry. An admin
        made with `/promisebot role` stays one.
        """
        with write_transaction(self.sessions) as session:
            admins = session.scalars(sa.select(UserRow).where(UserRow.role == "admin")).all()
            stored = {row.slack_user_id: row for row in admins}
            if not set(stored) - set(self.settings.admins):
                return []
            last: dict[str, dict[str, Any]] = {}
            for entry in session.scalars(
                sa.select(AuditLogRow)
                .where(
                    AuditLogRow.entity == "user",
                    AuditLogRow.action == "role",
                    AuditLogRow.entity_id.in_(list(stored)),
                )
                .order_by(AuditLogRow.id)
            ):
                last[entry.entity_id] = entry.detail or {}
            forgotten = []
            for user_id, row in sorted(stored.items()):
                copied = last.get(user_id, {}).get("from") == "settings"
                if user_id in self.settings.admins or not copied:
                    continue
                row.role = DEFAULT_ROLE
                _audit(
                    session,
                    "promisebot",
                    user_id,
                    {"role": DEFAULT_ROLE, "was": "admin", "why": "no longer in PROMISEBOT_ADMINS"},
                )
                forgotten.append(user_id)
        for user_id in forgotten:
            log.warning("%s is no longer in PROMISEBOT_ADMINS: no admin any more", user_id)
        return forgotten

    def learn_time_zone(self, user_id: str, client: Any) -> None:
        """Store the user's Slack time zone (users.info `tz`) the first time it is needed.

        Personal reminders (lead follow-ups) arrive at the owner's local working hours; until a
        zone is known they use the factory's. A Slack error is logged and changes nothing.
        """
        with self.sessions() as session:
            known = session.scalar(sa.select(UserRow.tz).where(UserRow.slack_user_id == user_id))
        if known:
            return
        try:
            profile = client.users_info(user=user_id)["user"]
        except Exception:
            log.warning("could not read the time zone of %s from Slack", user_id, exc_info=True)
            return
        tz, name = profile.get("tz"), profile.get("real_name") or profile.get("name") or ""
        if not tz:
            return
        with write_transaction(self.sessions) as session:
            row = session.scalar(sa.select(UserRow).where(UserRow.slack_user_id == user_id))
            if row is None:
                session.add(
                    UserRow(
                        slack_user_id=user_id,
                        name=name,
                        tz=tz,
                        role=DEFAULT_ROLE,
                        created_at=self.clock(),
                    )
                )
            else:
                row.tz = tz
                row.name = row.name or name

    def role(self, user_id: str) -> str:
        if user_id in self.settings.admins:
            return "admin"
        with self.sessions() as session:
            role = session.scalar(sa.select(UserRow.role).where(UserRow.slack_user_id == user_id))
        return role or DEFAULT_ROLE

    def roles(self) -> list[tuple[str, str]]:
        """(slack user id, role) of everyone with a stored role, admins first."""
        with self.sessions() as session:
            rows = session.execute(sa.select(UserRow.slack_user_id, UserRow.role)).all()
        stored = {user: role for user, role in rows}
        for admin in self.settings.admins:
            stored[admin] = "admin"
        return sorted(stored.items(), key=lambda item: (ROLES.index(item[1]) * -1, item[0]))

    def require(self, user_id: str, *roles: str, doing: str | None = None) -> str:
        """The user's role if it is one of `roles` (admins always pass); else NotAllowed."""
        role = self.role(user_id)
        if role == "admin" or role in roles:
            return role
        wanted = " or ".join(_PLURAL.get(r, r) for r in roles)
        what = doing or _DOING.get(roles[0], "do this")
        raise NotAllowed(
            f"Only {wanted} can {what}; your role is {role}. "
            "An admin can change roles with `/promisebot role @you ROLE`."
        )

    def require_owner(self, user_id: str, owner: str | None, ref: str, doing: str) -> None:
        """Only the order's owner, a manager or an admin may `doing` it."""
        if owner is not None and owner == user_id:
            return
        role = self.role(user_id)
        if role in ("manager", "admin"):
            return
        whose = f"<@{owner}>'s" if owner else "someone else's"
        raise NotAllowed(f"Order {ref} is {whose}; only its owner or a manager can {doing} it.")

    def set_role(self, actor: str, user_id: str, role: str) -> str:
        """Give `user_id` the role `role` (admins only); returns the role they had."""
        self.require(actor, "admin", doing="change roles")
        role = role.strip().lower()
        if role not in ROLES:
            raise PlanningError(f"{role!r} is not a role; use one of {', '.join(ROLES)}.")
        if user_id in self.settings.admins and role != "admin":
            raise NotAllowed(
                f"<@{user_id}> is an admin through PROMISEBOT_ADMINS; change that setting first."
            )
        with write_transaction(self.sessions) as session:
            # The stored admins, locked (on PostgreSQL), so two admins demoting each other at
            # once cannot leave nobody who can manage roles.
            stored_admins = set(
                session.scalars(
                    sa.select(UserRow.slack_user_id)
                    .where(UserRow.role == "admin")
                    .with_for_update()
                )
            )
            if actor not in self.settings.admins and actor not in stored_admins:
                raise NotAllowed("Only admins can change roles; you are no longer an admin.")
            row = session.scalar(sa.select(UserRow).where(UserRow.slack_user_id == user_id))
            before = row.role if row is not None else DEFAULT_ROLE
            remaining = (stored_admins - {user_id}) | set(self.settings.admins)
            if before == "admin" and role != "admin" and not remaining:
                mine = "You are" if user_id == actor else f"<@{user_id}> is"
                raise NotAllowed(
                    f"{mine} the last admin: without one nobody can give roles any more. "
                    "Make someone else admin first (`/promisebot role @someone admin`)."
                )
            if row is None:
                row = UserRow(slack_user_id=user_id, role=role, created_at=self.clock())
                session.add(row)
            row.role = role
            _audit(session, actor, user_id, {"role": role, "was": before})
        return before


def _audit(session: Session, actor: str, user_id: str, detail: dict[str, str]) -> None:
    session.add(
        AuditLogRow(actor=actor, action="role", entity="user", entity_id=user_id, detail=detail)
    )
