"""Feedback templates, forms, interviews, notes, resumes, files and offers mapped to warehouse rows.

Every mapper takes Lever's raw dict and returns typed columns plus `raw`. A feedback
form's field values are parsed by field type into the typed columns of
`feedback_field_values`:

- `code`, `text`, `textarea` (and `note`) → `value_text`
- `currency` → `value_number`
- `date` (epoch ms) → `value_date`
- `dropdown`, `multiple-choice`, `score-system` → `value_option`, plus `value_score` when the
  option text starts with a number ("3 - Hire" → 3)
- `multiple-select` → `value_options`
- `score` (1-4; the overall rating sometimes sends an option string) → `value_score`
  (and `value_option` for the string form)
- `scorecard` (`[{score, comment}]`) → `value_score` = mean of the answered entries (0 or
  null counts as unanswered); the entries themselves stay in `value` (one row per form x
  field keeps one grain; per-entry analysis unnests `value`)
- `yes-no` → `value_bool`
- any other (a future type) → no typed column: `value` only, `known_type = false`

`value` always keeps the value exactly as Lever sent it. A value that does not fit its
type leaves the typed columns empty and says why in `parse_error`; nothing here raises
on Lever's data.

Like `rows`, this maps Lever's dicts directly: a pydantic model per object was too slow
for bulk syncs. Only template fields (few, read hourly) go through `lever.feedback`'s
typed field models, to tell a known type that does not parse from one that does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from lever_pipeline.lever.feedback import KNOWN_TYPES, parse_field
from lever_pipeline.sync.rows import ms, ref_id
from lever_pipeline.warehouse.upsert import Row

TEXT_TYPES = frozenset({"code", "text", "textarea", "note"})
OPTION_TYPES = frozenset({"dropdown", "multiple-choice", "score-system"})
KNOWN_FIELD_TYPES = KNOWN_TYPES  # one list of Lever's field types: the typed models in lever/feedback.py
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError("expected a number") from None
    raise ValueError(f"expected a number, got {type(value).__name__}")


def option_score(text: object) -> Decimal | None:
    """The number an option's text starts with ("3 - Hire" → 3), or None."""
    if not isinstance(text, str):
        return None
    match = _LEADING_NUMBER.match(text)
    return Decimal(match.group(1)) if match else None


def _typed(ftype: str, value: Any) -> dict[str, Any]:
    """The typed columns for one value of one field type; raises ValueError when it does not fit."""
    if ftype in TEXT_TYPES:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        return {"value_text": value}
    if ftype in OPTION_TYPES:
        if not isinstance(value, str):
            raise ValueError(f"expected an option's text, got {type(value).__name__}")
        return {"value_option": value, "value_score": option_score(value)}
    if ftype == "multiple-select":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of option texts")
        return {"value_options": list(value)}
    if ftype == "score":
        if isinstance(value, str):  # the overall rating is sometimes a "score" with options
            score = option_score(value)
            if score is None:
                raise ValueError("expected a score 1-4")
            return {"value_option": value, "value_score": score}
        return {"value_score": _number(value)}
    if ftype == "scorecard":
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise ValueError("expected a list of {score, comment}")
        scores = [_number(v.get("score")) for v in value if v.get("score") not in (None, 0, "")]
        mean = sum(scores, Decimal(0)) / len(scores) if scores else None
        return {"value_score": mean.quantize(Decimal("0.0001")) if mean is not None else None}
    if ftype == "yes-no":
        if isinstance(value, bool):
            return {"value_bool": value}
        if isinstance(value, str) and value.lower() in ("yes", "no"):
            return {"value_bool": value.lower() == "yes"}
        raise ValueError("expected yes or no")
    if ftype == "currency":
        return {"value_number": _number(value)}
    if ftype == "date":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("expected epoch milliseconds")
        try:
            return {"value_date": ms(value)}
        except (TypeError, ValueError, OverflowError, OSError):
            raise ValueError("expected epoch milliseconds") from None
    return {}


_EMPTY_VALUES = {
    "value_score": None,
    "value_text": None,
    "value_option": None,
    "value_options": None,
    "value_date": None,
    "value_number": None,
    "value_bool": None,
}


