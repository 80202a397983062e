"""Alembic environment: migrates the database named by the config's sqlalchemy.url.

The config is made in code by `bot.platform.db.session.alembic_config`, so this runs from an
installed package as well as from the repository (where alembic.ini points here for developers).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from bot.platform.db.session import make_engine
from bot.platform.db.tables import Base, UtcDateTime
from bot.platform.scheduler import include_object

config = context.config
if config.config_file_name is not None:  # run by the alembic command with alembic.ini
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones, so revisions never import bot code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        # APScheduler keeps its jobs in a table of its own, which the models do not describe.
        include_object=include_object,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    url = config.get_main_option("sqlalchemy.url")
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=bool(url and url.startswith("sqlite")),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set; use bot.platform.db.session.alembic_config(url)"
    # make_engine: on SQLite, BEGIN is emitted by SQLAlchemy, so the DDL is transactional too.
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # SQLite cannot ALTER most things: batch mode copies the table instead.
            _configure(
                connection=connection,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
