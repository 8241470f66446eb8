from alembic import command
from sqlalchemy import Engine, create_engine, inspect

from lever_pipeline.warehouse import migrate


def test_migrations_upgrade_downgrade_upgrade_on_empty_database(test_database_url) -> None:
    scratch = create_engine(test_database_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{test_database_url.database}_mig"
    with scratch.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(test_database_url.set(database=name))
    try:
        assert migrate.upgrade(engine)  # from empty: something applied
        assert "lever_opportunities" in inspect(engine).get_table_names()
        assert not migrate.pending(engine)
        assert migrate.upgrade(engine) == []  # idempotent
        migrate.downgrade(engine)
        assert [t for t in inspect(engine).get_table_names() if t != migrate.VERSION_TABLE] == []
        migrate.upgrade(engine)
        assert not migrate.pending(engine)
    finally:
        engine.dispose()
        with scratch.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        scratch.dispose()


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