def field_value_row(
    feedback_id: str, opportunity_id: str, template_id: str | None, position: int, field: Mapping[str, Any]
) -> Row:
    """One row of `feedback_field_values` for one field of one form (never raises on odd data)."""
    ftype = str(field.get("type") or "unknown")
    value = field.get("value")
    row: Row = {
        "feedback_id": feedback_id,
        # A field without an id (never seen, but cheap to survive) is keyed by its position.
        "field_id": str(field.get("id") or f"position-{position}"),
        "opportunity_id": opportunity_id,
        "template_id": template_id,
        "position": position,
        "type": ftype,
        "known_type": ftype in KNOWN_FIELD_TYPES,
        **_EMPTY_VALUES,
        "value": value,
        "parse_error": None,
        "raw": field,
    }
    if value is None or ftype not in KNOWN_FIELD_TYPES:
        return row
    try:
        row.update(_typed(ftype, value))
    except ValueError as err:
        row["parse_error"] = str(err)
    return row


def feedback_rows(opportunity_id: str, forms: Sequence[Mapping[str, Any]]) -> tuple[list[Row], list[Row]]:
    """Rows of `lever_feedback` and `feedback_field_values` for one opportunity's forms."""
    forms_out: list[Row] = []
    values_out: list[Row] = []
    for form in forms:
        template_id = ref_id(form.get("baseTemplateId"))
        forms_out.append(
            {
                "id": form["id"],
                "opportunity_id": opportunity_id,
                "template_id": template_id,
                "type": form.get("type"),
                "interview_id": ref_id(form.get("interview")),
                "panel_id": ref_id(form.get("panel")),
                "user_id": ref_id(form.get("user")),
                "created_at": ms(form.get("createdAt")),
                "completed_at": ms(form.get("completedAt")),
                "updated_at": ms(form.get("updatedAt")),
                "deleted_at": ms(form.get("deletedAt")),
                "raw": form,
            }
        )
        seen: set[str] = set()
        for position, field in enumerate(form.get("fields") or []):
            row = field_value_row(form["id"], opportunity_id, template_id, position, field)
            if row["field_id"] in seen:  # a repeated field id would break the key: keep the first
                continue
            seen.add(row["field_id"])
            values_out.append(row)
    return forms_out, values_out


def template_row(obj: Mapping[str, Any]) -> Row:
    """One row of `lever_feedback_templates` (without `fetched_at`, which the writer sets)."""
    group = obj.get("group") if isinstance(obj.get("group"), Mapping) else None
    fields = list(obj.get("fields") or [])
    unknown = sorted({str(f.get("type")) for f in fields if f.get("type") not in KNOWN_FIELD_TYPES})
    return {
        "id": obj["id"],
        "text": obj.get("text"),
        "group_id": group.get("id") if group else ref_id(obj.get("group")),
        "group_name": group.get("name") if group else None,
        "stage_id": ref_id(obj.get("stage")),
        "instructions": obj.get("instructions"),
        "created_at": ms(obj.get("createdAt")),
        "updated_at": ms(obj.get("updatedAt")),
        "fields": fields,
        "field_count": len(fields),
        "unknown_field_types": unknown or None,
        "deleted_at": None,
        "raw": obj,
    }


def template_field_rows(obj: Mapping[str, Any]) -> list[Row]:
    """Rows of `feedback_template_fields`, one per field of the template, in its order."""
    out: list[Row] = []
    seen: set[str] = set()
    for position, field in enumerate(obj.get("fields") or []):
        field_id = str(field.get("id") or f"position-{position}")
        if field_id in seen:
            continue
        seen.add(field_id)
        ftype = str(field.get("type") or "unknown")
        typed = parse_field(field)  # an unknown or unparseable field comes back as UnknownField
        out.append(
            {
                "template_id": obj["id"],
                "field_id": field_id,
                "position": position,
                "type": ftype,
                "known_type": typed.known,
                "text": field.get("text"),
                "description": field.get("description"),
                "required": bool(field.get("required")),
                "prompt": field.get("prompt"),
                "options": field.get("options"),
                "scores": field.get("scores"),
                "language": field.get("language"),
                "currency": field.get("currency"),
                "raw": field,
            }
        )
    return out


