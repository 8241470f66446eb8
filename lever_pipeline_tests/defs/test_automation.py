"""The dbt models' automation condition, evaluated tick by tick on the real definitions.

Dagster's own evaluator runs the condition the `dbt_models_automation` sensor runs, on an
in-memory instance; materializations and check results of the Lever assets are recorded
as a sync (scheduled, targeted or by hand) records them, and a requested build as one run
over the requested keys. Which dbt models each tick requests is the behaviour: after a
Lever change, all of them, once, however often the sensor ticks; again for a change that
lands after the build; not while a Lever blocking check has failed or a build is queued;
not held back by a refresh in progress.
"""

from collections.abc import Iterator
from functools import cache

import dagster as dg
import pytest
from dagster._core.definitions.asset_daemon_cursor import AssetDaemonCursor

from lever_pipeline.definitions import defs
from lever_pipeline.defs.dbt import build_dbt_assets, build_dbt_automation_sensor
from lever_pipeline.settings import SettingsError, get_settings

LEVER = sorted(k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "lever")
#: Read by one mart, but materialized every 10 minutes whatever happened: it never triggers a build.
DECISIONS = dg.AssetKey(["automation", "advancement_decisions"])
INPUTS = [*LEVER, DECISIONS]
DBT = dg.AssetSelection.assets(build_dbt_assets())
ALL_DBT_KEYS = DBT.resolve(defs.resolve_asset_graph())
ALL_DBT = {k.to_user_string() for k in ALL_DBT_KEYS}
OPPORTUNITIES = dg.AssetKey(["lever", "opportunities"])
BLOCKING_CHECK = "opportunities_have_known_stage"


class Ticks:
    """Successive evaluations of the dbt models' condition, carrying the cursor like the sensor does."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance
        self.cursor: AssetDaemonCursor | None = None

    def tick(self) -> set[str]:
        """The dbt asset keys this tick requests."""
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=self.instance, asset_selection=DBT, cursor=self.cursor
        )
        self.cursor = result.cursor
        return {r.key.to_user_string() for r in result.results if r.true_subset.size > 0}

    def built(self, keys: set[str]) -> None:
        """Run what the sensor would have launched for `keys`: one run materializing them all."""
        if keys:
            selection = [dg.AssetKey.from_user_string(k) for k in keys]
            # A job run with an asset selection, as the sensor launches: Dagster reads the
            # selection to tell a model's inputs built in the same run from newer ones.
            result = _dbt_stand_in_job().execute_in_process(instance=self.instance, asset_selection=selection)
            assert result.success
            assert set(result.dagster_run.asset_selection or ()) == set(selection)


@cache
def _dbt_stand_in_job() -> dg.JobDefinition:
    """A job over the dbt models' keys and inputs that materializes them without dbt (their contents do not matter)."""

    @dg.multi_asset(specs=[dg.AssetSpec(s.key, deps=s.deps) for s in build_dbt_assets().specs], can_subset=True)
    def dbt_stand_in(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        for key in defs.resolve_asset_graph().toposorted_asset_keys:  # inputs first, as dbt builds
            if key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=key)

    job = dg.define_asset_job("dbt_stand_in_job", selection=dg.AssetSelection.assets(dbt_stand_in))
    return dg.Definitions(assets=[dbt_stand_in], jobs=[job]).resolve_job_def("dbt_stand_in_job")


def _synced(instance: dg.DagsterInstance, *keys: dg.AssetKey, check_passed: bool | None = None) -> None:
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, metadata={"rows_upserted": 3}))
    if check_passed is not None:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=OPPORTUNITIES, check_name=BLOCKING_CHECK, passed=check_passed)
        )


@pytest.fixture
def ticks() -> Iterator[Ticks]:
    """Ticks on an empty instance, after the sensor's first evaluation (which never requests:
    Dagster treats what happened before a condition existed as handled)."""
    with dg.DagsterInstance.ephemeral() as instance:
        ticks = Ticks(instance)
        assert ticks.tick() == set()
        yield ticks


def _reading(key: dg.AssetKey) -> set[str]:
    """The dbt models that read `key`, directly or through other dbt models (not through other Lever assets)."""
    graph = defs.resolve_asset_graph()
    readers = [k for k in graph.get(key).child_keys if k.to_user_string() in ALL_DBT]
    selected = (dg.AssetSelection.assets(*readers).downstream() & DBT).resolve(graph)
    return {k.to_user_string() for k in selected}


