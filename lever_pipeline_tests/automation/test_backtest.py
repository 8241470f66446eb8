"""The backtest on real PostgreSQL: figures equal the ones computed here, independently, from the raw rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lever_pipeline.automation.backtest import backtest, parse_since
from lever_pipeline.automation.rules import create_rule
from lever_pipeline.sync.rows import archive_reason_row, opportunity_row
from lever_pipeline.warehouse.tables import lever_archive_reasons, lever_opportunities
from lever_pipeline_tests.automation.conftest import CULTURE, TEMPLATE, Candidacy, store_stages, to_ms
from lever_pipeline_tests.writeback.conftest import World, api

DAY = timedelta(days=1)
WAIT = timedelta(minutes=30)


@dataclass
class Past:
    """One past candidacy: when it entered the stage, its forms' answers, and what the team did when."""

    entered_days_ago: float
    answers: list[tuple[str, str]]  # (overall, culture) per form, one interviewer each
    team: str  # advanced | rejected | open
    team_after_days: float = 0.0


HISTORY = [
    Past(30, [("3 - Hire", "yes"), ("4 - Strong Hire", "yes")], "advanced", 3),
    Past(40, [("2 - No Hire", "yes"), ("3 - Hire", "yes")], "rejected", 2),
    Past(50, [("4 - Strong Hire", "yes")], "rejected", 5),
    Past(20, [("3 - Hire", "no")], "advanced", 4),
    Past(10, [("3 - Hire", "yes")], "open"),
    Past(200, [("3 - Hire", "yes")], "advanced", 1),  # outside the 90-day window
]


def store_history(world: World) -> tuple[dict, datetime]:
    stages = store_stages(world)
    stage, after = stages[5]["id"], stages[6]["id"]
    reasons = api(world.sandbox, "/archive_reasons")
    rejected = next(r for r in reasons if r["type"] == "non-hired")
    with world.engine.begin() as conn:
        conn.execute(sa.insert(lever_archive_reasons), [archive_reason_row(r) for r in reasons])
    now = datetime.now(UTC)
    users = [world.active_user(i)["id"] for i in range(3)]
    for n, past in enumerate(HISTORY):
        opp = world.opportunities[n]
        entered = now - past.entered_days_ago * DAY
        acted = entered + past.team_after_days * DAY
        changes = [{"toStageId": stage, "updatedAt": to_ms(entered)}]
        if past.team == "advanced":
            changes.append({"toStageId": after, "updatedAt": to_ms(acted)})
        archived = {"reason": rejected["id"], "archivedAt": to_ms(acted)} if past.team == "rejected" else None
        raw = {**opp, "stage": changes[-1]["toStageId"], "stageChanges": changes, "archived": archived}
        with world.engine.begin() as conn:
            conn.execute(sa.insert(lever_opportunities), [opportunity_row(raw) | {"posting_ids": ["posting-bt"]}])
        c = Candidacy(world, opp["id"], stage, after, "posting-bt", entered)
        for i, (overall, culture) in enumerate(past.answers):
            c.form(users[i], entered + (i + 1) * timedelta(hours=6), overall=overall, culture=culture)
    return {"stage": stage, "reason": rejected["id"]}, now


def expected(now: datetime) -> dict:
    """The figures, computed from HISTORY alone."""
    since = now - 90 * DAY
    agreed = compared = adv_rej = fail_adv = 0
    saved = 0.0
    visits = 0
    for past in HISTORY:
        entered = now - past.entered_days_ago * DAY
        if entered < since:
            continue
        visits += 1
        last = entered + len(past.answers) * timedelta(hours=6)
        passes = all(int(o[0]) >= 3 and c == "yes" for o, c in past.answers)
        if past.team in ("advanced", "rejected"):
            compared += 1
            agreed += passes == (past.team == "advanced")
        adv_rej += passes and past.team == "rejected"
        fail_adv += (not passes) and past.team == "advanced"
        if passes and past.team == "advanced":
            saved += max(0.0, (entered + past.team_after_days * DAY - (last + WAIT)) / DAY)
    return {
        "visits": visits,
        "compared": compared,
        "agreed": agreed,
        "agreement_rate": round(agreed / compared, 4),
        "advanced_then_rejected": adv_rej,
        "failed_but_advanced": fail_adv,
        "days_saved": round(saved, 2),
    }


def test_backtest_figures_equal_an_independent_count(world: World) -> None:
    ids, now = store_history(world)
    rule = create_rule(
        world.engine,
        {
            "name": "backtest",
            "stage_id": ids["stage"],
            "posting_id": "posting-bt",
            "template_ids": [TEMPLATE],
            "interviewers": 1,
            "thresholds": [{"kind": "overall", "min": 3}, {"kind": "yes_no", "field": CULTURE}],
            "on_fail": {"archive_reason_id": ids["reason"]},
        },
    )
    before = world.sandbox.stats()["requests_total"]

    report = backtest(world.engine, rule.definition, parse_since("90d", now), now)

    figures = {k: getattr(report, k) for k in expected(now)}
    assert figures == expected(now)
    assert report.outcomes == {"advance": 3, "notify": 2}
    assert world.sandbox.stats()["requests_total"] == before  # nothing asked of Lever
