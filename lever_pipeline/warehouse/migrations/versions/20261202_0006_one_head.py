"""Join the area branches (rate limit, feedback, webhooks, write-back) into one head.

From here on history is linear: a new revision revises the one head, so `upgrade head`
and `revision --autogenerate` work without naming a branch. The earlier revisions stay
as they were, so a warehouse at the four old heads upgrades onto this one.

Revision ID: 0006_one_head
Revises: 0002_rate_limit, 0003_feedback, 0004a_webhook_claims, 0005_writeback
Create Date: 2026-12-02 02:39:11.887780
"""

revision = "0006_one_head"
down_revision = ("0002_rate_limit", "0003_feedback", "0004a_webhook_claims", "0005_writeback")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """No schema change: the revision only merges the branches."""


def downgrade() -> None:
    """No schema change: stepping down splits the history back into its branches."""
