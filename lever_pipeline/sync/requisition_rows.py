"""Requisitions, their custom field values and the account's requisition fields mapped to warehouse rows.

Like `rows`, each mapper takes Lever's raw dict and returns typed columns plus `raw`.
A requisition's `customFields` is an object of field id to value; each entry becomes one
row of `requisition_custom_field_values`, typed by the field's type as stored in
`lever_requisition_fields` (`number` → `value_number`, `date` (epoch ms) → `value_date`,
`text`/`dropdown` → `value_text`, `object` → `value` only). A field the warehouse does not
know yet is typed by its JSON value (string → text, number → number). Nothing here raises
on Lever's data: a value that does not fit its type keeps only `value`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lever_pipeline.sync.rows import ms, ref_id
from lever_pipeline.warehouse.upsert import Row

FieldTypes = Mapping[str, str]
"""Requisition field id → its type (`number`, `text`, `date`, `object`, `dropdown`)."""


def _text(value: object) -> str | None:
    """A category that may come as text or as an object naming it (`{"text": ...}` / `{"name": ...}`)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        named = value.get("text") or value.get("name")
        return str(named) if named is not None else None
    return str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
    return None


def _ids(values: object) -> list[str]:
    return [str(ref_id(v)) for v in values or [] if ref_id(v)]  # type: ignore[union-attr]


def requisition_row(obj: Mapping[str, Any]) -> Row:
    """One row of `lever_requisitions`; `headcountTotal` may be the string "unlimited"."""
    band = obj.get("compensationBand") if isinstance(obj.get("compensationBand"), Mapping) else {}
    total = obj.get("headcountTotal")
    infinite = bool(obj.get("headcountInfinite")) or (isinstance(total, str) and total.strip().lower() == "unlimited")
    return {
        "id": obj["id"],
        "requisition_code": obj.get("requisitionCode"),
        "name": obj.get("name"),
        "status": obj.get("status"),
        "confidentiality": obj.get("confidentiality"),
        "backfill": obj.get("backfill") if isinstance(obj.get("backfill"), bool) else None,
        "headcount_total": None if infinite else _int(total),
        "headcount_infinite": infinite,
        "headcount_hired": _int(obj.get("headcountHired")),
        "employment_status": _text(obj.get("employmentStatus")),
        "location": _text(obj.get("location")),
        "team": _text(obj.get("team")),
        "department": _text(obj.get("department")),
        "owner_id": ref_id(obj.get("owner")),
        "hiring_manager_id": ref_id(obj.get("hiringManager")),
        "creator_id": ref_id(obj.get("creator")),
        "compensation_min": _decimal(band.get("min")),
        "compensation_max": _decimal(band.get("max")),
        "compensation_currency": band.get("currency"),
        "compensation_interval": band.get("interval"),
        "posting_ids": _ids(obj.get("postings")),
        "offer_ids": _ids(obj.get("offerIds")),
        "time_to_fill_start_at": ms(obj.get("timeToFillStartAt")),
        "time_to_fill_end_at": ms(obj.get("timeToFillEndAt")),
        "created_at": ms(obj.get("createdAt")),
        "updated_at": ms(obj.get("updatedAt")),
        "closed_at": ms(obj.get("closedAt")),
        "deleted_at": None,
        "raw": obj,
    }


def _typed_value(field_type: str | None, value: Any) -> dict[str, Any]:
    """The typed columns of one custom field value (empty when it does not fit its type)."""
    if value is None:
        return {}
    kind = field_type or ("text" if isinstance(value, str) else "number" if isinstance(value, int | float) else None)
    if kind in ("text", "dropdown"):
        return {"value_text": value} if isinstance(value, str) else {}
    if kind == "number":
        number = _decimal(value)
        return {"value_number": number} if number is not None else {}
    if kind == "date":
        try:
            return {"value_date": ms(value)} if not isinstance(value, bool) else {}
        except (TypeError, ValueError, OverflowError, OSError):
            return {}
    return {}


def custom_field_rows(obj: Mapping[str, Any], field_types: FieldTypes) -> list[Row]:
    """Rows of `requisition_custom_field_values` for one requisition: one per field it has a value for."""
    custom = obj.get("customFields")
    if not isinstance(custom, Mapping):
        return []
    out: list[Row] = []
    for field_id, value in custom.items():
        field_type = field_types.get(str(field_id))
        out.append(
            {
                "requisition_id": obj["id"],
                "field_id": str(field_id),
                "field_type": field_type,
                "value_text": None,
                "value_number": None,
                "value_date": None,
                **_typed_value(field_type, value),
                "value": value,
            }
        )
    return out


def requisition_field_row(obj: Mapping[str, Any]) -> Row:
    """One row of `lever_requisition_fields`."""
    return {
        "id": obj["id"],
        "text": obj.get("text"),
        "type": obj.get("type"),
        "is_required": obj.get("isRequired") if isinstance(obj.get("isRequired"), bool) else None,
        "options": obj.get("options"),
        "subfields": obj.get("subfields"),
        "deleted_at": None,
        "raw": obj,
    }
