"""Runs the Alembic migrations: the only way the warehouse schema is created or changed.

Every entry point that needs the schema calls `upgrade()` first. It is idempotent and
safe under concurrency: a PostgreSQL advisory lock lets one process migrate while the
others wait, then find nothing left to do.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 0x1E7E4_0001  # any constant shared by every lever-pipeline process
VERSION_TABLE = "lever_alembic_version"
"""Not Alembic's default `alembic_version`: Dagster's instance storage keeps its own
Alembic revision there, in the same database."""


def alembic_config() -> Config:
    """An Alembic config pointing at the package's migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Bring the schema to `revision` (default: the one head); return the revisions applied, oldest first."""
    cfg = alembic_config()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        before = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_heads()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_heads()
    applied = ScriptDirectory.from_config(cfg).iterate_revisions(after, before)
    return [script.revision for script in reversed(list(applied))]


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Step the schema down to `revision` (default: empty)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def pending(engine: Engine) -> bool:
    """True when the database is not at the head of the migration scripts."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_heads())
    return current != heads