def _all_synced_and_built(ticks: Ticks) -> None:
    _synced(ticks.instance, *INPUTS, check_passed=True)
    ticks.built(ticks.tick())
    assert ticks.tick() == set()


def test_dbt_models_wait_for_their_inputs_then_build_once(ticks: Ticks) -> None:
    users = dg.AssetKey(["lever", "users"])
    _synced(ticks.instance, *(k for k in INPUTS if k != users), check_passed=True)
    first = ticks.tick()
    assert first == ALL_DBT - _reading(users)  # what reads users waits for them
    ticks.built(first)
    _synced(ticks.instance, users)
    assert ticks.tick() == ALL_DBT
    ticks.built(ALL_DBT)
    for _ in range(3):  # nothing changed: no run, however often the sensor ticks
        assert ticks.tick() == set()


def test_any_lever_change_rebuilds_the_whole_project_in_one_run(ticks: Ticks) -> None:
    """One run from one snapshot: the marts' tests compare marts with each other."""
    _all_synced_and_built(ticks)
    for key in (OPPORTUNITIES, dg.AssetKey(["lever", "users"]), dg.AssetKey(["lever", "feedback_templates"])):
        _synced(ticks.instance, key, check_passed=True if key == OPPORTUNITIES else None)
        assert ticks.tick() == ALL_DBT
        ticks.built(ALL_DBT)
        assert ticks.tick() == set()  # the models built in one run do not re-trigger each other


def test_new_automation_decisions_alone_do_not_rebuild_the_models(ticks: Ticks) -> None:
    """The decisions mart follows with the next Lever change: a quiet account costs no build."""
    _all_synced_and_built(ticks)
    for _ in range(3):
        _synced(ticks.instance, DECISIONS)
        assert ticks.tick() == set()
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == ALL_DBT


def test_a_change_after_the_build_is_not_forgotten(ticks: Ticks) -> None:
    """The build finishes and another refresh lands before the next tick: that tick builds again."""
    _all_synced_and_built(ticks)
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    ticks.built(ticks.tick())
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == ALL_DBT
    ticks.built(ALL_DBT)
    assert ticks.tick() == set()


def test_a_failed_build_is_not_retried_until_the_next_change(ticks: Ticks) -> None:
    _all_synced_and_built(ticks)
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == ALL_DBT  # ... and the run fails: nothing is materialized
    for _ in range(3):
        assert ticks.tick() == set()
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == ALL_DBT


def test_a_failed_blocking_check_holds_the_rebuild_without_looping(ticks: Ticks) -> None:
    _all_synced_and_built(ticks)
    _synced(ticks.instance, OPPORTUNITIES, check_passed=False)
    _synced(ticks.instance, dg.AssetKey(["lever", "users"]))
    for _ in range(3):  # tick after tick: nothing is requested, whatever else changed
        assert ticks.tick() == set()
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == ALL_DBT  # the next good refresh releases it, once
    ticks.built(ALL_DBT)
    assert ticks.tick() == set()


def test_a_refresh_in_progress_does_not_hold_the_rebuild_but_a_build_in_progress_does(ticks: Ticks) -> None:
    _all_synced_and_built(ticks)
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    # The next refresh of opportunities is already running (planned, not yet materialized).
    ticks.instance.create_run_for_job(
        defs.resolve_job_def("lever_opportunities_sync"), status=dg.DagsterRunStatus.STARTED
    )
    assert ticks.tick() == ALL_DBT
    # The build it requested is running: a change meanwhile waits for it.
    ticks.instance.create_run_for_job(
        _dbt_stand_in_job(), status=dg.DagsterRunStatus.STARTED, asset_selection=frozenset(ALL_DBT_KEYS)
    )
    _synced(ticks.instance, OPPORTUNITIES, check_passed=True)
    assert ticks.tick() == set()


def test_the_minimum_interval_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_REBUILD_MIN_INTERVAL_SECONDS", "120")
    get_settings.cache_clear()
    try:
        assert build_dbt_automation_sensor().minimum_interval_seconds == 120
        monkeypatch.setenv("DBT_REBUILD_MIN_INTERVAL_SECONDS", "0")
        get_settings.cache_clear()
        with pytest.raises(SettingsError, match=r"^DBT_REBUILD_MIN_INTERVAL_SECONDS='0' is invalid: expected a whole"):
            build_dbt_automation_sensor()
    finally:
        get_settings.cache_clear()
