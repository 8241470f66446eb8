"""Asset checks on the core tables: keys, referential integrity, freshness.

The queries live in `sync/checks.py`; these functions only phrase the verdict.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
from sqlalchemy import Table

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.sync import checks as queries
from lever_pipeline.sync.freshness import allowed_age
from lever_pipeline.warehouse.tables import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_stages,
    lever_users,
)

# How stale each stream may be before its freshness check warns (`sync/freshness.py`).
FRESHNESS = {name: allowed_age(name) for name in ("stages", "archive_reasons", "users", "postings", "opportunities")}


def result(finding: queries.Finding, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=finding.passed,
        severity=severity,
        metadata={"offending_rows": finding.count, "examples": ", ".join(finding.examples) or "-"},
    )


def unique_ids_check(name: str, table: Table) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=["lever", name], name="ids_unique_and_present", description=f"{table.name}.id is unique")
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return result(queries.duplicate_or_null_ids(warehouse.engine(), table), dg.AssetCheckSeverity.ERROR)

    return check


def freshness_check(name: str, window: timedelta) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=["lever", name],
        name="fresh",
        description=f"The {name} stream synced successfully within the last {window}.",
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        last = queries.last_success(warehouse.engine(), name)
        age = (datetime.now(UTC) - last) if last else None
        return dg.AssetCheckResult(
            passed=age is not None and age <= window,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "last_success_at": dg.MetadataValue.timestamp(last) if last else "never",
                "allowed_age_minutes": int(window.total_seconds() // 60),
            },
        )

    return check


@dg.asset_check(
    asset=["lever", "opportunities"], blocking=True, description="Every opportunity's stage is a known stage."
)
def opportunities_have_known_stage(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.opportunities_with_unknown_stage(warehouse.engine()), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset=["lever", "opportunities"], description="Every opportunity's owner is a known user.")
def opportunities_have_known_owner(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.opportunities_with_unknown_owner(warehouse.engine()), dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=["lever", "opportunities"], description="Every posting an opportunity applied to is known.")
def opportunities_have_known_postings(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.opportunities_with_unknown_posting(warehouse.engine()), dg.AssetCheckSeverity.WARN)


_TABLES = {
    "stages": lever_stages,
    "archive_reasons": lever_archive_reasons,
    "users": lever_users,
    "postings": lever_postings,
    "opportunities": lever_opportunities,
}

CORE_CHECKS = [
    *[unique_ids_check(name, table) for name, table in _TABLES.items()],
    *[freshness_check(name, window) for name, window in FRESHNESS.items()],
    opportunities_have_known_stage,
    opportunities_have_known_owner,
    opportunities_have_known_postings,
]
