import dagster as dg

from lever_pipeline.definitions import defs

CORE_KEYS = {
    "lever/archive_reasons",
    "lever/opportunities",
    "lever/postings",
    "lever/stages",
    "lever/users",
}


def test_definitions_load_and_validate() -> None:
    dg.Definitions.validate_loadable(defs)


def test_definitions_core_asset_keys_and_bootstrap_order() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys >= CORE_KEYS
    upstream = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    assert upstream["lever/users"] == {"lever/stages"}
    assert upstream["lever/postings"] == {"lever/users"}
    assert {"lever/postings", "lever/archive_reasons"} <= upstream["lever/opportunities"]


def test_definitions_schedules_match_seed_cadence() -> None:
    crons = {s.name: s.cron_schedule for s in defs.schedules}
    assert crons["lever_opportunities_sync_schedule"] == "*/15 * * * *"
    assert crons["lever_postings_sync_schedule"].endswith("* * * *")
    assert crons["lever_reference_sync_schedule"].endswith("* * *")
    assert "lever_full_reconciliation_schedule" in crons
