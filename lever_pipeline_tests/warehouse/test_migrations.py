"""The Alembic history: one head, upgrade/downgrade/upgrade on real PostgreSQL, and `alembic check`."""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import URL

from lever_pipeline.warehouse import migrate

# The heads before `0006_one_head` joined them: warehouses deployed then sit at these.
BRANCH_HEADS = ("0002_rate_limit", "0003_feedback", "0004a_webhook_claims", "0005_writeback")


@contextmanager
def _empty_database(test_database_url: URL, suffix: str) -> Iterator[Engine]:
    scratch = create_engine(test_database_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{test_database_url.database}_{suffix}"
    with scratch.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(test_database_url.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with scratch.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        scratch.dispose()


def test_migrations_have_exactly_one_head() -> None:
    """History is linear from the merge on: `alembic upgrade head` and autogenerate need no branch name."""
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a revision that revises the one head"


def test_migrations_upgrade_downgrade_upgrade_on_empty_database(test_database_url) -> None:
    with _empty_database(test_database_url, "mig") as engine:
        applied = migrate.upgrade(engine)  # from empty: every revision, oldest first
        head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
        assert applied[0] == "0001_core" and applied[-1] == head
        assert "lever_opportunities" in inspect(engine).get_table_names()
        assert not migrate.pending(engine)
        assert migrate.upgrade(engine) == []  # idempotent
        migrate.downgrade(engine)
        assert [t for t in inspect(engine).get_table_names() if t != migrate.VERSION_TABLE] == []
        migrate.upgrade(engine)
        assert not migrate.pending(engine)


def test_migrations_upgrade_a_warehouse_left_at_the_branch_heads(test_database_url) -> None:
    """A warehouse migrated before the merge (`upgrade heads`) moves onto the one head."""
    with _empty_database(test_database_url, "mig_branches") as engine:
        for head in BRANCH_HEADS:
            migrate.upgrade(engine, head)
        assert migrate.pending(engine)
        assert migrate.upgrade(engine)[0] == "0006_one_head"  # the merge first; no table rebuilt
        assert not migrate.pending(engine)


def test_migrations_match_table_definitions(engine: Engine) -> None:
    """`alembic check`: the models and the migrations describe the same schema."""
    cfg = migrate.alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)


def test_check_ignores_tables_that_are_not_ours(engine: Engine) -> None:
    """Dagster's run storage and dbt's models live in the same database; they are not drift."""
    cfg = migrate.alembic_config()
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE runs_of_someone_else (id bigint PRIMARY KEY)")
        try:
            cfg.attributes["connection"] = conn
            command.check(cfg)
        finally:
            conn.rollback()
