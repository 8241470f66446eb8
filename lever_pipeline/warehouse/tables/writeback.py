"""Write-back tables: feedback drafts under review, the outbox of queued Lever writes, the
audit trail of every attempt and decision, and the circuit breaker's state.

A draft moves `draft -> approved -> submitted | failed` (an edit sends it back to `draft`);
approving it queues one `lever_outbox` row of kind `feedback`. Every other write (notes, tags,
stage changes, archiving, files) is an outbox row of its own kind. The circuit breaker lives
here so an open circuit holds across job runs and processes.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, one_of, stamped_now, timestamp

DRAFT_STATUSES = ("draft", "approved", "submitted", "failed")
OUTBOX_KINDS = ("feedback", "note", "add_tags", "remove_tags", "stage_change", "archive", "file")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


feedback_drafts = Table(
    "feedback_drafts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("opportunity_id", Text, nullable=False),
    Column("template_id", Text, nullable=False),
    timestamp("template_updated_at", comment="The template's updatedAt when the draft was made (the version seen)."),
    Column("interviewer_email", Text),
    Column("interview_id", Text),
    Column("panel_id", Text),
    Column("field_values", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("status", Text, nullable=False, server_default="draft"),
    Column("revision", Integer, nullable=False, server_default="1", comment="Bumped on every edit."),
    Column("lever_feedback_id", Text),
    Column("last_error", Text),
    Column("approved_by", Text),
    timestamp("approved_at"),
    timestamp("submitted_at"),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    CheckConstraint(one_of("status", DRAFT_STATUSES), name="status"),
    comment="One row per interview feedback draft awaiting review or submitted to Lever.",
)
Index("ix_feedback_drafts_status", feedback_drafts.c.status)
Index("ix_feedback_drafts_opportunity_id", feedback_drafts.c.opportunity_id)

lever_outbox = Table(
    "lever_outbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("opportunity_id", Text, nullable=False),
    Column("draft_id", BigInteger, ForeignKey("feedback_drafts.id", ondelete="CASCADE")),
    Column("payload", JSONB, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    stamped_now("next_attempt_at"),
    Column(
        "ambiguous",
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="An earlier attempt may have reached Lever: check Lever before sending again.",
    ),
    Column("claim_token", Text),
    timestamp("claimed_until"),
    Column("lever_result_id", Text),
    Column("last_error", Text),
    timestamp("sent_at"),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    CheckConstraint(one_of("kind", OUTBOX_KINDS), name="kind"),
    CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status"),
    comment="One row per queued write to Lever, sent at most once per success.",
)
Index("ix_lever_outbox_status_next_attempt_at", lever_outbox.c.status, lever_outbox.c.next_attempt_at)

writeback_audit = Table(
    "writeback_audit",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    stamped_now("at"),
    Column("outbox_id", BigInteger),
    Column("draft_id", BigInteger),
    Column("kind", Text),
    Column("action", Text, nullable=False),
    Column("attempt", Integer),
    Column("request_summary", JSONB, comment="Method, path and ids only: never text or personal data."),
    Column("outcome", Text),
    Column("run_id", Text),
    comment="One row per write-back attempt or decision (sent, dry run, retry, failure, circuit open...).",
)
Index("ix_writeback_audit_outbox_id", writeback_audit.c.outbox_id)
Index("ix_writeback_audit_draft_id", writeback_audit.c.draft_id)

writeback_circuit = Table(
    "writeback_circuit",
    metadata,
    Column("name", Text, primary_key=True),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    timestamp("opened_at"),
    timestamp("open_until"),
    stamped_now("updated_at"),
    comment="Circuit breaker state per target; open while open_until is in the future.",
)
