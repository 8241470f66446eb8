"""Checks a feedback draft's values against its template before they are sent to Lever.

The rules mirror Lever's (REFERENCE.md §4, the field-type table): every required field has
a value; each value has its field type's shape; option fields take one of the field's option
texts; scores are integers 1 to 4. Every error names the field by id and label, so a
recruiter can fix the draft without reading a stack trace. Values are never echoed for
free-text fields (they may hold personal data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lever_pipeline.lever.feedback import FeedbackTemplate
from lever_pipeline.lever.writes import FieldValues, field_value_list

TEXT_TYPES = frozenset({"code", "text", "textarea"})
SINGLE_OPTION_TYPES = frozenset({"dropdown", "multiple-choice", "score-system"})


@dataclass(frozen=True)
class FieldError:
    """One broken rule on one field."""

    field_id: str
    field_text: str
    problem: str

    def __str__(self) -> str:
        return f"field {self.field_id} ({self.field_text!r}): {self.problem}"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check(field: Mapping[str, Any], value: Any) -> str | None:
    """The problem with `value` for `field`, or None when it is valid (None is "no answer")."""
    if value is None:
        return None
    ftype = field.get("type")
    options = [str(o.get("text")) for o in field.get("options") or []]
    if ftype in TEXT_TYPES:
        return None if isinstance(value, str) else "expected a string"
    if ftype == "currency":
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "expected a number"
    if ftype == "date":
        return None if _is_int(value) and value >= 0 else "expected a date in milliseconds since the epoch"
    if ftype in SINGLE_OPTION_TYPES:
        if isinstance(value, str) and value in options:
            return None
        return f"expected one of the options {options}"
    if ftype == "multiple-select":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "expected an array of option texts"
        unknown = [v for v in value if v not in options]
        return f"{unknown} are not options (options: {options})" if unknown else None
    if ftype == "score":
        if options and isinstance(value, str):
            return None if value in options else f"expected one of the options {options}"
        return None if _is_int(value) and 1 <= value <= 4 else "expected an integer score from 1 to 4"
    if ftype == "scorecard":
        scores = field.get("scores") or []
        if not isinstance(value, list) or len(value) != len(scores):
            return f"expected an array of {len(scores)} {{score, comment}} objects, one per score"
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                return f"entry {i} is not a {{score, comment}} object"
            score = item.get("score")
            if score is not None and (not _is_int(score) or not 1 <= score <= 4):
                return f"entry {i} score must be an integer from 1 to 4"
            comment = item.get("comment")
            if comment is not None and not isinstance(comment, str):
                return f"entry {i} comment must be a string"
        return None
    if ftype == "yes-no":
        return None if value in ("yes", "no") else "expected 'yes' or 'no'"
    return f"field type {ftype!r} cannot be filled in"


def validate_field_values(template: FeedbackTemplate | Mapping[str, Any], values: FieldValues) -> list[FieldError]:
    """Every problem with `values` against `template`, each naming its field; empty when valid.

    Pure: checks required fields, unknown or repeated field ids, and each value's shape for
    its field type. `values` as stored on a draft may be any JSON; a shape that is not a
    list of `{id, value}` (or a `{field id: value}` mapping) is itself reported.
    """
    if isinstance(template, FeedbackTemplate):
        template = template.raw
    if isinstance(values, Mapping):
        values = field_value_list(values)
    fields = {str(f.get("id")): f for f in template.get("fields") or []}
    errors: list[FieldError] = []
    if not isinstance(values, Sequence) or isinstance(values, str | bytes):
        return [FieldError("fieldValues", "fieldValues", "expected an array of {id, value} objects")]
    given: dict[str, Any] = {}
    for i, item in enumerate(values):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            errors.append(FieldError(f"fieldValues[{i}]", "fieldValues", "expected an object with a string id"))
            continue
        fid = item["id"]
        field = fields.get(fid)
        if field is None:
            errors.append(FieldError(fid, "unknown", f"is not a field of template {template.get('id')}"))
            continue
        if fid in given:
            errors.append(FieldError(fid, str(field.get("text")), "is given more than once"))
            continue
        given[fid] = item.get("value")
        problem = _check(field, given[fid])
        if problem:
            errors.append(FieldError(fid, str(field.get("text")), problem))
    for fid, field in fields.items():
        if field.get("required") and given.get(fid) is None:
            errors.append(FieldError(fid, str(field.get("text")), "is required but has no value"))
    return errors
