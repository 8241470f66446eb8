"""Lever objects (as the API returns them) mapped to warehouse rows.

Each mapper takes the raw response dict and returns the typed columns of its table plus
`raw`, the dict itself, so nothing Lever sends is dropped. Mapping straight from the dict,
not through a pydantic model per object, is deliberate: validating a model per object
was too slow for bulk syncs (it dominated a 100,000-opportunity sync's CPU), and the
dict is what gets stored anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lever_pipeline.warehouse.upsert import Row


def ms(value: object) -> datetime | None:
    """Lever's epoch milliseconds as an aware UTC datetime (None stays None)."""
    if value is None or value == "":
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def ref_id(value: object) -> str | None:
    """An id that may come expanded (`{"id": ...}`) or bare."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value  # type: ignore[return-value]


def stage_row(obj: Mapping[str, Any], position: int) -> Row:
    return {"id": obj["id"], "text": obj.get("text") or "", "position": position, "raw": obj}


def archive_reason_row(obj: Mapping[str, Any]) -> Row:
    return {
        "id": obj["id"],
        "text": obj.get("text") or "",
        "type": obj.get("type"),
        "status": obj.get("status"),
        "raw": obj,
    }


def user_row(obj: Mapping[str, Any]) -> Row:
    return {
        "id": obj["id"],
        "name": obj.get("name"),
        "username": obj.get("username"),
        "email": obj.get("email"),
        "access_role": obj.get("accessRole"),
        "job_title": obj.get("jobTitle"),
        "manager_id": obj.get("managerId"),
        "created_at": ms(obj.get("createdAt")),
        "deactivated_at": ms(obj.get("deactivatedAt")),
        "raw": obj,
    }


def posting_row(obj: Mapping[str, Any]) -> Row:
    categories = obj.get("categories") or {}
    return {
        "id": obj["id"],
        "text": obj.get("text"),
        "state": obj.get("state"),
        "team": categories.get("team"),
        "department": categories.get("department"),
        "location": categories.get("location"),
        "commitment": categories.get("commitment"),
        "level": categories.get("level"),
        "workplace_type": obj.get("workplaceType"),
        "confidentiality": obj.get("confidentiality"),
        "owner_id": ref_id(obj.get("owner")),
        "hiring_manager_id": ref_id(obj.get("hiringManager")),
        "creator_id": ref_id(obj.get("user")),
        "tags": list(obj.get("tags") or []),
        "created_at": ms(obj.get("createdAt")),
        "updated_at": ms(obj.get("updatedAt")),
        "deleted_at": None,  # a posting Lever returns again is live again
        "raw": obj,
    }


def _posting_ids(applications: object) -> list[str]:
    # With expand=applications each application names its posting; bare ids carry none.
    ids: list[str] = []
    for app in applications or []:  # type: ignore[union-attr]
        if isinstance(app, Mapping):
            posting = ref_id(app.get("posting"))
            if posting and posting not in ids:
                ids.append(posting)
    return ids


def opportunity_row(obj: Mapping[str, Any]) -> Row:
    archived = obj.get("archived") or None
    return {
        "id": obj["id"],
        "contact_id": ref_id(obj.get("contact")),
        "stage_id": ref_id(obj.get("stage")),
        "origin": obj.get("origin"),
        "owner_id": ref_id(obj.get("owner")),
        "sourced_by_id": ref_id(obj.get("sourcedBy")),
        "confidentiality": obj.get("confidentiality"),
        "is_archived": archived is not None,
        "archived_reason_id": archived.get("reason") if archived else None,
        "archived_at": ms(archived.get("archivedAt")) if archived else None,
        "posting_ids": _posting_ids(obj.get("applications")),
        "tags": list(obj.get("tags") or []),
        "sources": list(obj.get("sources") or []),
        "created_at": ms(obj.get("createdAt")),
        "updated_at": ms(obj.get("updatedAt")),
        "last_interaction_at": ms(obj.get("lastInteractionAt")),
        "last_advanced_at": ms(obj.get("lastAdvancedAt")),
        "snoozed_until": ms(obj.get("snoozedUntil")),
        "deleted_at": None,
        "raw": obj,
    }
