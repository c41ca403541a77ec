"""Alembic environment: runs the migrations on the URL that ``openrvu.tracker.db.migrate`` passes."""

from __future__ import annotations

from alembic import context

from openrvu.tracker.db import make_engine
from openrvu.tracker.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: run migrations through openrvu.tracker.db.migrate(url)")

engine = make_engine(url)
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            # SQLite cannot ALTER most things; batch mode rebuilds the table instead
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
