"""Advancement rules: the validated definition and its store, every change a new version.

A rule applies to one stage of one posting, or of every posting of a team or department. It
names the feedback templates that count, the interviewers required (every interviewer of
the stage's interviews, or a minimum number), thresholds on scored fields, a wait after the
last feedback (so late edits count), a timeout, and what to do on pass (advance to the next
stage in Lever's order, or a named one) and on fail (notify, or archive with a reason).
New rules start in dry-run: decisions are recorded with what would be sent, nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from lever_pipeline.warehouse.tables.automation import automation_rule_versions, automation_rules

LeverId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Threshold(BaseModel):
    """One check on every counted form: a score at least `min`, or a yes/no answered yes.

    `field` is the template field's id or its text (any case). `overall` needs no field: it is
    the form's overall recommendation, the first `score` or `score-system` field (Lever puts it first).
    Score-system options count by their leading number ("3 - Hire" is 3), as the warehouse stores them.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["score_system", "score", "yes_no", "overall"]
    field: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    min: Annotated[float, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Threshold:
        if self.kind != "overall" and self.field is None:
            raise ValueError(f"a {self.kind} threshold names its field (id or text)")
        if self.kind == "yes_no" and self.min is not None:
            raise ValueError("a yes_no threshold takes no min: the answer must be yes")
        if self.kind != "yes_no" and self.min is None:
            raise ValueError(f"a {self.kind} threshold needs min")
        return self


class OnPass(BaseModel):
    """Advance: to `stage_id`, or (None) to the next stage in Lever's stage order."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["advance"] = "advance"
    stage_id: LeverId | None = None


class OnFail(BaseModel):
    """Notify the recruiter on Slack (whose Archive button uses `archive_reason_id`), or archive at once."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["notify", "archive"] = "notify"
    archive_reason_id: LeverId


class RuleDefinition(BaseModel):
    """What a rule says; validated on every create and update (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=120)]
    stage_id: LeverId
    posting_id: LeverId | None = None
    team: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    department: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    template_ids: list[LeverId] = Field(default_factory=list, description="Templates that count; empty: any.")
    interviewers: Literal["all"] | Annotated[int, Field(ge=1, le=50)] = "all"
    thresholds: Annotated[list[Threshold], Field(min_length=1, max_length=50)]
    wait_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 30
    timeout_days: Annotated[float, Field(gt=0, le=365)] = 7
    on_pass: OnPass = Field(default_factory=OnPass)
    on_fail: OnFail
    slack_channel: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    owner_email: Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    dry_run: bool = True

    @model_validator(mode="after")
    def _scope(self) -> RuleDefinition:
        if sum(x is not None for x in (self.posting_id, self.team, self.department)) != 1:
            raise ValueError("a rule applies to exactly one of posting_id, team or department")
        return self


class RuleError(ValueError):
    """A rule cannot be created or changed as asked; the message is one line naming why."""


class RuleNotFound(LookupError):
    """No rule with this id or name."""


@dataclass(frozen=True)
class Rule:
    """A rule at its current version."""

    id: int
    version: int
    status: str
    definition: RuleDefinition
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "status": self.status,
            "updated_at": self.updated_at.isoformat(),
            **self.definition.model_dump(mode="json"),
        }


def parse_definition(data: Any) -> RuleDefinition:
    """Validate a rule; raise RuleError with one line naming the first bad field."""
    try:
        return RuleDefinition.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "rule"
        raise RuleError(f"{where}: {first['msg']}") from None


_COLS = (
    automation_rules.c.id,
    automation_rules.c.version,
    automation_rules.c.status,
    automation_rules.c.definition,
    automation_rules.c.updated_at,
)


def _rule(row: Any) -> Rule:
    return Rule(row.id, row.version, row.status, RuleDefinition.model_validate(row.definition), row.updated_at)


def _where(ref: int | str) -> sa.ColumnElement[bool]:
    r = automation_rules
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return r.c.id == int(ref)
    return r.c.name == ref


def get_rule(engine: Engine | Connection, ref: int | str) -> Rule:
    """A rule by id or name; raises RuleNotFound."""
    query = sa.select(*_COLS).where(_where(ref))
    if isinstance(engine, Connection):
        row = engine.execute(query).one_or_none()
    else:
        with engine.connect() as conn:
            row = conn.execute(query).one_or_none()
    if row is None:
        raise RuleNotFound(f"no rule {ref!r}")
    return _rule(row)


def list_rules(engine: Engine, *, active_only: bool = False) -> list[Rule]:
    """Every rule, by id."""
    query = sa.select(*_COLS).order_by(automation_rules.c.id)
    if active_only:
        query = query.where(automation_rules.c.status == "active")
    with engine.connect() as conn:
        return [_rule(r) for r in conn.execute(query)]


def rule_version(engine: Engine, rule_id: int, version: int) -> RuleDefinition | None:
    """The definition a rule had at `version` (decisions name it)."""
    v = automation_rule_versions
    with engine.connect() as conn:
        data = conn.execute(
            sa.select(v.c.definition).where(v.c.rule_id == rule_id, v.c.version == version)
        ).scalar_one_or_none()
    return RuleDefinition.model_validate(data) if data is not None else None


def _record_version(conn: Connection, rule_id: int, version: int, status: str, data: dict, by: str | None) -> None:
    conn.execute(
        sa.insert(automation_rule_versions).values(
            rule_id=rule_id, version=version, status=status, definition=data, changed_by=by
        )
    )


def create_rule(engine: Engine, data: Any, *, changed_by: str | None = None) -> Rule:
    """Validate and store a new rule at version 1 (active; it acts only once `dry_run` is false)."""
    definition = parse_definition(data)
    body = definition.model_dump(mode="json")
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.insert(automation_rules).values(name=definition.name, definition=body).returning(*_COLS)
            ).one()
            _record_version(conn, row.id, 1, row.status, body, changed_by)
    except IntegrityError:
        raise RuleError(f"a rule named {definition.name!r} already exists") from None
    return _rule(row)


def _change(engine: Engine, ref: int | str, changed_by: str | None, **values: Any) -> Rule:
    r = automation_rules
    try:
        with engine.begin() as conn:
            current = conn.execute(sa.select(*_COLS).where(_where(ref)).with_for_update()).one_or_none()
            if current is None:
                raise RuleNotFound(f"no rule {ref!r}")
            row = conn.execute(
                sa.update(r)
                .where(r.c.id == current.id)
                .values(version=r.c.version + 1, updated_at=sa.func.now(), **values)
                .returning(*_COLS)
            ).one()
            _record_version(conn, row.id, row.version, row.status, row.definition, changed_by)
    except IntegrityError:
        raise RuleError(f"a rule named {values.get('name')!r} already exists") from None
    return _rule(row)


def update_rule(engine: Engine, ref: int | str, data: Any, *, changed_by: str | None = None) -> Rule:
    """Replace a rule's definition (a new version; decisions of older versions stay as they were).

    `data` may omit fields: they keep their current values. An update re-activates a disabled rule.
    """
    current = get_rule(engine, ref)
    merged = {**current.definition.model_dump(mode="json"), **dict(data)}
    definition = parse_definition(merged)
    body = definition.model_dump(mode="json")
    return _change(engine, current.id, changed_by, name=definition.name, definition=body, status="active")


def disable_rule(engine: Engine, ref: int | str, *, changed_by: str | None = None) -> Rule:
    """Stop a rule (a new version, status disabled); its decisions stay."""
    return _change(engine, ref, changed_by, status="disabled")
