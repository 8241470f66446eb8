"""All warehouse tables, registered on one MetaData (`metadata`).

Importing this package imports every table module, so Alembic and tests see them all.
"""

from lever_pipeline.warehouse.tables import (  # noqa: F401  (registers every table module)
    account,
    automation,
    candidacy,
    core,
    credentials,
    feedback,
    ops,
    ratelimit,
    requisitions,
    webhooks,
    writeback,
)
from lever_pipeline.warehouse.tables.automation import automation_decisions, automation_rule_versions, automation_rules
from lever_pipeline.warehouse.tables.base import metadata
from lever_pipeline.warehouse.tables.candidacy import (
    lever_applications,
    lever_panels,
    lever_profile_forms,
    lever_referrals,
    profile_form_field_values,
)
from lever_pipeline.warehouse.tables.core import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_stages,
    lever_users,
    sync_state,
)
from lever_pipeline.warehouse.tables.credentials import lever_credentials
from lever_pipeline.warehouse.tables.ops import lever_api_calls, lever_api_failures
from lever_pipeline.warehouse.tables.requisitions import (
    lever_requisition_fields,
    lever_requisitions,
    requisition_custom_field_values,
)

__all__ = [
    "automation_decisions",
    "automation_rule_versions",
    "automation_rules",
    "core",
    "lever_api_calls",
    "lever_api_failures",
    "lever_applications",
    "lever_archive_reasons",
    "lever_credentials",
    "lever_opportunities",
    "lever_panels",
    "lever_postings",
    "lever_profile_forms",
    "lever_referrals",
    "lever_requisition_fields",
    "lever_requisitions",
    "lever_stages",
    "lever_users",
    "metadata",
    "profile_form_field_values",
    "requisition_custom_field_values",
    "sync_state",
]
