"""The one SQLAlchemy MetaData every warehouse table hangs off, and the column shapes tables share.

A naming convention makes constraint names stable, so Alembic diffs stay clean.
"""

from sqlalchemy import Column, DateTime, MetaData, Text, func

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def timestamp(name: str, **kwargs: object) -> Column:
    """A timezone-aware timestamp column."""
    return Column(name, DateTime(timezone=True), **kwargs)


def stamped_now(name: str) -> Column:
    """A timestamp column that is never null and defaults to the time of the insert."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


def synced_at() -> Column:
    """When the sync last wrote the row (`_fivetran_synced` in the Fivetran-compatible schema)."""
    return stamped_now("synced_at")


def opportunity_id() -> Column:
    """The opportunity a per-opportunity row belongs to (indexed: every fan-out replaces by it)."""
    return Column("opportunity_id", Text, nullable=False, index=True)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
