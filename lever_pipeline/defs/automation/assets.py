"""The advancement decisions as an asset, evaluated when feedback, interviews or opportunities change.

The asset re-evaluates every active rule on the opportunities it covers (`automation.decisions`):
decided visits cost one lookup, so a pass is cheap. Its automation condition requests it after
any materialization of its inputs, run or runless (the webhook sensor's tick reports runless
ones), and every ten minutes, so waits that end and timeouts that fall due are decided without
a data change. The stage changes and archives it queues are sent by `submit_lever_writes`.
"""

from datetime import UTC, datetime

import dagster as dg

from lever_pipeline.automation.decisions import evaluate_rules
from lever_pipeline.automation.slack import post_pending, slack_client
from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.settings import get_settings

INPUTS = [
    dg.AssetKey(["lever", "feedback"]),
    dg.AssetKey(["lever", "interviews"]),
    dg.AssetKey(["lever", "opportunities"]),
]
RECHECK_CRON = "*/10 * * * *"

CONDITION = (
    dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.cron_tick_passed(RECHECK_CRON)
).since_last_handled().with_label("inputs changed, or ten minutes passed") & ~dg.AutomationCondition.in_progress()


@dg.asset(
    key=["automation", "advancement_decisions"],
    group_name="automation",
    kinds={"postgres"},
    owners=["team:recruiting-data"],
    deps=INPUTS,
    automation_condition=CONDITION,
)
def advancement_decisions(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One row per opportunity x rule version x stage visit: waiting, advance, notify, archive or timeout."""
    settings = get_settings()
    engine = warehouse.engine()
    stats = evaluate_rules(
        engine,
        datetime.now(UTC),
        global_dry_run=settings.lever_automation_dry_run,
        default_channel=settings.slack_channel_id,
    )
    posted = post_pending(engine, slack_client(settings)) if settings.slack_bot_token else None
    metadata: dict[str, object] = {**stats.as_metadata(), "dry_run_global": settings.lever_automation_dry_run}
    if posted is not None:
        metadata |= {"slack_sent": posted.sent, "slack_failed": posted.failed}
    return dg.MaterializeResult(metadata=metadata)


#: With live webhooks feedback and interviews change every few seconds; a pass every 30 s was a run
#: always starting on a 2-core machine. Rules wait 30 minutes after the last feedback by default,
#: so deciding within 5 minutes of a change loses nothing.
EVALUATION_MIN_INTERVAL_SECONDS = 300

automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_advancement",
    target=dg.AssetSelection.assets(advancement_decisions),
    minimum_interval_seconds=EVALUATION_MIN_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Evaluates the advancement rules after feedback, interviews or opportunities change (at most every "
        "5 minutes), and every ten minutes."
    ),
)

AUTOMATION_ASSETS = [advancement_decisions]
AUTOMATION_SENSORS = [automation_sensor]
