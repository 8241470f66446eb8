"""Lever credentials kept by the pipeline (OAuth tokens, a stored API key), encrypted.

Revision ID: 0012_credentials
Revises: 0011_api_calls
Create Date: 2026-12-15 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_credentials"
down_revision = "0011_api_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lever_credentials",
        sa.Column("name", sa.Text(), nullable=False, comment="oauth (access and refresh token) or api_key."),
        sa.Column(
            "ciphertext", sa.Text(), nullable=False, comment="Fernet token of the secret JSON; never the clear value."
        ),
        sa.Column("key_id", sa.Text(), nullable=False, comment="sha256 prefix of the encrypting key (not the key)."),
        sa.Column("issued_at", sa.DateTime(timezone=True), comment="When the access token was issued (oauth)."),
        sa.Column("expires_at", sa.DateTime(timezone=True), comment="When the access token expires (oauth)."),
        sa.Column("scope", sa.Text(), comment="The scopes Lever granted (oauth)."),
        sa.Column(
            "refused_at", sa.DateTime(timezone=True), comment="When Lever last refused the refresh token (oauth)."
        ),
        sa.Column("refusal", sa.Text(), comment="Lever's error for that refusal, e.g. invalid_grant; never a token."),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("name IN ('oauth', 'api_key')", name=op.f("ck_lever_credentials_name")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_lever_credentials")),
        comment="Lever credentials kept by the pipeline, encrypted with LEVER_PIPELINE_SECRET_KEY.",
    )


def downgrade() -> None:
    op.drop_table("lever_credentials")
