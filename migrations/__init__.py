"""Alembic environment: the only way promisebot's schema changes (see bot.db.session.upgrade)."""
