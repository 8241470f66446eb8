"""`lever-pipeline sync` as a real process: phases in order, progress bars, and resuming after kill -9."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy import Engine

from lever_pipeline.cli.sync import _display
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.sync.progress import Progress
from lever_pipeline_tests.cli.support import cli_env, run_cli, start_cli, wait_for
from lever_pipeline_tests.sync.conftest import CHILD_PATHS, count

FEEDBACK = CHILD_PATHS["feedback"]


def _env(engine: Engine, sandbox: RunningSandbox, home: Path, **extra: str) -> dict[str, str]:
    return cli_env(
        WAREHOUSE_URL=engine.url.render_as_string(hide_password=False),
        LEVER_PIPELINE_HOME=str(home),
        LEVER_API_KEY=sandbox.api_key,
        LEVER_BASE_URL=sandbox.base_url,
        **extra,
    )


def test_cli_sync_reads_core_streams_then_each_kind_and_a_second_run_reads_nothing_again(
    sandbox, clean_engine, tmp_path
) -> None:
    sandbox.reset()
    env = _env(clean_engine, sandbox, tmp_path, LEVER_RATE_LIMIT_PER_SECOND="100", LEVER_RATE_LIMIT_BURST="20")

    first = run_cli("sync", "--kinds", "feedback,interviews", env=env)

    assert first.returncode == 0, first.stderr
    names = [line.split(":")[0] for line in first.stdout.splitlines() if ":" in line]
    assert names == [
        "stages", "archive_reasons", "users", "postings", "opportunities", "feedback", "interviews", "applications"
    ]  # fmt: skip
    live = count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NULL")
    assert f"feedback: {live:,} opportunities" in first.stdout
    before = sandbox.stats()["requests_by_path"].get(FEEDBACK, 0)

    second = run_cli("sync", "--kinds", "feedback", "--no-progress", env=env)

    assert second.returncode == 0, second.stderr
    assert sandbox.stats()["requests_by_path"].get(FEEDBACK, 0) == before  # nothing changed, nothing re-read
    assert "feedback: 0 opportunities" in second.stdout


def test_cli_sync_killed_mid_fan_out_resumes_without_reading_a_stored_opportunity_again(
    sandbox, clean_engine, tmp_path
) -> None:
    sandbox.reset()
    slow = _env(clean_engine, sandbox, tmp_path, LEVER_RATE_LIMIT_PER_SECOND="25", LEVER_RATE_LIMIT_BURST="1")
    proc = start_cli("sync", "--kinds", "feedback", env=slow, log=tmp_path / "first.log")
    try:
        stored = "SELECT count(*) FROM child_sync_state WHERE kind = 'feedback'"
        wait_for(lambda: count(clean_engine, stored) >= 20, timeout=120, what="a first fan-out batch", proc=proc)
        os.killpg(proc.pid, signal.SIGKILL)  # no clean-up of any kind
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    live = count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NULL")
    done_before = count(clean_engine, stored)
    assert 0 < done_before < live, "the kill must land mid fan-out"
    requests_before = sandbox.stats()["requests_by_path"][FEEDBACK]

    fast = _env(clean_engine, sandbox, tmp_path, LEVER_RATE_LIMIT_PER_SECOND="100", LEVER_RATE_LIMIT_BURST="20")
    resumed = run_cli("sync", "--kinds", "feedback", "--no-progress", env=fast)

    assert resumed.returncode == 0, resumed.stderr
    read_again = sandbox.stats()["requests_by_path"][FEEDBACK] - requests_before
    assert read_again == live - done_before  # exactly the opportunities not stored before the kill
    assert count(clean_engine, stored) == live
    with clean_engine.connect() as conn:
        missing = conn.execute(
            sa.text(
                "SELECT count(*) FROM lever_opportunities o WHERE o.deleted_at IS NULL AND NOT EXISTS"
                " (SELECT 1 FROM child_sync_state s WHERE s.opportunity_id = o.id AND s.kind = 'feedback')"
            )
        ).scalar_one()
    assert missing == 0


def test_cli_progress_bars_show_done_of_total_and_rate() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)

    with _display(console, bars=True) as show:
        show(Progress("feedback", "opportunities", 3, 10, 4, 6, 2.0))
        show(Progress("opportunities", "rows", 500, None, 500, 5, 1.0, finished=True))

    text = out.getvalue()
    assert "feedback" in text and "3/10" in text and "3.0 req/s" in text
    assert "500/500" in text  # a phase without a total ends full


def test_cli_sync_refuses_an_unknown_kind_before_starting_anything(tmp_path) -> None:
    result = run_cli("sync", "--kinds", "feedback,bogus", env=cli_env(LEVER_PIPELINE_HOME=str(tmp_path)))

    assert result.returncode == 2
    assert "unknown kind(s) bogus" in result.stderr
    assert "Traceback" not in result.stderr
