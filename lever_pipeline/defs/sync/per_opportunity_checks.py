"""Asset checks on feedback and interviews: templates exist, values fit their types, opportunities exist.

The queries live in `sync/per_opportunity_checks.py`; these functions only phrase the verdict.
"""

from __future__ import annotations

import dagster as dg

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.sync import per_opportunity_checks as queries
from lever_pipeline.sync.checks import Finding


def _result(finding: Finding, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=finding.passed,
        severity=severity,
        metadata={"offending_rows": finding.count, "examples": ", ".join(finding.examples) or "-"},
    )


@dg.asset_check(
    asset=["lever", "feedback"],
    description="Every feedback form's template is a stored feedback template (write-back validates against it).",
)
def feedback_has_known_template(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _result(queries.feedback_with_unknown_template(warehouse.engine()), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=["lever", "feedback"],
    description="Every field value fits its field type (parses, is one of the field's options, scores 1-4).",
)
def feedback_field_values_valid(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _result(queries.invalid_field_values(warehouse.engine()), dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=["lever", "interviews"], description="Every interview's opportunity is a stored opportunity.")
def interviews_have_known_opportunity(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _result(queries.interviews_with_unknown_opportunity(warehouse.engine()), dg.AssetCheckSeverity.ERROR)


PER_OPPORTUNITY_CHECKS = [feedback_has_known_template, feedback_field_values_valid, interviews_have_known_opportunity]
