"""Kept for bot.sandbox.seed, which draws answered requests with it: the views now live beside
their listeners (handlers.operations_views). Remove once the sandbox imports that module."""

from handlers.operations_views import answered_request_message

__all__ = ["answered_request_message"]
