"""Applications, panels, referrals and profile forms of an opportunity mapped to warehouse rows.

Like `per_opportunity_rows`, every mapper takes Lever's raw dict and returns typed columns
plus `raw`. Profile form answers are parsed exactly as feedback answers are
(`per_opportunity_rows.field_value_row`), into `profile_form_field_values`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lever_pipeline.sync.per_opportunity_rows import field_value_row
from lever_pipeline.sync.rows import ms, ref_id
from lever_pipeline.warehouse.upsert import Row


def _ids(values: object) -> list[str]:
    return [str(ref_id(v)) for v in values or [] if ref_id(v)]  # type: ignore[union-attr]


def stored_applications(opportunity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The applications an opportunity's stored response holds (read with expand=applications).

    An application Lever sent as a bare id (a response read without the expansion) becomes
    `{"id": ...}`: its row then has only the id, and the next read of the opportunity fills it.
    """
    out: list[dict[str, Any]] = []
    for app in opportunity.get("applications") or []:
        if isinstance(app, Mapping) and app.get("id"):
            out.append(dict(app))
        elif isinstance(app, str) and app:
            out.append({"id": app})
    return out


def application_row(opportunity_id: str, app: Mapping[str, Any]) -> Row:
    """One row of `lever_applications`."""
    archived = app.get("archived") if isinstance(app.get("archived"), Mapping) else None
    return {
        "id": app["id"],
        "opportunity_id": opportunity_id,
        "candidate_id": app.get("candidateId"),
        "type": app.get("type"),
        "posting_id": ref_id(app.get("posting")),
        "posting_owner_id": ref_id(app.get("postingOwner")),
        "posting_hiring_manager_id": ref_id(app.get("postingHiringManager")),
        "user_id": ref_id(app.get("user")),
        "requisition_for_hire_id": ref_id(app.get("requisitionForHire")),
        "created_at": ms(app.get("createdAt")),
        "archived_at": ms(archived.get("archivedAt")) if archived else None,
        "archived_reason_id": ref_id(archived.get("reason")) if archived else None,
        "raw": app,
    }


def panel_row(opportunity_id: str, panel: Mapping[str, Any]) -> Row:
    """One row of `lever_panels`; its interviews are rows of `lever_interviews` (ids kept here)."""
    interview_ids = _ids(panel.get("interviews"))
    return {
        "id": panel["id"],
        "opportunity_id": opportunity_id,
        "stage_id": ref_id(panel.get("stage")),
        "user_id": ref_id(panel.get("user")),
        "timezone": panel.get("timezone"),
        "start_at": ms(panel.get("start")),
        "end_at": ms(panel.get("end")),
        "created_at": ms(panel.get("createdAt")),
        "canceled_at": ms(panel.get("canceledAt")),
        "externally_managed": panel.get("externallyManaged")
        if isinstance(panel.get("externallyManaged"), bool)
        else None,
        "external_url": panel.get("externalUrl"),
        "feedback_reminder": panel.get("feedbackReminder"),
        "application_ids": _ids(panel.get("applications")),
        "interview_ids": interview_ids,
        "interview_count": len(interview_ids),
        "raw": panel,
    }


def referral_row(opportunity_id: str, referral: Mapping[str, Any]) -> Row:
    """One row of `lever_referrals` (the answers, which name people, stay in `raw`)."""
    return {
        "id": referral["id"],
        "opportunity_id": opportunity_id,
        "type": referral.get("type"),
        "text": referral.get("text"),
        "base_template_id": ref_id(referral.get("baseTemplateId")),
        "referrer_id": ref_id(referral.get("referrer")),
        "user_id": ref_id(referral.get("user")),
        "stage_id": ref_id(referral.get("stage")),
        "field_count": len(referral.get("fields") or []),
        "created_at": ms(referral.get("createdAt")),
        "completed_at": ms(referral.get("completedAt")),
        "raw": referral,
    }


def profile_form_rows(opportunity_id: str, forms: Sequence[Mapping[str, Any]]) -> tuple[list[Row], list[Row]]:
    """Rows of `lever_profile_forms` and `profile_form_field_values` for one opportunity's forms."""
    forms_out: list[Row] = []
    values_out: list[Row] = []
    for form in forms:
        template_id = ref_id(form.get("baseTemplateId"))
        fields = list(form.get("fields") or [])
        forms_out.append(
            {
                "id": form["id"],
                "opportunity_id": opportunity_id,
                "type": form.get("type"),
                "text": form.get("text"),
                "base_template_id": template_id,
                "user_id": ref_id(form.get("user")),
                "stage_id": ref_id(form.get("stage")),
                "field_count": len(fields),
                "created_at": ms(form.get("createdAt")),
                "completed_at": ms(form.get("completedAt")),
                "deleted_at": ms(form.get("deletedAt")),
                "raw": form,
            }
        )
        seen: set[str] = set()
        for position, field in enumerate(fields):
            row = field_value_row(form["id"], opportunity_id, template_id, position, field)
            if row["field_id"] in seen:  # a repeated field id would break the key: keep the first
                continue
            seen.add(row["field_id"])
            row["form_id"] = row.pop("feedback_id")
            values_out.append(row)
    return forms_out, values_out
