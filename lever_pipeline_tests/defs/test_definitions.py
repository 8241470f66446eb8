"""The definitions as the UI shows them: an exact snapshot, so a renamed key, job or default is a visible diff."""

import warnings

import dagster as dg

from lever_pipeline.definitions import defs

LEVER_ASSETS = [
    "lever/applications",
    "lever/archive_reasons",
    "lever/feedback",
    "lever/feedback_templates",
    "lever/files",
    "lever/interviews",
    "lever/notes",
    "lever/offers",
    "lever/opportunities",
    "lever/panels",
    "lever/postings",
    "lever/profile_forms",
    "lever/referrals",
    "lever/requisition_fields",
    "lever/requisitions",
    "lever/resumes",
    "lever/stages",
    "lever/users",
]

# dbt models: `<folder>/<model>`, the folder also being the group (staging, marts, fivetran).
DBT_MODELS = [
    "automation/advancement_decisions",
    "fivetran/application",
    "fivetran/archive_reason",
    "fivetran/contact_email",
    "fivetran/contact_link",
    "fivetran/contact_phone",
    "fivetran/feedback_form",
    "fivetran/feedback_form_field",
    "fivetran/interview",
    "fivetran/interview_feedback",
    "fivetran/interview_user",
    "fivetran/offer",
    "fivetran/opportunity",
    "fivetran/opportunity_source",
    "fivetran/opportunity_stage_history",
    "fivetran/opportunity_tag",
    "fivetran/panel",
    "fivetran/panel_application",
    "fivetran/panel_interview",
    "fivetran/posting",
    "fivetran/posting_interview",
    "fivetran/posting_tag",
    "fivetran/requisition",
    "fivetran/requisition_offer",
    "fivetran/requisition_posting",
    "fivetran/resume",
    "fivetran/stage",
    "fivetran/users",
    "marts/automation_decisions_daily",
    "marts/interviewer_scorecard",
    "marts/interviews_enhanced",
    "marts/opportunity_enhanced",
    "marts/pipeline_daily",
    "marts/posting_funnel",
    "marts/requisition_enhanced",
    "marts/source_effectiveness",
    "marts/stage_history",
    "marts/time_in_stage",
    "marts/time_to_hire",
    "staging/stg_lever__applications",
    "staging/stg_lever__archive_reasons",
    "staging/stg_lever__feedback",
    "staging/stg_lever__feedback_field_values",
    "staging/stg_lever__feedback_template_fields",
    "staging/stg_lever__feedback_templates",
    "staging/stg_lever__files",
    "staging/stg_lever__interview_interviewers",
    "staging/stg_lever__interviews",
    "staging/stg_lever__notes",
    "staging/stg_lever__offers",
    "staging/stg_lever__opportunities",
    "staging/stg_lever__panels",
    "staging/stg_lever__postings",
    "staging/stg_lever__profile_form_field_values",
    "staging/stg_lever__profile_forms",
    "staging/stg_lever__referrals",
    "staging/stg_lever__requisition_custom_field_values",
    "staging/stg_lever__requisition_fields",
    "staging/stg_lever__requisitions",
    "staging/stg_lever__resumes",
    "staging/stg_lever__stage_changes",
    "staging/stg_lever__stages",
    "staging/stg_lever__users",
]

LEVER_CHECKS = [
    "lever/applications:applications_have_known_opportunity",
    "lever/applications:applications_have_known_posting",
    "lever/archive_reasons:fresh",
    "lever/archive_reasons:ids_unique_and_present",
    "lever/feedback:feedback_field_values_valid",
    "lever/feedback:feedback_has_known_template",
    "lever/interviews:interviews_have_known_opportunity",
    "lever/opportunities:fresh",
    "lever/opportunities:ids_unique_and_present",
    "lever/opportunities:lever_api_healthy",
    "lever/opportunities:lever_streams_fresh",
    "lever/opportunities:opportunities_have_known_owner",
    "lever/opportunities:opportunities_have_known_postings",
    "lever/opportunities:opportunities_have_known_stage",
    "lever/panels:panel_interviews_synced",
    "lever/panels:panels_have_known_opportunity",
    "lever/postings:fresh",
    "lever/postings:ids_unique_and_present",
    "lever/profile_forms:profile_forms_have_known_opportunity",
    "lever/referrals:referrals_have_known_opportunity",
    "lever/requisition_fields:fresh",
    "lever/requisition_fields:ids_unique_and_present",
    "lever/requisitions:fresh",
    "lever/requisitions:ids_unique_and_present",
    "lever/requisitions:requisition_custom_fields_known",
    "lever/requisitions:requisitions_have_known_postings",
    "lever/stages:fresh",
    "lever/stages:ids_unique_and_present",
    "lever/users:fresh",
    "lever/users:ids_unique_and_present",
]

