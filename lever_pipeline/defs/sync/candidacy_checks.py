"""Asset checks on applications, panels, referrals and profile forms: what they name exists.

The queries live in `sync/per_opportunity_checks.py`; these functions only phrase the verdict.
"""

from __future__ import annotations

import dagster as dg
from sqlalchemy import Table

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.core_checks import result
from lever_pipeline.sync import per_opportunity_checks as queries
from lever_pipeline.warehouse.tables import lever_applications, lever_panels, lever_profile_forms, lever_referrals


def _known_opportunity_check(name: str, table: Table) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=["lever", name],
        name=f"{name}_have_known_opportunity",
        description=f"Every row of {table.name} belongs to a stored opportunity.",
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return result(queries.children_with_unknown_opportunity(warehouse.engine(), table), dg.AssetCheckSeverity.ERROR)

    return check


@dg.asset_check(asset=["lever", "applications"], description="Every application's posting is a known posting.")
def applications_have_known_posting(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.applications_with_unknown_posting(warehouse.engine()), dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=["lever", "panels"], description="Every interview a panel names is a synced interview.")
def panel_interviews_synced(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return result(queries.panels_with_unsynced_interviews(warehouse.engine()), dg.AssetCheckSeverity.WARN)


CANDIDACY_CHECKS = [
    _known_opportunity_check("applications", lever_applications),
    _known_opportunity_check("panels", lever_panels),
    _known_opportunity_check("referrals", lever_referrals),
    _known_opportunity_check("profile_forms", lever_profile_forms),
    applications_have_known_posting,
    panel_interviews_synced,
]
