"""Lever's checks on submitted feedback values, one rule per field type.

Each failure is a 400 whose message names the field (by id and text) and what was wrong,
so a client's write-back can report it without guessing. For `score` fields the docs say
"integer 1-4 or null" while one recording shows a string option value; the sandbox takes
the documented integer, and also an option's text when the field has options.
"""

from __future__ import annotations

from typing import Any

from lever_pipeline.sandbox.data import Doc
from lever_pipeline.sandbox.errors import ApiError


def _fail(field: Doc, problem: str) -> ApiError:
    return ApiError(400, f"Invalid value for field {field['id']} ({field['text']!r}, type {field['type']}): {problem}")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_value(field: Doc, value: Any) -> Any:
    """The value to store for `field`, or a 400 naming the field. None means "no answer"."""
    if value is None:
        return None
    t = field["type"]
    options = [o["text"] for o in field.get("options", ())]
    if t in ("text", "textarea", "code"):
        if not isinstance(value, str):
            raise _fail(field, "expected a string")
    elif t == "currency":
        if not _is_number(value):
            raise _fail(field, "expected a number")
    elif t == "date":
        if not _is_int(value) or value < 0:
            raise _fail(field, "expected a timestamp in milliseconds since the epoch")
    elif t in ("dropdown", "multiple-choice", "score-system"):
        if not isinstance(value, str) or value not in options:
            raise _fail(field, f"expected one of the option texts {options}, got {value!r}")
    elif t == "multiple-select":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(field, "expected an array of option texts")
        unknown = [v for v in value if v not in options]
        if unknown:
            raise _fail(field, f"{unknown} are not options of this field (options: {options})")
    elif t == "score":
        if options and isinstance(value, str):
            if value not in options:
                raise _fail(field, f"expected one of the option texts {options}, got {value!r}")
        elif not _is_int(value) or not 1 <= value <= 4:
            raise _fail(field, f"expected an integer score from 1 to 4, got {value!r}")
    elif t == "scorecard":
        scores = field.get("scores", [])
        if not isinstance(value, list) or len(value) != len(scores):
            raise _fail(field, f"expected an array of {len(scores)} {{score, comment}} objects, one per score")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise _fail(field, f"entry {i} is not a {{score, comment}} object")
            s = item.get("score")
            if s is not None and (not _is_int(s) or not 1 <= s <= 4):
                raise _fail(field, f"entry {i} ({scores[i]['text']!r}) score must be an integer from 1 to 4, got {s!r}")
            c = item.get("comment")
            if c is not None and not isinstance(c, str):
                raise _fail(field, f"entry {i} comment must be a string")
    elif t == "yes-no":
        if value not in ("yes", "no"):
            raise _fail(field, f"expected 'yes', 'no' or null, got {value!r}")
    else:
        raise _fail(field, "this field type cannot be filled in on a feedback form")
    return value


def check_field_values(template: Doc, field_values: Any, partial: bool = False) -> dict[str, Any]:
    """Validate `fieldValues` against `template`; returns {field id: value}.

    Rules: an array of `{id, value}`; each id once, and belonging to the template; each
    value valid for its field type; and (unless `partial`, for updates) every required
    field answered.
    """
    if field_values is None:
        field_values = []
    if not isinstance(field_values, list):
        raise ApiError(400, "fieldValues must be an array of {id, value} objects")
    fields = {f["id"]: f for f in template["fields"]}
    out: dict[str, Any] = {}
    for i, fv in enumerate(field_values):
        if not isinstance(fv, dict) or not isinstance(fv.get("id"), str):
            raise ApiError(400, f"fieldValues[{i}] must be an object with a string id and a value")
        fid = fv["id"]
        field = fields.get(fid)
        if field is None:
            raise ApiError(400, f"fieldValues[{i}]: field {fid} does not belong to feedback template {template['id']}")
        if fid in out:
            raise ApiError(400, f"fieldValues[{i}]: field {fid} is given more than once")
        out[fid] = check_value(field, fv.get("value"))
    if not partial:
        missing = [f for f in template["fields"] if f["required"] and out.get(f["id"]) is None]
        if missing:
            names = ", ".join(f"{f['id']} ({f['text']!r})" for f in missing)
            raise ApiError(400, f"Required fields have no value: {names}")
    return out
