"""The Slack app assembled and served: its composition root, server and background work.

`bot.app.assembly` is the one place that knows every service and every listener; `server` serves
the app over HTTP or Socket Mode; `background` delivers the outbox and runs `jobs` while this
process holds the scheduler lease.
"""

from bot.app.assembly import Services, build_app, web_client

__all__ = ["Services", "build_app", "web_client"]
