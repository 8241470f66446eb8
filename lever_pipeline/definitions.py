"""The one Dagster entry point: every asset, check, job, schedule, sensor and resource, by name.

`workspace.yaml` and `pyproject.toml` ([tool.dagster]) load this module. Nothing here
reads the environment: the resources read the settings when a run launches (the one
exception, the dbt rebuild interval, is a sensor's property, read by `defs/dbt.py` on load).
"""

import dagster as dg

from lever_pipeline.defs.automation.assets import AUTOMATION_ASSETS, AUTOMATION_SENSORS
from lever_pipeline.defs.celery import lever_sync_on_celery
from lever_pipeline.defs.dbt import build_dbt_assets, build_dbt_automation_sensor, dbt_resource
from lever_pipeline.defs.ops.checks import OPS_CHECKS, OPS_SENSORS
from lever_pipeline.defs.pipeline import lever_sync_and_build
from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.candidacy_assets import CANDIDACY_ASSETS
from lever_pipeline.defs.sync.candidacy_checks import CANDIDACY_CHECKS
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.core_checks import CORE_CHECKS
from lever_pipeline.defs.sync.core_schedules import CORE_JOBS, CORE_SCHEDULES
from lever_pipeline.defs.sync.per_opportunity_assets import PER_OPPORTUNITY_ASSETS
from lever_pipeline.defs.sync.per_opportunity_checks import PER_OPPORTUNITY_CHECKS
from lever_pipeline.defs.sync.per_opportunity_schedules import PER_OPPORTUNITY_JOBS, PER_OPPORTUNITY_SCHEDULES
from lever_pipeline.defs.sync.requisition_assets import REQUISITION_ASSETS
from lever_pipeline.defs.sync.requisition_checks import REQUISITION_CHECKS
from lever_pipeline.defs.webhooks.jobs import WEBHOOK_JOBS, WEBHOOK_SCHEDULES
from lever_pipeline.defs.webhooks.sensors import WEBHOOK_SENSORS
from lever_pipeline.defs.writeback.jobs import WRITEBACK_JOBS, WRITEBACK_SENSORS

defs = dg.Definitions(
    assets=[
        *CORE_ASSETS,
        *REQUISITION_ASSETS,
        *PER_OPPORTUNITY_ASSETS,
        *CANDIDACY_ASSETS,
        *AUTOMATION_ASSETS,
        build_dbt_assets(),
    ],
    asset_checks=[*CORE_CHECKS, *REQUISITION_CHECKS, *PER_OPPORTUNITY_CHECKS, *CANDIDACY_CHECKS, *OPS_CHECKS],
    jobs=[
        *CORE_JOBS,
        *PER_OPPORTUNITY_JOBS,
        *WRITEBACK_JOBS,
        lever_sync_on_celery,
        *WEBHOOK_JOBS,
        lever_sync_and_build,
    ],
    schedules=[*CORE_SCHEDULES, *PER_OPPORTUNITY_SCHEDULES, *WEBHOOK_SCHEDULES],
    sensors=[*WRITEBACK_SENSORS, *WEBHOOK_SENSORS, build_dbt_automation_sensor(), *AUTOMATION_SENSORS, *OPS_SENSORS],
    resources={
        "lever": LeverResource(),
        "warehouse": WarehouseResource(),
        "dbt": dbt_resource(),
    },
)
