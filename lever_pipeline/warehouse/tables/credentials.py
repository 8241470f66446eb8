"""Credentials the pipeline keeps itself: OAuth tokens, and an API key stored rather than set.

Each row's secret part is one Fernet token (`account/credentials.py`): encrypted and
authenticated with a key from LEVER_PIPELINE_SECRET_KEY, which never enters the warehouse.
What is not secret (when an access token expires, the scopes granted, which key encrypted
the row) sits beside it in clear, so `/ops` and `auth status` can report it without
decrypting anything.
"""

from sqlalchemy import CheckConstraint, Column, DateTime, Table, Text, func

from lever_pipeline.warehouse.tables.base import metadata

CREDENTIAL_NAMES = ("oauth", "api_key")

lever_credentials = Table(
    "lever_credentials",
    metadata,
    Column("name", Text, primary_key=True, comment="oauth (access and refresh token) or api_key."),
    Column("ciphertext", Text, nullable=False, comment="Fernet token of the secret JSON; never the clear value."),
    Column("key_id", Text, nullable=False, comment="sha256 prefix of the encrypting key (not the key)."),
    Column("issued_at", DateTime(timezone=True), comment="When the access token was issued (oauth)."),
    Column("expires_at", DateTime(timezone=True), comment="When the access token expires (oauth)."),
    Column("scope", Text, comment="The scopes Lever granted (oauth)."),
    Column("refused_at", DateTime(timezone=True), comment="When Lever last refused the refresh token (oauth)."),
    Column("refusal", Text, comment="Lever's error for that refusal, e.g. invalid_grant; never a token."),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("name IN ('oauth', 'api_key')", name="name"),
    comment="Lever credentials kept by the pipeline, encrypted with LEVER_PIPELINE_SECRET_KEY.",
)
