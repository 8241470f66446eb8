"""Feedback templates (`/feedback_templates`) and feedback forms (`/opportunities/:id/feedback`).

Lever's field types (REFERENCE.md, the field-type table) form a discriminated union on
`type`. A type this code does not know yet, or a known type whose attributes do not
parse, becomes an `UnknownField` that keeps the raw dict: a new Lever field type never
breaks a sync, and it is counted so it gets noticed. Every field keeps its dict in `raw`;
on a filled-in form, `value` has the field type's shape.

Reads return Lever's dicts: the sync maps them straight to rows, and parses only
template fields with these models. `writes.create_feedback` submits a form;
`writeback.validation` checks its values against a template first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import KeepsRaw, LeverModel, LeverTimestamp, keep_raw


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
    """A template with its fields typed (what write-back validates a draft's values against)."""

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


def feedback_template_pages(client: LeverClient) -> AsyncIterator[list[dict[str, Any]]]:
    """Every active feedback template, as raw pages."""
    return client.paginate("/feedback_templates")


async def get_feedback_template(client: LeverClient, template_id: str) -> dict[str, Any] | None:
    """One template straight from Lever, as it sends it, or None (404).

    `sync.template_cache.get_feedback_template` is the TTL-cached read.
    """
    return await client.get(f"/feedback_templates/{template_id}")


def feedback_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every feedback form of one opportunity, deleted ones included (with `deletedAt`), as raw pages."""
    return client.paginate(f"/opportunities/{opportunity_id}/feedback")
