"""The whole pipeline as one named job: every Lever asset, then the dbt models, with every check.

`lever-pipeline demo` runs this job, so its runs carry a name in the UI (the Overview
timeline draws a row per job; an unnamed asset run has none), and the same run can be
launched again from the UI. Incremental after the first run, like each asset on its own.
"""

import dagster as dg

lever_sync_and_build = dg.define_asset_job(
    "lever_sync_and_build",
    selection=dg.AssetSelection.all(),
    description="Every Lever asset (incremental after the first run), then the dbt models, with every check: "
    "what `lever-pipeline demo` runs.",
)
