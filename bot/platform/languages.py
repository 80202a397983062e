"""Who reads which language: each person's choice, else their Slack locale, else the workspace's.

A person's language is the one they chose (`/promisebot language vi`, the select on the Home
tab), else the language of their Slack locale when promisebot speaks it (users.info with
`include_locale`, read once and kept in `slack_locales`), else PROMISEBOT_LANGUAGE. A
channel's language is the one an admin gave it (`/promisebot language zh_Hans` typed in it), else
PROMISEBOT_LANGUAGE: everyone in a channel reads the same message, so it is written in the
channel's language, and what only one person sees (ephemeral replies, DMs, forms, Home) in theirs.

`of_user` and `of_channel` read inside a session the caller already has (a service drawing a DM
for an order's owner, a job posting to a channel); `Languages` is the service the app's
middleware and the language command use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.platform import i18n
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import AuditLogRow, ChannelLanguageRow, SlackLocaleRow, UserRow
from bot.platform.settings import Settings

log = logging.getLogger(__name__)


def _chosen(language: str | None, slack_locale: str | None) -> str | None:
    if language in i18n.LANGUAGES:
        return language
    return i18n.from_locale(slack_locale)


def _known(session: Session, user_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """(chosen language, Slack locale) of each of `user_ids` promisebot knows anything of."""
    found: dict[str, tuple[str | None, str | None]] = {}
    if not user_ids:
        return found
    chosen = session.execute(
        sa.select(UserRow.slack_user_id, UserRow.language).where(
            UserRow.slack_user_id.in_(user_ids)
        )
    )
    for user_id, language in chosen:
        found[user_id] = (language, None)
    locales = session.execute(
        sa.select(SlackLocaleRow.slack_user_id, SlackLocaleRow.locale).where(
            SlackLocaleRow.slack_user_id.in_(user_ids)
        )
    )
    for user_id, locale in locales:
        found[user_id] = (found.get(user_id, (None, None))[0], locale)
    return found


def of_user(session: Session, settings: Settings, user_id: str | None) -> str:
    """The language `user_id` reads (the workspace's for nobody or a stranger)."""
    if not user_id:
        return settings.language
    return of_users(session, settings, [user_id])[user_id]


def reading(session: Session, settings: Settings, user_id: str) -> tuple[str, str | None]:
    """The language `user_id` reads, and the one they chose themselves (None: none), read once."""
    known = _known(session, [user_id]).get(user_id, (None, None))
    chosen = known[0] if known[0] in i18n.LANGUAGES else None
    return _chosen(*known) or settings.language, chosen


def of_users(session: Session, settings: Settings, user_ids: Iterable[str]) -> dict[str, str]:
    """The language of each of `user_ids`, in two queries."""
    wanted = sorted({u for u in user_ids if u})
    known = _known(session, wanted)
    return {u: _chosen(*known.get(u, (None, None))) or settings.language for u in wanted}


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
            language, locale = _known(session, [user_id]).get(user_id, (None, None))
        return (language if language in i18n.LANGUAGES else None), i18n.from_locale(locale)

    def for_person(self, user_id: str | None, client: Any | None) -> str:
        """The language of the person acting; their Slack locale is read the first time.

        A Slack error is logged and leaves the locale unread (it is asked again next time);
        meanwhile the workspace's language applies.
        """
        if not user_id:
            return self.settings.language
        with self.sessions() as session:
            known = _known(session, [user_id]).get(user_id)
        if known is not None and (known[0] in i18n.LANGUAGES or known[1] is not None):
            return _chosen(*known) or self.settings.language
        locale = self._slack_locale(user_id, client)
        if locale is None:
            return self.settings.language
        self._remember_locale(user_id, locale)
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
        return locale if isinstance(locale, str) else ""

    def _remember_locale(self, user_id: str, locale: str) -> None:
        with write_transaction(self.sessions) as session:
            row = session.get(SlackLocaleRow, user_id)
            if row is None:
                session.add(SlackLocaleRow(slack_user_id=user_id, locale=locale))
            else:
                row.locale, row.read_at = locale, self.clock()

    def choose(self, user_id: str, language: str | None, client: Any | None = None) -> str:
        """`user_id` reads `language` from now on; None: their Slack locale's again, read anew
        from Slack (they may have changed it since). Returns the language they read now."""
        if language is not None and language not in i18n.LANGUAGES:
            raise i18n.UnknownLanguage(language)
        if language is None and (locale := self._slack_locale(user_id, client)) is not None:
            self._remember_locale(user_id, locale)
        with write_transaction(self.sessions) as session:
            row = session.scalar(sa.select(UserRow).where(UserRow.slack_user_id == user_id))
            if row is None:
                row = UserRow(slack_user_id=user_id, created_at=self.clock())
                session.add(row)
            row.language = language
            _audit(session, user_id, "user", user_id, language)
            session.flush()
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
