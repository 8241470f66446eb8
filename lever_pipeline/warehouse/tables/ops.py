"""Lever call metrics: one row per minute x endpoint family x outcome, and the recent failures.

Every process's clients count their requests in memory and add them to these rows about
once a minute (`ops/recorder.py`), so the health of the integration, `/ops` and
`/metrics` read the same figures whichever process or worker made the calls. Rows are
kept 30 days. Nothing here holds a key, a query string or personal data: a family is a
method and a path with every id replaced by `:id`.
"""

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Float, Identity, Index, Integer, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY

from lever_pipeline.warehouse.tables.base import metadata

CALL_OUTCOMES = ("ok", "4xx", "401/403", "429", "5xx", "timeout", "dropped")
"""ok: 2xx; 4xx: another answer Lever gave (400, 404, 409...); the rest: failures."""

lever_api_calls = Table(
    "lever_api_calls",
    metadata,
    Column("minute", DateTime(timezone=True), primary_key=True, comment="The minute the calls ended in (UTC)."),
    Column(
        "family",
        Text,
        primary_key=True,
        comment="Method and path with ids as `:id`, e.g. GET /opportunities/:id/feedback.",
    ),
    Column("outcome", Text, primary_key=True),
    Column("status_class", Text, nullable=False, comment="2xx, 4xx, 5xx, or none (no answer)."),
    Column("calls", BigInteger, nullable=False, comment="Attempts: every retry is a call of its own."),
    Column("retries", BigInteger, nullable=False, server_default="0", comment="Of those, attempts that were retries."),
    Column("latency_ms_sum", Float, nullable=False),
    Column("latency_ms_max", Float, nullable=False),
    Column(
        "latency_buckets",
        ARRAY(BigInteger),
        nullable=False,
        comment="Calls per latency bucket (account.call_metrics.LATENCY_BOUNDS_S, then the overflow), not cumulative.",
    ),
    Column("last_at", DateTime(timezone=True), nullable=False, comment="When the last of these calls ended."),
    CheckConstraint("outcome IN ('ok', '4xx', '401/403', '429', '5xx', 'timeout', 'dropped')", name="outcome"),
    comment="Lever requests per minute, endpoint family and outcome, with latency; kept 30 days.",
)

lever_api_failures = Table(
    "lever_api_failures",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("family", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("status", Integer, comment="HTTP status; NULL when no answer came (timeout, dropped)."),
    Column(
        "message", Text, comment="Lever's error code and message with emails and ids masked, at most 200 characters."
    ),
    comment="Recent failed Lever requests (at most a few per process per minute); kept 30 days.",
)
Index("ix_lever_api_failures_at", lever_api_failures.c.at)
