"""Tables for requisitions (Lever's headcount plans), their custom fields, and the field definitions.

Grains: one row per requisition; one per requisition field (the account's custom field
definitions); one per requisition x custom field it has a value for, typed by the field's
type. Requisitions are read in full every run (Lever's list has no `updated_at` filter),
so `deleted_at` is set on rows a run no longer sees.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, synced_at, timestamp

lever_requisitions = Table(
    "lever_requisitions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("requisition_code", Text, index=True),
    Column("name", Text),
    Column("status", Text, comment="open, onHold, closed or draft, as Lever sends it."),
    Column("confidentiality", Text),
    Column("backfill", Boolean),
    Column("headcount_total", Integer, comment="NULL when the headcount is unlimited (`headcount_infinite`)."),
    Column("headcount_infinite", Boolean, nullable=False, server_default="false"),
    Column("headcount_hired", Integer),
    Column("employment_status", Text),
    Column("location", Text),
    Column("team", Text),
    Column("department", Text),
    Column("owner_id", Text),
    Column("hiring_manager_id", Text),
    Column("creator_id", Text),
    Column("compensation_min", Numeric),
    Column("compensation_max", Numeric),
    Column("compensation_currency", Text),
    Column("compensation_interval", Text),
    Column("posting_ids", ARRAY(Text), comment="Postings that hire against this requisition."),
    Column("offer_ids", ARRAY(Text), comment="Offers made against this requisition."),
    timestamp("time_to_fill_start_at"),
    timestamp("time_to_fill_end_at"),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("closed_at"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment=(
        "One row per requisition (confidential ones when the key may read them); custom field values "
        "typed in requisition_custom_field_values, the full object in `raw`."
    ),
)

lever_requisition_fields = Table(
    "lever_requisition_fields",
    metadata,
    Column("id", Text, primary_key=True),
    Column("text", Text),
    Column("type", Text, comment="number, text, date, object or dropdown."),
    Column("is_required", Boolean),
    Column("options", JSONB, comment="A dropdown's options."),
    Column("subfields", JSONB, comment="An object field's subfields."),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per requisition custom field the account defines.",
)

requisition_custom_field_values = Table(
    "requisition_custom_field_values",
    metadata,
    Column("requisition_id", Text, nullable=False),
    Column("field_id", Text, nullable=False, index=True),
    Column("field_type", Text, comment="The field's type in lever_requisition_fields when the value was written."),
    Column("value_text", Text, comment="text and dropdown values."),
    Column("value_number", Numeric, comment="number values."),
    Column("value_date", DateTime(timezone=True), comment="date values (Lever's epoch ms)."),
    Column("value", JSONB, comment="The value exactly as Lever sent it (object fields keep their subfields here)."),
    synced_at(),
    PrimaryKeyConstraint("requisition_id", "field_id"),
    comment="One row per requisition x custom field with a value, typed by the field's type.",
)
