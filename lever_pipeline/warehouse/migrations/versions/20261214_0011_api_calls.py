"""Lever call metrics: requests per minute, endpoint family and outcome, and recent failures.

Revision ID: 0011_api_calls
Revises: 0010_automation
Create Date: 2026-12-14 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_api_calls"
down_revision = "0010_automation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lever_api_calls",
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False, comment="The minute the calls ended in (UTC)."),
        sa.Column(
            "family",
            sa.Text(),
            nullable=False,
            comment="Method and path with ids as `:id`, e.g. GET /opportunities/:id/feedback.",
        ),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("status_class", sa.Text(), nullable=False, comment="2xx, 4xx, 5xx, or none (no answer)."),
        sa.Column("calls", sa.BigInteger(), nullable=False, comment="Attempts: every retry is a call of its own."),
        sa.Column(
            "retries",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="Of those, attempts that were retries.",
        ),
        sa.Column("latency_ms_sum", sa.Float(), nullable=False),
        sa.Column("latency_ms_max", sa.Float(), nullable=False),
        sa.Column(
            "latency_buckets",
            postgresql.ARRAY(sa.BigInteger()),
            nullable=False,
            comment=(
                "Calls per latency bucket (account.call_metrics.LATENCY_BOUNDS_S, then the overflow), not cumulative."
            ),
        ),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False, comment="When the last of these calls ended."),
        sa.CheckConstraint(
            "outcome IN ('ok', '4xx', '401/403', '429', '5xx', 'timeout', 'dropped')",
            name=op.f("ck_lever_api_calls_outcome"),
        ),
        sa.PrimaryKeyConstraint("minute", "family", "outcome", name=op.f("pk_lever_api_calls")),
        comment="Lever requests per minute, endpoint family and outcome, with latency; kept 30 days.",
    )
    op.create_table(
        "lever_api_failures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "status", sa.Integer(), nullable=True, comment="HTTP status; NULL when no answer came (timeout, dropped)."
        ),
        sa.Column(
            "message",
            sa.Text(),
            nullable=True,
            comment="Lever's error code and message with emails and ids masked, at most 200 characters.",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_api_failures")),
        comment="Recent failed Lever requests (at most a few per process per minute); kept 30 days.",
    )
    op.create_index("ix_lever_api_failures_at", "lever_api_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_lever_api_failures_at", table_name="lever_api_failures")
    op.drop_table("lever_api_failures")
    op.drop_table("lever_api_calls")
