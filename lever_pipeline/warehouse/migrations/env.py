"""Alembic environment: runs migrations on a connection handed in by `migrate.py`,
or, from the `alembic` command line, on the warehouse the settings name."""

from alembic import context

from lever_pipeline.warehouse.migrate import VERSION_TABLE
from lever_pipeline.warehouse.tables import metadata

config = context.config


def _ours(name: str | None, type_: str, parent_names: dict) -> bool:
    """Compare only our tables: Dagster's run storage and dbt's models share this database."""
    if type_ == "table":
        return name in metadata.tables
    return True


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        version_table=VERSION_TABLE,
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from lever_pipeline.settings import get_settings
    from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url

    settings = get_settings()
    engine = create_warehouse_engine(warehouse_url(settings.warehouse_url, settings.lever_pipeline_home))
    with engine.connect() as conn:
        _run(conn)
