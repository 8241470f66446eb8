"""The scale-out job: every Lever asset, one step per Celery task, on however many workers run.

The broker and result backend come from the settings when a run launches
(`LEVER_CELERY_BROKER_URL`, `LEVER_CELERY_BACKEND_URL`: RabbitMQ and Redis in
`lever-pipeline deploy-local`), so the same code location serves a laptop and a fleet.
Steps on different workers still share one Lever budget: the rate limiter's bucket lives
in the warehouse.
"""

import dagster as dg
from dagster_celery import celery_executor

from lever_pipeline.settings import get_settings


@dg.configured(
    celery_executor,
    config_schema={
        "queue": dg.Field(
            str,
            default_value="dagster",
            description="Celery queue the steps go to; workers listen with `-Q <queue>`. A separate queue "
            "keeps two deployments (or a test) on one broker from taking each other's steps.",
        )
    },
)
def lever_celery_executor(config: dict) -> dict:
    """dagster-celery with broker and results from the settings (read at launch), and a chosen queue."""
    settings = get_settings()
    return {
        "broker": settings.lever_celery_broker_url,
        "backend": settings.lever_celery_backend_url,
        "config_source": {"task_default_queue": config["queue"]},
    }


lever_sync_on_celery = dg.define_asset_job(
    "lever_sync_on_celery",
    selection=dg.AssetSelection.groups("lever"),
    executor_def=lever_celery_executor,
    description="Every Lever asset with each step run as a Celery task (needs the deploy-local services).",
    tags={"sync": "incremental", "executor": "celery"},
)
