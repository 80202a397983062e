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

from bot.platform import i18n
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import ROLES as ROLES  # the roles, for those who may not see tables
from bot.platform.db.tables import AuditLogRow, UserRow
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.settings import Settings
from capacity.model import PlanningError

log = logging.getLogger(__name__)

DEFAULT_ROLE = "sales"

# What a refusal says only some roles can do (`doing=` of `require`: a verb phrase, translated
# where the refusal is written; callers mark theirs with N_).
_DOING = {
    "operations": N_("answer capacity requests"),
    "manager": N_("do this"),
    "admin": N_("manage roles"),
    "sales": N_("do this"),
}

# The roles as a refusal names them: who can (plural) and what the user is (singular).
_PLURAL = {
    "sales": N_("sales"),
    "operations": N_("operations"),
    "manager": N_("managers"),
    "admin": N_("admins"),
}
_ROLE = {
    "sales": N_("sales"),
    "operations": N_("operations"),
    "manager": N_("manager"),
    "admin": N_("admin"),
}


def _either(names: list[str]) -> str:
    """`managers or admins`: each a translated noun."""
    text = names[0]
    for name in names[1:]:
        text = _("{first} or {second}", first=text, second=name)
    return text


# What `require_owner` refuses on someone else's order (its `doing`).
_DOING_ORDER = (N_("confirm"), N_("cancel"), N_("ask operations about"), N_("answer for"))


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
        wanted = _either([i18n.gettext(_PLURAL[r]) if r in _PLURAL else r for r in roles])
        what = i18n.gettext(doing or _DOING.get(roles[0], N_("do this")))
        # TRANSLATORS: {roles} are who may (managers or admins), {doing} what they may do (a verb
        # phrase: record shipments), {role} the user's role.
        raise NotAllowed(
            _(
                "Only {roles} can {doing}; your role is {role}. "
                "An admin can change roles with `/promisebot role @you ROLE`.",
                roles=wanted,
                doing=what,
                role=i18n.gettext(_ROLE[role]) if role in _ROLE else role,
            )
        )

    def require_owner(self, user_id: str, owner: str | None, ref: str, doing: str) -> None:
        """Only the order's owner, a manager or an admin may `doing` it."""
        if owner is not None and owner == user_id:
            return
        role = self.role(user_id)
        if role in ("manager", "admin"):
            return
        what = i18n.gettext(doing)
        # TRANSLATORS: {doing} is what was refused: confirm, cancel.
        if owner:
            raise NotAllowed(
                _(
                    "Order {ref} is <@{owner}>'s; only its owner or a manager can {doing} it.",
                    ref=ref,
                    owner=owner,
                    doing=what,
                )
            )
        raise NotAllowed(
            _(
                "Order {ref} is someone else's; only its owner or a manager can {doing} it.",
                ref=ref,
                doing=what,
            )
        )

    def set_role(self, actor: str, user_id: str, role: str) -> str:
        """Give `user_id` the role `role` (admins only); returns the role they had."""
        self.require(actor, "admin", doing=N_("change roles"))
        role = role.strip().lower()
        if role not in ROLES:
            # TRANSLATORS: the roles stay in English: they are what the command takes.
            raise PlanningError(
                _(
                    "{role} is not a role; use one of {roles}.",
                    role=repr(role),
                    roles=", ".join(ROLES),
                )
            )
        if user_id in self.settings.admins and role != "admin":
            raise NotAllowed(
                _(
                    "<@{user}> is an admin through PROMISEBOT_ADMINS; change that setting first.",
                    user=user_id,
                )
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
                raise NotAllowed(_("Only admins can change roles; you are no longer an admin."))
            row = session.scalar(sa.select(UserRow).where(UserRow.slack_user_id == user_id))
            before = row.role if row is not None else DEFAULT_ROLE
            remaining = (stored_admins - {user_id}) | set(self.settings.admins)
            if before == "admin" and role != "admin" and not remaining:
                if user_id == actor:
                    text = _(
                        "You are the last admin: without one nobody can give roles any more. "
                        "Make someone else admin first (`/promisebot role @someone admin`)."
                    )
                else:
                    text = _(
                        "<@{user}> is the last admin: without one nobody can give roles any "
                        "more. Make someone else admin first (`/promisebot role @someone admin`).",
                        user=user_id,
                    )
                raise NotAllowed(text)
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