JOBS = [
    "lever_feedback_templates_sync",
    "lever_full_reconciliation",
    "lever_opportunities_sync",
    "lever_opportunity_children_sync",
    "lever_postings_sync",
    "lever_reference_sync",
    "lever_requisitions_sync",
    "lever_sync_and_build",
    "lever_sync_on_celery",
    "purge_webhook_events_job",
    "refresh_lever_opportunities_job",
    "submit_approved_feedback",
    "submit_lever_writes",
]

SCHEDULES = [
    ("lever_feedback_templates_sync_schedule", "3 * * * *", "STOPPED"),
    ("lever_full_reconciliation_schedule", "30 2 * * *", "STOPPED"),
    ("lever_opportunities_sync_schedule", "*/15 * * * *", "STOPPED"),
    ("lever_opportunity_children_sync_schedule", "7,22,37,52 * * * *", "STOPPED"),
    ("lever_postings_sync_schedule", "5 * * * *", "STOPPED"),
    ("lever_reference_sync_schedule", "10 3 * * *", "STOPPED"),
    ("lever_requisitions_sync_schedule", "12 * * * *", "STOPPED"),
    ("purge_webhook_events_job_schedule", "17 3 * * *", "RUNNING"),
]

SENSORS = [
    ("approved_feedback_sensor", "RUNNING"),
    ("automation_advancement", "RUNNING"),
    ("dbt_models_automation", "RUNNING"),
    ("lever_api_health", "RUNNING"),
    ("lever_webhook_events_released", "RUNNING"),
    ("lever_webhook_events_released_on_cancel", "RUNNING"),
    ("lever_webhook_sensor", "RUNNING"),
    ("lever_writes_sensor", "RUNNING"),
]

DBT_TEST_COUNT = 308


def test_definitions_load_and_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_definitions_load_without_beta_warnings() -> None:
    """Every process of every run loads the definitions: a warning there is logged again and again."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dg.Definitions(
            assets=defs.assets,
            asset_checks=defs.asset_checks,
            jobs=defs.jobs,
            schedules=defs.schedules,
            sensors=defs.sensors,
            resources=defs.resources,
        ).get_repository_def()
    assert [str(w.message) for w in caught if issubclass(w.category, dg.BetaWarning)] == []


def test_definitions_asset_keys_exactly() -> None:
    keys = sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())
    assert [k for k in keys if k.startswith("lever/")] == LEVER_ASSETS
    assert [k for k in keys if not k.startswith("lever/")] == DBT_MODELS


def test_definitions_asset_checks_exactly() -> None:
    checks = defs.resolve_asset_graph().asset_check_keys
    ours = sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in checks if c.asset_key.path[0] == "lever")
    assert ours == LEVER_CHECKS
    assert sum(1 for c in checks if c.asset_key.path[0] != "lever") == DBT_TEST_COUNT


def test_definitions_jobs_schedules_and_sensors_exactly() -> None:
    assert sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")) == JOBS
    assert sorted((s.name, s.cron_schedule, s.default_status.value) for s in defs.schedules) == SCHEDULES
    assert sorted((s.name, s.default_status.value) for s in defs.sensors) == SENSORS


def test_definitions_bootstrap_order() -> None:
    graph = defs.resolve_asset_graph()
    upstream = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    assert upstream["lever/users"] == {"lever/stages"}
    assert upstream["lever/postings"] == {"lever/users"}
    assert {"lever/postings", "lever/archive_reasons"} <= upstream["lever/opportunities"]
    # Custom field values are typed by the stored fields; panels skip opportunities whose
    # interviews are known to be none; applications come from the stored opportunities.
    assert {"lever/requisition_fields", "lever/postings", "lever/users"} == upstream["lever/requisitions"]
    assert {"lever/opportunities", "lever/interviews"} == upstream["lever/panels"]
    assert {"lever/opportunities"} == upstream["lever/applications"]


def test_definitions_sync_jobs_select_the_new_assets() -> None:
    jobs = {j.name: j for j in defs.resolve_all_job_defs()}
    graph = defs.resolve_asset_graph()

    def keys(job: str) -> set[str]:
        return {k.to_user_string() for k in jobs[job].asset_layer.selected_asset_keys} & {
            k.to_user_string() for k in graph.get_all_asset_keys()
        }

    assert keys("lever_opportunities_sync") == {"lever/opportunities", "lever/applications"}
    assert {"lever/panels", "lever/referrals", "lever/profile_forms"} <= keys("lever_opportunity_children_sync")
    assert keys("lever_requisitions_sync") == {"lever/requisition_fields", "lever/requisitions"}
