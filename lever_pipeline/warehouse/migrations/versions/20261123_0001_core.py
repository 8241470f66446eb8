"""Core Lever tables, sync state, and the seeds' candidate / position views.

The views give the seed-001 §4 mappings over the raw tables, so they can never drift
from the synced rows.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-23 06:04:31.196054
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


CANDIDATES = """
CREATE VIEW candidates AS
SELECT o.id AS lever_opportunity_id,
       o.contact_id AS lever_contact_id,
       o.raw->>'name' AS full_name,
       o.raw->>'headline' AS headline,
       o.raw->'emails'->>0 AS email,
       o.raw->'phones'->0->>'value' AS phone,
       o.raw->>'location' AS location,
       o.stage_id AS current_stage_id,
       o.origin AS source_type,
       o.sources,
       o.tags,
       o.owner_id AS owner_lever_user_id,
       o.archived_reason_id,
       ar.text AS archived_reason,
       o.archived_at,
       o.created_at AS lever_created_at,
       o.updated_at AS lever_updated_at
FROM lever_opportunities o
LEFT JOIN lever_archive_reasons ar ON ar.id = o.archived_reason_id
WHERE o.deleted_at IS NULL
"""

CANDIDATE_POSTINGS = """
CREATE VIEW candidate_postings AS
SELECT o.id AS lever_opportunity_id, p.posting_id AS lever_posting_id
FROM lever_opportunities o
CROSS JOIN LATERAL unnest(o.posting_ids) AS p(posting_id)
WHERE o.deleted_at IS NULL
"""

POSITIONS = """
CREATE VIEW positions AS
SELECT p.id AS lever_posting_id,
       p.text AS title,
       p.state AS status,
       p.team,
       p.department,
       p.location,
       p.commitment,
       p.raw->'content'->>'description' AS description,
       p.raw->'content'->>'descriptionHtml' AS description_html,
       (SELECT string_agg(l->>'content', E'\\n')
          FROM jsonb_array_elements(coalesce(p.raw->'content'->'lists', '[]'::jsonb)) AS l
         WHERE l->>'text' ILIKE '%requirement%') AS requirements,
       (SELECT string_agg(l->>'content', E'\\n')
          FROM jsonb_array_elements(coalesce(p.raw->'content'->'lists', '[]'::jsonb)) AS l
         WHERE l->>'text' ILIKE '%responsibilit%') AS responsibilities,
       p.hiring_manager_id AS hiring_manager_lever_id,
       p.workplace_type,
       p.created_at AS lever_created_at,
       p.updated_at AS lever_updated_at
FROM lever_postings p
"""


def upgrade() -> None:
    op.create_table(
        "lever_archive_reasons",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_archive_reasons")),
        comment="One row per archive reason; `type` is hired or non-hired.",
    )
    op.create_table(
        "lever_opportunities",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=True),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Text(), nullable=True),
        sa.Column("sourced_by_id", sa.Text(), nullable=True),
        sa.Column("confidentiality", sa.Text(), nullable=True),
        sa.Column("is_archived", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("archived_reason_id", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posting_ids", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("tags", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("sources", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_interaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_advanced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_opportunities")),
        comment="One row per Lever opportunity (a candidate's candidacy), keyed by its Lever id.",
    )
    op.create_index(op.f("ix_lever_opportunities_stage_id"), "lever_opportunities", ["stage_id"], unique=False)
    op.create_index(op.f("ix_lever_opportunities_updated_at"), "lever_opportunities", ["updated_at"], unique=False)
    op.create_table(
        "lever_postings",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("commitment", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column("workplace_type", sa.Text(), nullable=True),
        sa.Column("confidentiality", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Text(), nullable=True),
        sa.Column("hiring_manager_id", sa.Text(), nullable=True),
        sa.Column("creator_id", sa.Text(), nullable=True),
        sa.Column("tags", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_postings")),
        comment="One row per job posting in any state.",
    )
    op.create_table(
        "lever_stages",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_stages")),
        comment="One row per pipeline stage, in Lever's order (`position`).",
    )
    op.create_table(
        "lever_users",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("access_role", sa.Text(), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("manager_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_users")),
        comment="One row per Lever user, active or deactivated.",
    )
    op.create_index("ix_lever_users_lower_email", "lever_users", [sa.literal_column("lower(email)")], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("stream", sa.Text(), nullable=False),
        sa.Column("high_water_mark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_full_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_stats", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_sync_state")),
        comment="One row per synced stream: its high-water mark and last successful sync.",
    )
    op.execute(CANDIDATES)
    op.execute(CANDIDATE_POSTINGS)
    op.execute(POSITIONS)


def downgrade() -> None:
    for view in ("positions", "candidate_postings", "candidates"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    op.drop_table("sync_state")
    op.drop_index("ix_lever_users_lower_email", table_name="lever_users")
    op.drop_table("lever_users")
    op.drop_table("lever_stages")
    op.drop_table("lever_postings")
    op.drop_index(op.f("ix_lever_opportunities_updated_at"), table_name="lever_opportunities")
    op.drop_index(op.f("ix_lever_opportunities_stage_id"), table_name="lever_opportunities")
    op.drop_table("lever_opportunities")
    op.drop_table("lever_archive_reasons")
