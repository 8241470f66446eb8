"""The `lever` schema has every table and column of Fivetran's Lever schema that dbt_lever reads, each with rows."""

from __future__ import annotations

from collections import defaultdict

import pytest
import sqlalchemy as sa

from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

FIVETRAN = ["_fivetran_synced", "_fivetran_deleted"]

#: Fivetran's Lever tables and the columns dbt_lever's staging models read; for the panel
#: tables, which dbt_lever names but does not read, the columns of Fivetran's own test data.
EXPECTED: dict[str, list[str]] = {
    "opportunity": [
        "id", "archived_at", "archived_reason_id", "contact", "created_at", "data_protection_contact_allowed",
        "data_protection_contact_expires_at", "data_protection_store_allowed", "data_protection_store_expires_at",
        "headline", "is_anonymized", "last_advanced_at", "last_interaction_at", "location", "name", "origin",
        "owner_id", "snoozed_until", "stage_id", "updated_at",
    ],
    "application": [
        "id", "archived_at", "archived_reason_id", "candidate_id", "comments", "company", "created_at",
        "opportunity_id", "posting_hiring_manager_id", "posting_id", "posting_owner_id", "referrer_id",
        "requisition_for_hire_id", "type",
    ],
    "posting": [
        "id", "categories_commitment", "categories_department", "categories_level", "categories_location",
        "categories_team", "content_closing", "content_closing_html", "content_description",
        "content_description_html", "created_at", "creator_id", "owner_id", "requisition_code", "state", "text",
        "updated_at",
    ],
    "posting_tag": ["posting_id", "tag"],
    "users": [
        "id", "access_role", "created_at", "deactivated_at", "email", "external_directory_id", "name", "photo",
        "username",
    ],
    "interview": [
        "id", "canceled_at", "candidate_id", "created_at", "creator_id", "date", "duration", "feedback_reminder",
        "gcal_event_url", "location", "note", "opportunity_id", "panel_id", "stage_id", "subject", "timezone",
    ],
    "interview_user": ["interview_id", "user_id"],
    "interview_feedback": ["feedback_form_id", "interview_id"],
    "feedback_form": [
        "id", "candidate_id", "completed_at", "created_at", "creator_id", "deleted_at", "instructions",
        "interview_id", "opportunity_id", "score_system_value", "template_id", "text", "type",
    ],
    "feedback_form_field": [
        "feedback_form_id", "field_index", "value_index", "code_language", "currency", "value_date",
        "value_decimal", "value_file_id", "value_number", "value_text",
    ],
    "opportunity_stage_history": ["opportunity_id", "stage_id", "to_stage_index", "updated_at", "updater_id"],
    "opportunity_source": ["opportunity_id", "source"],
    "opportunity_tag": ["opportunity_id", "tag"],
    "stage": ["id", "text"],
    "archive_reason": ["id", "text"],
    "offer": ["id", "candidate_id", "created_at", "creator_id", "opportunity_id", "status"],
    "requisition": [
        "id", "backfill", "compensation_band_currency", "compensation_band_interval", "compensation_band_max",
        "compensation_band_min", "created_at", "creator_id", "employment_status", "headcount_hired",
        "headcount_infinite", "headcount_total", "hiring_manager_id", "internal_notes", "location", "name",
        "owner_id", "requisition_code", "status", "team",
    ],
    "requisition_posting": ["posting_id", "requisition_id"],
    "requisition_offer": ["offer_id", "requisition_id"],
    "panel": [
        "id", "canceled_at", "created_at", "creator_id", "end", "external_url", "externally_managed",
        "feedback_reminder", "note", "stage_id", "start", "timezone",
    ],
    "panel_application": ["application_id", "panel_id"],
    "panel_interview": ["interview_id", "panel_id"],
    "contact_email": ["contact_id", "email"],
    "contact_phone": ["contact_id", "index", "type", "value"],
    "contact_link": ["contact_id", "link"],
    "resume": ["id", "created_at", "file_download_url", "file_ext", "file_name", "file_uploaded_at", "opportunity_id"],
}  # fmt: skip


def test_fivetran_schema_has_every_table_and_column_with_rows(built_warehouse: BuiltWarehouse) -> None:
    columns: dict[str, set[str]] = defaultdict(set)
    for r in built_warehouse.rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'lever'"
    ):
        columns[r.table_name].add(r.column_name)
    for table, expected in EXPECTED.items():
        missing = {*expected, *FIVETRAN} - columns.get(table, set())
        assert not missing, f"lever.{table} lacks {sorted(missing)}"
        with built_warehouse.engine.connect() as conn:
            rows = conn.execute(sa.select(sa.func.count()).select_from(sa.table(table, schema="lever"))).scalar_one()
        assert rows > 0, f"lever.{table} is empty"


def test_fivetran_child_tables_flatten_the_raw_json(built_warehouse: BuiltWarehouse) -> None:
    wh = built_warehouse
    assert wh.scalar("SELECT count(*) FROM lever.opportunity_stage_history") == wh.scalar(
        "SELECT sum(jsonb_array_length(raw->'stageChanges')) FROM lever_opportunities"
    )
    assert wh.scalar("SELECT count(*) FROM lever.opportunity_source") == wh.scalar(
        "SELECT count(DISTINCT (id, s)) FROM lever_opportunities, jsonb_array_elements_text(raw->'sources') s"
    )
    assert wh.scalar("SELECT count(*) FROM lever.contact_email") == wh.scalar(
        "SELECT count(DISTINCT (contact_id, e)) FROM lever_opportunities, jsonb_array_elements_text(raw->'emails') e"
    )
    assert wh.scalar("SELECT count(*) FROM lever.interview_user") == wh.scalar(
        "SELECT sum(jsonb_array_length(raw->'interviewers')) FROM lever_interviews"
    )
    assert wh.scalar("SELECT count(*) FROM lever.application") == wh.scalar("SELECT count(*) FROM lever_applications")
    assert wh.scalar("SELECT count(*) FROM lever.panel") == wh.scalar("SELECT count(*) FROM lever_panels")
    assert wh.scalar("SELECT count(*) FROM lever.panel_interview") == wh.scalar(
        "SELECT count(DISTINCT (id, i)) FROM lever_panels, unnest(interview_ids) i"
    )


def test_fivetran_application_names_the_referrer_of_every_referral(built_warehouse: BuiltWarehouse) -> None:
    """dbt_lever names each candidacy's referrer from `referrer_id`: Lever's `user` on a referral, else the form's."""
    wh = built_warehouse
    referrals = wh.rows("SELECT id, type, referrer_id FROM lever.application WHERE type = 'referral'")
    assert referrals and all(r.referrer_id for r in referrals)
    assert wh.scalar("SELECT count(*) FROM lever.application WHERE type <> 'referral' AND referrer_id IS NOT NULL") == 0
