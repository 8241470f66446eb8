"""Asset checks on requisitions and requisition fields: keys, freshness, postings and custom fields known.

The queries live in `sync/requisition_checks.py`; these functions only phrase the verdict.
"""

from __future__ import annotations

import dagster as dg

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.core_checks import freshness_check, result, unique_ids_check
from lever_pipeline.sync import requisition_checks as queries
from lever_pipeline.sync.freshness import allowed_age
from lever_pipeline.warehouse.tables import lever_requisition_fields, lever_requisitions


@dg.asset_check(asset=["lever", "requisitions"], description="Every posting a requisition names is a known posting.")
def requisitions_have_known_postings(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.requisitions_with_unknown_posting(warehouse.engine()), dg.AssetCheckSeverity.WARN)


@dg.asset_check(
    asset=["lever", "requisitions"],
    description="Every custom field value belongs to a known requisition field (so it could be typed).",
)
def requisition_custom_fields_known(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.custom_field_values_with_unknown_field(warehouse.engine()), dg.AssetCheckSeverity.WARN)


REQUISITION_CHECKS = [
    unique_ids_check("requisitions", lever_requisitions),
    unique_ids_check("requisition_fields", lever_requisition_fields),
    freshness_check("requisitions", allowed_age("requisitions")),
    freshness_check("requisition_fields", allowed_age("requisition_fields")),
    requisitions_have_known_postings,
    requisition_custom_fields_known,
]
