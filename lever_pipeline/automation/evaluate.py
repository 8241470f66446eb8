"""Evaluating one rule on one stage visit: a pure function of the rule, the visit and the time.

The same function serves live evaluation (`decide`) and the backtest (`backtest`), so a
backtest shows what the rule as written would do. A visit is complete when every required
interviewer has a completed form of a counted template (or the minimum number of
interviewers have); it is decided `wait_minutes` after its last form, so a late edit still
counts. Incomplete past `timeout_days` after entering the stage, it times out (notify).
A complete visit passes when every threshold holds on every counted form that has the field;
a visit where no form has any thresholded field is sent to a person (notify), never archived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from lever_pipeline.automation.rules import RuleDefinition, Threshold
from lever_pipeline.sync.rows import ms

Outcome = Literal["waiting", "advance", "notify", "archive", "timeout"]


@dataclass(frozen=True)
class FieldAnswer:
    """One answered (or unanswered) field of a form, typed as the warehouse stores it."""

    field_id: str
    text: str | None
    type: str
    score: float | None = None
    yes: bool | None = None


@dataclass(frozen=True)
class Form:
    """One completed feedback form."""

    id: str
    user_id: str | None
    template_id: str | None
    interview_id: str | None
    submitted_at: datetime
    fields: tuple[FieldAnswer, ...]


@dataclass(frozen=True)
class Visit:
    """One opportunity's visit of a stage: who interviewed in it and the forms they submitted."""

    opportunity_id: str
    stage_id: str
    entered_at: datetime
    interviewers: frozenset[str]
    forms: tuple[Form, ...]


@dataclass(frozen=True)
class Check:
    """One threshold on one form: ids and numbers only."""

    user_id: str | None
    form_id: str
    field_id: str
    kind: str
    value: float | bool | None
    min: float | None
    passed: bool


@dataclass(frozen=True)
class Verdict:
    """What the rule says about a visit now; `decide_at` is when a final outcome was (or will be) due."""

    outcome: Outcome
    reason: str
    checks: tuple[Check, ...] = field(default=())
    last_feedback_at: datetime | None = None
    decide_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.outcome != "waiting"

    def checks_json(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.checks]


def counted_forms(rule: RuleDefinition, visit: Visit) -> list[Form]:
    """The visit's forms of the rule's templates (any template when the rule names none)."""
    wanted = set(rule.template_ids)
    return [f for f in visit.forms if not wanted or f.template_id in wanted]


def _field(form: Form, threshold: Threshold) -> FieldAnswer | None:
    if threshold.kind == "overall":
        return next((a for a in form.fields if a.type in ("score", "score-system")), None)
    want = (threshold.field or "").strip().lower()
    return next((a for a in form.fields if a.field_id.lower() == want or (a.text or "").strip().lower() == want), None)


def check_form(form: Form, threshold: Threshold) -> Check | None:
    """The threshold on one form, or None when the form has no such field."""
    answer = _field(form, threshold)
    if answer is None:
        return None
    if threshold.kind == "yes_no":
        return Check(form.user_id, form.id, answer.field_id, threshold.kind, answer.yes, None, answer.yes is True)
    value = answer.score
    passed = value is not None and threshold.min is not None and value >= threshold.min
    return Check(form.user_id, form.id, answer.field_id, threshold.kind, value, threshold.min, passed)


def evaluate(rule: RuleDefinition, visit: Visit, now: datetime) -> Verdict:
    """The rule's verdict on `visit` at `now` (see the module docstring)."""
    forms = counted_forms(rule, visit)
    submitted = {f.user_id for f in forms if f.user_id}
    if rule.interviewers == "all":
        required = set(visit.interviewers)
        counted = [f for f in forms if f.user_id in required]
        complete = bool(required) and required <= submitted
        progress = f"feedback from {len(required & submitted)} of {len(required)} interviewers"
    else:
        counted = forms
        complete = len(submitted) >= rule.interviewers
        progress = f"feedback from {len(submitted)} of at least {rule.interviewers} interviewers"
    timeout_at = visit.entered_at + timedelta(days=rule.timeout_days)
    if not complete:
        if now >= timeout_at:
            return Verdict("timeout", f"{progress} after {rule.timeout_days:g} days", decide_at=timeout_at)
        return Verdict("waiting", progress, decide_at=timeout_at)
    last = max(f.submitted_at for f in counted)
    due = last + timedelta(minutes=rule.wait_minutes)
    checks = tuple(c for f in counted for t in rule.thresholds if (c := check_form(f, t)) is not None)
    if now < due:
        return Verdict("waiting", f"{progress}; waiting {rule.wait_minutes} min after the last", checks, last, due)
    if not checks:
        return Verdict("notify", "no counted form has a thresholded field", checks, last, due)
    failed = [c for c in checks if not c.passed]
    if not failed:
        return Verdict("advance", f"{len(checks)} checks passed", checks, last, due)
    outcome: Outcome = "archive" if rule.on_fail.action == "archive" else "notify"
    return Verdict(outcome, f"{len(failed)} of {len(checks)} checks failed", checks, last, due)


def stage_entered_at(stage_changes: Sequence[dict[str, Any]], stage_id: str, fallback: datetime) -> datetime:
    """When the opportunity last entered `stage_id`, from Lever's `stageChanges` (epoch ms)."""
    times = [ms(c.get("updatedAt")) for c in stage_changes if c.get("toStageId") == stage_id]
    known = [t for t in times if t is not None]
    return max(known) if known else fallback
