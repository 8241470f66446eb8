"""The Lever account this warehouse mirrors: one row, written by the first sync.

A warehouse holds one account's rows only. The row names the account by its API base URL
and a hash of the key (or, with OAuth, Lever's account id), never the key itself, so a
sync against another account can be refused before it writes anything.
"""

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Table, Text, func

from lever_pipeline.warehouse.tables.base import metadata

lever_account = Table(
    "lever_account",
    metadata,
    Column("singleton", Boolean, primary_key=True, server_default="true", comment="Always true: one row."),
    Column("base_url", Text, nullable=False, comment="Lever API base URL the rows came from."),
    Column(
        "key_fingerprint", Text, nullable=False, comment="sha256 of the API key (never the key), or oauth:<account id>."
    ),
    Column("label", Text, nullable=False, comment="How messages name the account: host and a short fingerprint."),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("singleton", name="one_row"),
    comment="The one Lever account this warehouse mirrors.",
)
