"""Feedback templates (`/feedback_templates`) and feedback forms (`/opportunities/:id/feedback`).

Lever's field types (REFERENCE.md, the field-type table) form a discriminated union on
`type`. A type this code does not know yet, or a known type whose attributes do not
parse, becomes an `UnknownField` that keeps the raw dict: a new Lever field type never
breaks a sync, and it is counted so it gets noticed. Every field keeps its dict in `raw`;
on a filled-in form, `value` has the field type's shape.

Validation of values before a write lives in `feedback_validation` and is offered here as
`validate_field_values`. `templates.get_feedback_template` is the TTL-cached read;
`get_feedback_template` here always asks Lever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from lever_pipeline.lever import feedback_validation
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.feedback_validation import FieldError
from lever_pipeline.lever.models import KeepsRaw, LeverModel, LeverTimestamp, UserRef, keep_raw, to_ms
from lever_pipeline.lever.pagination import iter_models


class FieldOption(LeverModel):
    text: str
    option_id: str | None = None


class ScorecardEntry(LeverModel):
    text: str
    description: str | None = None


class ScorecardValue(LeverModel):
    """One answer of a scorecard: a score 1-4 (None: not answered) and an optional comment."""

    score: int | None = None
    comment: str | None = None


class _Field(KeepsRaw):
    """What every field has; `value` is only set on a filled-in form."""

    id: str | None = None
    text: str | None = None
    description: str | None = None
    required: bool = False
    is_summary: bool | None = None
    overall: bool | None = None

    @property
    def known(self) -> bool:
        return True


class CodeField(_Field):
    type: Literal["code"]
    language: str | None = None
    value: str | None = None


class CurrencyField(_Field):
    type: Literal["currency"]
    currency: str | None = None
    value: float | None = None


class DateField(_Field):
    type: Literal["date"]
    value: LeverTimestamp | None = None


class DropdownField(_Field):
    type: Literal["dropdown"]
    options: list[FieldOption] = []
    prompt: str | None = None
    value: str | None = None


class MultipleChoiceField(_Field):
    type: Literal["multiple-choice"]
    options: list[FieldOption] = []
    value: str | None = None


class MultipleSelectField(_Field):
    type: Literal["multiple-select"]
    options: list[FieldOption] = []
    value: list[str] | None = None


class ScoreSystemField(_Field):
    """The overall rating: four fixed options, "4 - Strong Hire" … "1 - Strong No Hire"."""

    type: Literal["score-system"]
    options: list[FieldOption] = []
    prompt: str | None = None
    value: str | None = None


class ScoreField(_Field):
    """An integer 1 to 4; recorded responses also show it with options and a string value."""

    type: Literal["score"]
    options: list[FieldOption] = []
    value: int | str | None = None


class ScorecardField(_Field):
    type: Literal["scorecard"]
    scores: list[ScorecardEntry] = []
    value: list[ScorecardValue] | None = None


class TextField(_Field):
    type: Literal["text"]
    value: str | None = None


class TextareaField(_Field):
    type: Literal["textarea"]
    value: str | None = None


class YesNoField(_Field):
    type: Literal["yes-no"]
    value: Literal["yes", "no"] | None = None


class NoteField(_Field):
    """Used by notes rather than feedback forms."""

    type: Literal["note"]
    value: Any = None


KnownField = Annotated[
    CodeField
    | CurrencyField
    | DateField
    | DropdownField
    | MultipleChoiceField
    | MultipleSelectField
    | ScoreSystemField
    | ScoreField
    | ScorecardField
    | TextField
    | TextareaField
    | YesNoField
    | NoteField,
    Field(discriminator="type"),
]
KNOWN_TYPES = frozenset(
    {
        "code",
        "currency",
        "date",
        "dropdown",
        "multiple-choice",
        "multiple-select",
        "score-system",
        "score",
        "scorecard",
        "text",
        "textarea",
        "yes-no",
        "note",
    }
)
_KNOWN = TypeAdapter(KnownField)


class UnknownField(_Field):
    """A field this code cannot type: a future Lever type, or attributes that do not parse."""

    type: str = "unknown"
    problem: str | None = None
    value: Any = None

    @property
    def known(self) -> bool:
        return False


TemplateField = KnownField | UnknownField


def parse_field(raw: dict[str, Any]) -> TemplateField:
    """The typed field for one raw template or form field; never raises. Keeps `raw` either way."""
    if raw.get("type") in KNOWN_TYPES:
        try:
            return _KNOWN.validate_python(raw)
        except ValidationError as err:
            problem = f"{err.error_count()} attribute(s) do not parse: {err.errors()[0]['loc']}"
            unknown = UnknownField.model_validate({**_base(raw), "type": str(raw["type"]), "problem": problem})
    else:
        unknown = UnknownField.model_validate(
            {**_base(raw), "type": str(raw.get("type") or "unknown"), "value": raw.get("value")}
        )
    keep_raw(unknown, raw)  # the validated copy above was filtered; `raw` is what Lever sent
    return unknown


def _base(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: raw.get(k) for k in ("id", "text", "description") if isinstance(raw.get(k), str)} | {
        "required": bool(raw.get("required"))
    }


def _typed(value: object) -> list[TemplateField]:
    return [parse_field(f) for f in value or [] if isinstance(f, dict)]  # type: ignore[union-attr]


class FeedbackTemplate(LeverModel):
    id: str
    text: str | None = None
    instructions: str | None = None
    group: dict | None = None
    stage: dict | None = None
    created_at: LeverTimestamp | None = None
    updated_at: LeverTimestamp | None = None
    fields: list[TemplateField] = []

    @field_validator("fields", mode="before")
    @classmethod
    def _typed_fields(cls, value: object) -> list[TemplateField]:
        return _typed(value)

    @property
    def unknown_fields(self) -> list[UnknownField]:
        return [f for f in self.fields if isinstance(f, UnknownField)]


class Feedback(LeverModel):
    """One filled-in feedback form. `type` is interview, assignment or share; deleted forms keep `deleted_at`."""

    id: str
    type: str | None = None
    text: str | None = None
    instructions: str | None = None
    fields: list[TemplateField] = []
    base_template_id: str | None = None
    interview: str | None = None
    panel: str | None = None
    user: UserRef | None = None
    created_at: LeverTimestamp | None = None
    completed_at: LeverTimestamp | None = None
    updated_at: LeverTimestamp | None = None
    deleted_at: LeverTimestamp | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _typed_fields(cls, value: object) -> list[TemplateField]:
        return _typed(value)


async def iter_feedback_templates(client: LeverClient) -> AsyncIterator[FeedbackTemplate]:
    """Every active feedback template."""
    async for template in iter_models(client, "/feedback_templates", FeedbackTemplate):
        yield template


async def get_feedback_template(client: LeverClient, template_id: str) -> FeedbackTemplate | None:
    """One template straight from Lever, or None (see `templates.get_feedback_template` for the cached read)."""
    data = await client.get(f"/feedback_templates/{template_id}")
    return FeedbackTemplate.from_raw(data) if data is not None else None


async def iter_feedback(client: LeverClient, opportunity_id: str) -> AsyncIterator[Feedback]:
    """Every feedback form of one opportunity, deleted ones included (with `deleted_at`)."""
    async for form in iter_models(client, f"/opportunities/{opportunity_id}/feedback", Feedback):
        yield form


FieldValues = Sequence[Mapping[str, Any]] | Mapping[str, Any]
"""`[{"id": field id, "value": ...}]` as Lever takes it, or `{field id: value}`."""


def _as_list(values: FieldValues) -> list[dict[str, Any]]:
    if isinstance(values, Mapping):
        return [{"id": fid, "value": value} for fid, value in values.items()]
    return [dict(v) for v in values]


def validate_field_values(template: FeedbackTemplate | Mapping[str, Any], values: FieldValues) -> list[FieldError]:
    """Every problem with `values` against `template`, each naming its field; empty when valid.

    Pure: checks required fields, unknown or repeated field ids, and each value's shape for
    its field type (option texts, arrays, scores 1-4, yes/no, ms dates).
    """
    raw = template.raw if isinstance(template, FeedbackTemplate) else template
    if isinstance(values, Mapping):
        values = _as_list(values)
    return feedback_validation.validate_field_values(raw, values)


async def create_feedback(
    client: LeverClient,
    opportunity_id: str,
    *,
    template_id: str,
    perform_as: str,
    field_values: FieldValues,
    panel_id: str | None = None,
    interview_id: str | None = None,
    completed_at: datetime | None = None,
) -> Feedback | None:
    """Submit a feedback form as user `perform_as` (required by Lever); returns the created form.

    `panel_id` and `interview_id` go together (Lever rejects one without the other).
    Raises `LeverValidationError` with Lever's message when Lever refuses the values.
    """
    if (panel_id is None) != (interview_id is None):
        raise ValueError("panel_id and interview_id must be given together")
    body: dict[str, Any] = {"baseTemplateId": template_id, "fieldValues": _as_list(field_values)}
    if panel_id is not None:
        body["panel"] = panel_id
        body["interview"] = interview_id
    if completed_at is not None:
        body["completedAt"] = to_ms(completed_at)
    data = await client.post(f"/opportunities/{opportunity_id}/feedback", body, perform_as=perform_as)
    return Feedback.from_raw(data) if data is not None else None
