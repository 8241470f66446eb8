"""Three headline recruiting figures, read from the dbt marts (schema `analytics`).

Used by `lever-pipeline demo` after the sync and the dbt build. Aggregates only: stage
names, day counts and source names, never a candidate's name or contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from lever_pipeline.analytics.words import plural

_PER_STAGE = text(
    """
    select stage_name, count(*) as n
    from analytics.opportunity_enhanced
    where not is_archived
    group by stage_name, stage_position
    order by stage_position nulls last, stage_name
    """
)
_MEDIAN_DAYS_TO_HIRE = text(
    """
    select count(*) as hires,
           percentile_cont(0.5) within group (order by days_to_hire) as median_days
    from analytics.opportunity_enhanced
    where is_hired
    """
)
_TOP_SOURCE = text(
    """
    select source, opportunities, hires, hire_rate
    from analytics.source_effectiveness
    where source <> '(none)'
    order by hires desc, hire_rate desc nulls last, opportunities desc, source
    limit 1
    """
)


@dataclass(frozen=True)
class Headlines:
    """Open candidacies per stage (pipeline order), the median days to hire, the source with most hires."""

    open_per_stage: list[tuple[str, int]]
    hires: int
    median_days_to_hire: float | None
    top_source: str | None
    top_source_hires: int
    top_source_opportunities: int

    def lines(self) -> list[str]:
        stages = ", ".join(f"{name} {n:,}" for name, n in self.open_per_stage) or "none open"
        median = (
            f"{self.median_days_to_hire:.1f} days over {plural(self.hires, 'hire')}" if self.hires else "no hires yet"
        )
        source = (
            f"{self.top_source} ({plural(self.top_source_hires, 'hire')} from "
            f"{plural(self.top_source_opportunities, 'candidacy', 'candidacies')})"
            if self.top_source
            else "no sourced candidacies"
        )
        return [
            f"Open candidates per stage: {stages}",
            f"Median time to hire:       {median}",
            f"Top source:                {source}",
        ]


def headline_figures(engine: Engine) -> Headlines | None:
    """The figures, or None when the marts have not been built in this warehouse yet."""
    try:
        with engine.connect() as conn:
            per_stage = [(str(r.stage_name or "(unknown stage)"), int(r.n)) for r in conn.execute(_PER_STAGE)]
            hire = conn.execute(_MEDIAN_DAYS_TO_HIRE).one()
            top = conn.execute(_TOP_SOURCE).first()
    except ProgrammingError:  # analytics.* missing: dbt has not run here
        return None
    return Headlines(
        open_per_stage=per_stage,
        hires=int(hire.hires),
        median_days_to_hire=float(hire.median_days) if hire.median_days is not None else None,
        top_source=top.source if top else None,
        top_source_hires=int(top.hires) if top else 0,
        top_source_opportunities=int(top.opportunities) if top else 0,
    )
