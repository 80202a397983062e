"""Settings read once from the environment; nothing else in promisebot reads os.environ."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.platform import i18n

DEFAULT_DATABASE_URL = "sqlite:///promisebot.db"

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """How this promisebot runs. Build it with `Settings.from_env(os.environ)`."""

    database_url: str = DEFAULT_DATABASE_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    """When set, the app connects over Socket Mode instead of serving HTTP."""
    slack_api_url: str | None = None
    """Base URL of the Slack Web API; the sandbox and tests point it at a fake."""
    timezone: str = "UTC"
    """The factory's time zone: dates are factory-local calendar days."""
    as_of: date | None = None
    """Fixes the planning date (tests, demos); None means today in `timezone`."""
    as_of_started: datetime | None = None
    """The machine's time at which the fixed day's 09:00 was (replicas given the same one share
    a clock); None means when each process starts."""
    holidays_country: str | None = None
    horizon_days: int = 365
    hold_hours: int = 24
    ops_channel: str | None = None
    digest_channel: str | None = None
    admins: tuple[str, ...] = ()
    """Slack user ids that are admins from the start."""
    port: int = 3000
    language: str = "en"
    """The workspace's language (PROMISEBOT_LANGUAGE): for people who chose none and whose Slack
    locale promisebot does not speak, and for channels an admin gave no language."""

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read settings from `env`; a bad value raises ValueError naming its variable.

        Empty values count as unset, so `FOO=` in a .env file means "use the default".
        """

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def parsed(name: str, parse: Callable[[str], T], default: T, what: str) -> T:
            value = text(name)
            if value is None:
                return default
            try:
                return parse(value)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not {what}") from None

        timezone = text("PROMISEBOT_TIMEZONE") or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"PROMISEBOT_TIMEZONE={timezone!r} is not a time zone (try Europe/Berlin or UTC)"
            ) from None

        horizon_days = parsed("PROMISEBOT_HORIZON_DAYS", _positive_int, 365, "a whole number ≥ 1")
        hold_hours = parsed("PROMISEBOT_HOLD_HOURS", _positive_int, 24, "a whole number ≥ 1")
        port = parsed("PORT", _port, 3000, "a port number (1–65535)")
        as_of = parsed("PROMISEBOT_AS_OF", date.fromisoformat, None, "a date like 2026-11-23")
        as_of_started = parsed(
            "PROMISEBOT_AS_OF_STARTED",
            _aware,
            None,
            "a moment with its offset, like 2026-12-01T08:00:00+00:00",
        )
        holidays_country = text("PROMISEBOT_HOLIDAYS")
        if holidays_country is not None:
            import holidays  # imported here: it is slow to import and most runs do not need it

            holidays_country = holidays_country.upper()
            if holidays_country not in holidays.list_supported_countries():
                raise ValueError(
                    f"PROMISEBOT_HOLIDAYS={holidays_country!r} is not a country code the holidays "
                    "package knows (try US, DE, GB)"
                )
        admins = tuple(
            admin.strip() for admin in (text("PROMISEBOT_ADMINS") or "").split(",") if admin.strip()
        )
        language = parsed(
            "PROMISEBOT_LANGUAGE", i18n.parse_language, "en", f"one of {', '.join(i18n.LANGUAGES)}"
        )
        return cls(
            database_url=text("DATABASE_URL") or DEFAULT_DATABASE_URL,
            slack_bot_token=text("SLACK_BOT_TOKEN"),
            slack_signing_secret=text("SLACK_SIGNING_SECRET"),
            slack_app_token=text("SLACK_APP_TOKEN"),
            slack_api_url=text("SLACK_API_URL"),
            timezone=timezone,
            as_of=as_of,
            as_of_started=as_of_started,
            holidays_country=holidays_country,
            horizon_days=horizon_days,
            hold_hours=hold_hours,
            ops_channel=text("PROMISEBOT_OPS_CHANNEL"),
            digest_channel=text("PROMISEBOT_DIGEST_CHANNEL"),
            admins=admins,
            port=port,
            language=language,
        )


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _port(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(value)
    return number
