"""Alembic: the only way promisebot's schema changes (bot.platform.db.session.upgrade)."""
