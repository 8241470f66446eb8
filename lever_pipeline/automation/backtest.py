"""Replaying a rule over the warehouse's history: what it would have done against what the team did.

Every visit of the rule's stage that began within the window (from each opportunity's stored
`stageChanges`, archived candidacies included) is evaluated with the forms of that visit, as
of the visit's end (the next stage change, the archive, or now for a visit still open). The
team's action is where the visit led: a later stage in Lever's order (advanced), an archive
with a non-hired reason (rejected), an earlier stage, or nothing yet. No request goes to Lever.

Figures: agreement rate over visits both decided (the rule advanced or failed it; the team
advanced or rejected it); candidacies the rule would have advanced that were later rejected,
and ones it would have failed that the team advanced; and the days the rule would have saved
on the advances both agree on (team's advance minus the rule's decision time, when positive).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.automation.evaluate import Visit, evaluate
from lever_pipeline.automation.rules import RuleDefinition
from lever_pipeline.automation.visits import (
    completed_forms,
    rule_postings,
    stage_interview_ids,
    stage_interviewers,
    visit_forms,
)
from lever_pipeline.sync.rows import ms
from lever_pipeline.warehouse.tables import lever_archive_reasons, lever_opportunities, lever_stages


@dataclass(frozen=True)
class ReplayedVisit:
    """One past visit: ids, the rule's outcome and the team's, with their times."""

    opportunity_id: str
    entered_at: str
    rule_outcome: str
    rule_decided_at: str | None
    team_action: str  # advanced | rejected | moved_back | open
    team_acted_at: str | None
    later_rejected: bool


@dataclass
class BacktestReport:
    """The figures of one replay (see the module docstring) and the visits behind them."""

    since: str
    visits: int = 0
    decided: int = 0
    compared: int = 0
    agreed: int = 0
    agreement_rate: float | None = None
    advanced_then_rejected: int = 0
    failed_but_advanced: int = 0
    days_saved: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    rows: list[ReplayedVisit] = field(default_factory=list)

    def as_dict(self, *, with_rows: bool = True) -> dict[str, Any]:
        out = asdict(self)
        if not with_rows:
            out.pop("rows")
        return out


def backtest(engine: Engine, rule: RuleDefinition, since: datetime, now: datetime) -> BacktestReport:
    """Replay `rule` over every visit of its stage that began at or after `since` (see module docstring)."""
    report = BacktestReport(since=since.isoformat())
    o, s, r = lever_opportunities, lever_stages, lever_archive_reasons
    with engine.connect() as conn:
        positions = dict(conn.execute(sa.select(s.c.id, s.c.position)).tuples().all())
        postings = rule_postings(conn, rule)
        if not postings:
            return report
        opps = conn.execute(
            sa.select(o.c.id, o.c.raw["stageChanges"].label("changes"), o.c.is_archived, o.c.archived_at, r.c.type)
            .outerjoin(r, r.c.id == o.c.archived_reason_id)
            .where(
                o.c.deleted_at.is_(None),
                o.c.posting_ids.op("&&")(sa.cast(sa.literal(postings, o.c.posting_ids.type), o.c.posting_ids.type)),
            )
            .order_by(o.c.id)
        ).all()
        ids = [x.id for x in opps]
        interviewers = stage_interviewers(conn, ids, rule.stage_id)
        interview_ids = stage_interview_ids(conn, ids, rule.stage_id)
        forms = completed_forms(conn, ids)
    here = positions.get(rule.stage_id)
    for opp in opps:
        rejected = bool(opp.is_archived) and opp.type != "hired"
        changes = sorted((c for c in opp.changes or [] if ms(c.get("updatedAt"))), key=lambda c: c["updatedAt"])
        for i, change in enumerate(changes):
            start = ms(change["updatedAt"])
            if change.get("toStageId") != rule.stage_id or start is None or start < since:
                continue
            nxt = changes[i + 1] if i + 1 < len(changes) else None
            end = ms(nxt["updatedAt"]) if nxt else (opp.archived_at if opp.is_archived else None)
            if nxt is not None:
                later = positions.get(nxt.get("toStageId"), -1) > (here if here is not None else 10**6)
                action = "advanced" if later else "moved_back"
            else:
                action = "rejected" if rejected and end is not None else "open"
            visit = Visit(
                opp.id,
                rule.stage_id,
                start,
                frozenset(interviewers.get(opp.id, ())),
                visit_forms(forms.get(opp.id, ()), interview_ids, start, end),
            )
            verdict = evaluate(rule, visit, end or now)
            _tally(report, verdict.outcome, verdict.decide_at if verdict.final else None, action, end, rejected)
            report.rows.append(
                ReplayedVisit(
                    opp.id,
                    start.isoformat(),
                    verdict.outcome,
                    verdict.decide_at.isoformat() if verdict.final and verdict.decide_at else None,
                    action,
                    end.isoformat() if end and action != "open" else None,
                    rejected,
                )
            )
    report.agreement_rate = round(report.agreed / report.compared, 4) if report.compared else None
    report.days_saved = round(report.days_saved, 2)
    return report


def _tally(
    report: BacktestReport,
    outcome: str,
    decided_at: datetime | None,
    action: str,
    acted_at: datetime | None,
    rejected: bool,
) -> None:
    report.visits += 1
    report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    passes, fails = outcome == "advance", outcome in ("notify", "archive")
    if passes or fails:
        report.decided += 1
    if (passes or fails) and action in ("advanced", "rejected"):
        report.compared += 1
        if (passes and action == "advanced") or (fails and action == "rejected"):
            report.agreed += 1
    if passes and rejected:
        report.advanced_then_rejected += 1
    if fails and action == "advanced":
        report.failed_but_advanced += 1
    if passes and action == "advanced" and decided_at is not None and acted_at is not None:
        report.days_saved += max(0.0, (acted_at - decided_at) / timedelta(days=1))


def parse_since(text: str, now: datetime) -> datetime:
    """`90d`, `12h` or `2w` before `now`; raises ValueError with a readable message."""
    units = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    value, unit = text[:-1], text[-1:].lower()
    if unit not in units or not value.isdigit() or not 0 < int(value) <= 5000:
        raise ValueError(f"--since {text!r}: expected a number and a unit, such as 90d, 12h or 2w")
    return now - int(value) * units[unit]
