"""Which URLs are Slack's: a response_url kept in a form's private metadata is posted to only if
it is one (Slack's hooks over HTTPS, or the fake Web API's host in the sandbox and tests)."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.platform.settings import Settings

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
"""Where Slack's response_urls point (GovSlack has its own)."""


def is_slack_response_url(url: object, settings: Settings) -> bool:
    """Whether `url` is a response_url Slack could have issued: `https://hooks.slack.com/…`, or
    on the same scheme, host and port as SLACK_API_URL when that is set (a local fake)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username or parts.password:
        return False
    if parts.scheme == "https" and parts.hostname in SLACK_HOOK_HOSTS and port in (None, 443):
        return True
    if settings.slack_api_url:
        api = urlsplit(settings.slack_api_url)
        same = (parts.scheme, parts.hostname, port) == (api.scheme, api.hostname, api.port)
        return same and parts.hostname is not None
    return False
