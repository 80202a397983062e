"""Who reads which language: each person's choice, else their Slack locale, else the workspace's.

A person's language is the one they chose (`/promisebot language vi`, the select on the Home
tab), else the language of their Slack locale when promisebot speaks it (users.info with
`include_locale`, read once and kept in `users.slack_locale`), else PROMISEBOT_LANGUAGE. A
channel's language is the one an admin gave it (`/promisebot language zh_Hans` typed in it), else
PROMISEBOT_LANGUAGE: everyone in a channel reads the same message, so it is written in the
channel's language, and what only one person sees (ephemeral replies, DMs, forms, Home) in theirs.

`of_user` and `of_channel` read inside a session the caller already has (a service drawing a DM
for an order's owner, a job posting to a channel); `Languages` is the service the app's
middleware and the language command use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.platform import i18n
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import AuditLogRow, ChannelLanguageRow, UserRow
from bot.platform.settings import Settings

log = logging.getLogger(__name__)


def _chosen(language: str | None, slack_locale: str | None) -> str | None:
    if language in i18n.LANGUAGES:
        return language
    return i18n.from_locale(slack_locale)


def of_user(session: Session, settings: Settings, user_id: str | None) -> str:
    """The language `user_id` reads (the workspace's for nobody or a stranger)."""
    if user_id:
        row = session.execute(
            sa.select(UserRow.language, UserRow.slack_locale).where(
                UserRow.slack_user_id == user_id
            )
        ).first()
        if row is not None:
            found = _chosen(row.language, row.slack_locale)
            if found:
                return found
    return settings.language


def of_users(session: Session, settings: Settings, user_ids: Iterable[str]) -> dict[str, str]:
    """The language of each of `user_ids`, in one query."""
    wanted = sorted({u for u in user_ids if u})
    found = dict.fromkeys(wanted, settings.language)
    if wanted:
        rows = session.execute(
            sa.select(UserRow.slack_user_id, UserRow.language, UserRow.slack_locale).where(
                UserRow.slack_user_id.in_(wanted)
            )
        )
        for user_id, language, slack_locale in rows:
            found[user_id] = _chosen(language, slack_locale) or settings.language
    return found


def of_channel(session: Session, settings: Settings, channel_id: str | None) -> str:
    """The language promisebot writes in `channel_id` (a DM's: its person's)."""
    if not channel_id:
        return settings.language
    if channel_id.startswith(("U", "W")):  # a DM posted to the user id itself
        return of_user(session, settings, channel_id)
    chosen = session.scalar(
        sa.select(ChannelLanguageRow.language).where(ChannelLanguageRow.channel_id == channel_id)
    )
    return chosen if chosen in i18n.LANGUAGES else settings.language


class Languages:
    """The language of the person acting, learnt from Slack once; choices, stored and audited."""

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

    def of_user(self, user_id: str | None) -> str:
        with self.sessions() as session:
            return of_user(session, self.settings, user_id)

    def of_channel(self, channel_id: str | None) -> str:
        with self.sessions() as session:
            return of_channel(session, self.settings, channel_id)

    def chosen(self, user_id: str) -> tuple[str | None, str | None]:
        """(the language `user_id` chose, the language of their Slack locale), either None."""
        with self.sessions() as session:
            row = session.execute(
                sa.select(UserRow.language, UserRow.slack_locale).where(
                    UserRow.slack_user_id == user_id
                )
            ).first()
        if row is None:
            return None, None
        language = row.language if row.language in i18n.LANGUAGES else None
        return language, i18n.from_locale(row.slack_locale)

    def for_person(self, user_id: str | None, client: Any | None) -> str:
        """The language of the person acting; their Slack locale is read the first time.

        A Slack error is logged and leaves the locale unread (it is asked again next time);
        meanwhile the workspace's language applies.
        """
        if not user_id:
            return self.settings.language
        with self.sessions() as session:
            row = session.execute(
                sa.select(UserRow.language, UserRow.slack_locale).where(
                    UserRow.slack_user_id == user_id
                )
            ).first()
        if row is not None and (row.language in i18n.LANGUAGES or row.slack_locale is not None):
            return _chosen(row.language, row.slack_locale) or self.settings.language
        locale = self._slack_locale(user_id, client)
        if locale is None:
            return self.settings.language
        self._store(user_id, slack_locale=locale)
        return i18n.from_locale(locale) or self.settings.language

    def _slack_locale(self, user_id: str, client: Any | None) -> str | None:
        if client is None:
            return None
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except Exception:
            log.warning("could not read the Slack locale of %s", user_id, exc_info=True)
            return None
        locale = user.get("locale") if isinstance(user, dict) else None
        return str(locale) if isinstance(locale, str) else ""

    def _store(self, user_id: str, **values: Any) -> None:
        with write_transaction(self.sessions) as session:
            row = session.scalar(sa.select(UserRow).where(UserRow.slack_user_id == user_id))
            if row is None:
                row = UserRow(slack_user_id=user_id, created_at=self.clock())
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)

    def choose(self, user_id: str, language: str | None, client: Any | None = None) -> str:
        """`user_id` reads `language` from now on; None: their Slack locale's again, read anew
        from Slack (they may have changed it since). Returns the language they read now."""
        if language is not None and language not in i18n.LANGUAGES:
            raise i18n.UnknownLanguage(language)
        values: dict[str, Any] = {"language": language}
        if language is None:
            values["slack_locale"] = self._slack_locale(user_id, client)
        self._store(user_id, **values)
        with write_transaction(self.sessions) as session:
            _audit(session, user_id, "user", user_id, language)
            return of_user(session, self.settings, user_id)

    def choose_for_channel(self, actor: str, channel_id: str, language: str | None) -> str:
        """Promisebot writes in `channel_id` in `language` from now on (None: the workspace's);
        returns the channel's language now. Only admins may (the caller checks the role)."""
        if language is not None and language not in i18n.LANGUAGES:
            raise i18n.UnknownLanguage(language)
        with write_transaction(self.sessions) as session:
            row = session.get(ChannelLanguageRow, channel_id)
            if language is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(
                    ChannelLanguageRow(
                        channel_id=channel_id, language=language, set_by=actor, set_at=self.clock()
                    )
                )
            else:
                row.language, row.set_by, row.set_at = language, actor, self.clock()
            _audit(session, actor, "channel", channel_id, language)
        return language or self.settings.language


def _audit(session: Session, actor: str, entity: str, entity_id: str, language: str | None) -> None:
    session.add(
        AuditLogRow(
            actor=actor,
            action="language",
            entity=entity,
            entity_id=entity_id,
            detail={"language": language},
        )
    )