def interview_rows(opportunity_id: str, interviews: Sequence[Mapping[str, Any]]) -> tuple[list[Row], list[Row]]:
    """Rows of `lever_interviews` and `interview_interviewers` for one opportunity's interviews."""
    out: list[Row] = []
    people: list[Row] = []
    for iv in interviews:
        interviewers = list(iv.get("interviewers") or [])
        out.append(
            {
                "id": iv["id"],
                "opportunity_id": opportunity_id,
                "panel_id": ref_id(iv.get("panel")),
                "subject": iv.get("subject"),
                "date": ms(iv.get("date")),
                "duration_minutes": iv.get("duration"),
                "timezone": iv.get("timezone"),
                "location": iv.get("location"),
                "feedback_template_id": ref_id(iv.get("feedbackTemplate")),
                "feedback_form_ids": [str(ref_id(f)) for f in iv.get("feedbackForms") or []],
                "feedback_reminder": iv.get("feedbackReminder"),
                # Ids and templates only: names and emails are personal and live in lever_users.
                "interviewers": [
                    {"id": ref_id(p), "feedbackTemplate": p.get("feedbackTemplate") if isinstance(p, Mapping) else None}
                    for p in interviewers
                ],
                "user_id": ref_id(iv.get("user")),
                "stage_id": ref_id(iv.get("stage")),
                "posting_ids": [str(ref_id(p)) for p in iv.get("postings") or []],
                "created_at": ms(iv.get("createdAt")),
                "canceled_at": ms(iv.get("canceledAt")),
                "raw": iv,
            }
        )
        seen: set[str] = set()
        for position, person in enumerate(interviewers):
            user_id = ref_id(person)
            if not user_id or user_id in seen:
                continue
            seen.add(user_id)
            people.append(
                {
                    "interview_id": iv["id"],
                    "user_id": user_id,
                    "opportunity_id": opportunity_id,
                    "position": position,
                    "feedback_template_id": person.get("feedbackTemplate") if isinstance(person, Mapping) else None,
                    "raw": person,
                }
            )
    return out, people


def note_row(opportunity_id: str, note: Mapping[str, Any]) -> Row:
    fields = list(note.get("fields") or [])
    scores = [f.get("score") for f in fields if isinstance(f, Mapping) and isinstance(f.get("score"), int)]
    return {
        "id": note["id"],
        "opportunity_id": opportunity_id,
        "user_id": ref_id(note.get("user")),
        "secret": note.get("secret"),
        "score": scores[0] if scores else None,
        "field_count": len(fields),
        "created_at": ms(note.get("createdAt")),
        "completed_at": ms(note.get("completedAt")),
        "deleted_at": ms(note.get("deletedAt")),
        "raw": note,
    }


def resume_row(opportunity_id: str, resume: Mapping[str, Any]) -> Row:
    file = resume.get("file") or {}
    return {
        "id": resume["id"],
        "opportunity_id": opportunity_id,
        "file_name": file.get("name"),
        "file_ext": file.get("ext"),
        "file_status": file.get("status"),
        "file_size": file.get("size"),
        "uploaded_at": ms(file.get("uploadedAt")),
        "created_at": ms(resume.get("createdAt")),
        "raw": resume,
    }


def file_row(opportunity_id: str, file: Mapping[str, Any]) -> Row:
    return {
        "id": file["id"],
        "opportunity_id": opportunity_id,
        "name": file.get("name"),
        "ext": file.get("ext"),
        "status": file.get("status"),
        "size": file.get("size"),
        "uploaded_at": ms(file.get("uploadedAt")),
        "raw": file,
    }


def offer_row(opportunity_id: str, offer: Mapping[str, Any]) -> Row:
    signed = (offer.get("signedDocument") or {}).get("uploadedAt")
    return {
        "id": offer["id"],
        "opportunity_id": opportunity_id,
        "status": offer.get("status"),
        "creator_id": ref_id(offer.get("creator")),
        "created_at": ms(offer.get("createdAt")),
        "approved_at": ms(offer.get("approvedAt")),
        "sent_at": ms(offer.get("sentAt")),
        "signed_at": ms(signed),
        "raw": offer,
    }
