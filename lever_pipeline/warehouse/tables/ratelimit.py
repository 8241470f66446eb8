"""The shared rate-limit buckets: one row per API key (by hash), holding GCRA's arrival time."""

from sqlalchemy import Column, DateTime, Float, Table, Text, func

from lever_pipeline.warehouse.tables.base import metadata

rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("bucket", Text, primary_key=True, comment="lever:<sha256 of the API key>, never the key"),
    Column("tat", Float, nullable=False, comment="theoretical arrival time of the next request, epoch seconds"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="Token buckets shared by every process using the same Lever key.",
)
