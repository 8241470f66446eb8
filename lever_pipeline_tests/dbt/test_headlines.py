"""The demo's three headline figures, checked against the raw synced rows."""

from __future__ import annotations

import pytest

from lever_pipeline.analytics.headlines import headline_figures
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt


def test_headline_figures_match_raw_rows(built_warehouse: BuiltWarehouse) -> None:
    figures = headline_figures(built_warehouse.engine)
    assert figures is not None
    opps = built_warehouse.raw["lever_opportunities"]
    live = opps[opps["deleted_at"].isna()]
    open_ = live[~live["is_archived"]]
    stage_names = built_warehouse.raw["lever_stages"].set_index("id")["text"]
    expected_per_stage = open_.groupby(open_["stage_id"].map(stage_names)).size().to_dict()
    assert dict(figures.open_per_stage) == expected_per_stage
    assert sum(n for _, n in figures.open_per_stage) == len(open_)

    reasons = built_warehouse.raw["lever_archive_reasons"]
    hired = live[live["is_archived"] & live["archived_reason_id"].isin(reasons.loc[reasons["type"] == "hired", "id"])]
    days = (hired["archived_at"] - hired["created_at"]).dt.total_seconds() / 86400.0
    assert figures.hires == len(hired) > 0
    assert figures.median_days_to_hire == pytest.approx(days.median(), abs=1e-6)

    hires_per_source: dict[str, int] = {}
    for sources in hired["sources"]:
        for source in set(sources or []):
            hires_per_source[source] = hires_per_source.get(source, 0) + 1
    assert figures.top_source_hires == max(hires_per_source.values())
    assert hires_per_source[figures.top_source] == figures.top_source_hires
    assert len(figures.lines()) == 3
