"""Forgetting the warehouse's account: what goes, what stays, and a busy warehouse (real PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from lever_pipeline.account.guard import AccountMismatch, LeverAccount, ensure_account
from lever_pipeline.account.reset import KEPT_TABLES, WarehouseBusy, reset_account
from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.warehouse.tables import lever_stages, metadata
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets
from lever_pipeline.warehouse.tables.writeback import feedback_drafts, lever_outbox, writeback_audit
from lever_pipeline.webhooks.events import store_event

OLD = LeverAccount.of("https://api.lever.co/v1", "old-key")
NEW = LeverAccount.of("https://api.eu.lever.co/v1", "new-key")


def _fill(engine: Engine) -> int:
    """A mirrored row, a draft with its outbox item, a webhook event, an audit row and a bucket; the event's id."""
    with engine.begin() as conn:
        conn.execute(sa.insert(lever_stages).values(id="s1", text="New", position=0, raw={}))
        draft = conn.execute(
            sa.insert(feedback_drafts).values(opportunity_id="o1", template_id="t1").returning(feedback_drafts.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(lever_outbox).values(
                kind="feedback", opportunity_id="o1", draft_id=draft, payload={}, idempotency_key="k1"
            )
        )
        conn.execute(sa.insert(writeback_audit).values(action="sent", kind="feedback"))
        conn.execute(sa.insert(rate_limit_buckets).values(bucket="lever:b", tat=0.0))
    return _store_event(engine, "e1")


def _store_event(engine: Engine, uid: str) -> int:
    delivery = VerifiedDelivery("candidateHired", uid, "token", 1_700_000_000_000, "o1", {"id": uid})
    stored = store_event(engine, delivery).id
    assert stored is not None
    return stored


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[table])).scalar_one()


def test_reset_empties_account_tables_keeps_audit_and_buckets_and_forgets_the_account(clean_engine: Engine) -> None:
    ensure_account(clean_engine, OLD)
    event_id = _fill(clean_engine)
    summary = reset_account(clean_engine)
    assert summary.account == OLD
    assert summary.rows["lever_stages"] == 1 and summary.rows["feedback_drafts"] == 1
    assert summary.rows["lever_outbox"] == 1 and summary.rows["lever_webhook_events"] == 1
    assert summary.rows["lever_account"] == 1 and not set(KEPT_TABLES) & set(summary.rows)
    for table in metadata.tables:
        expected = 1 if table in KEPT_TABLES else 0
        assert _count(clean_engine, table) == expected, table
    ensure_account(clean_engine, NEW)  # the next client records its own account
    with pytest.raises(AccountMismatch):
        ensure_account(clean_engine, OLD)
    assert _store_event(clean_engine, "e2") > event_id  # ids continue: the webhook sensor's cursor is an event id


def test_reset_gives_up_in_one_line_while_a_table_is_locked(clean_engine: Engine) -> None:
    ensure_account(clean_engine, OLD)
    with clean_engine.connect() as holder:
        holder.execute(sa.text("LOCK TABLE lever_stages IN ACCESS SHARE MODE"))  # a sync reading it
        with pytest.raises(WarehouseBusy, match=r"stayed locked for 0\.2 s: stop `lever-pipeline dev`"):
            reset_account(clean_engine, lock_timeout_s=0.2)
        holder.rollback()
    assert _count(clean_engine, "lever_account") == 1  # nothing was deleted


def test_reset_command_asks_for_yes_then_forgets(
    clean_engine: Engine, test_database_url: sa.URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lever_pipeline.cli.main import app
    from lever_pipeline.settings import get_settings

    ensure_account(clean_engine, OLD)
    _fill(clean_engine)
    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        asked = runner.invoke(app, ["reset"])
        assert asked.exit_code == 2 and "lever-pipeline reset --yes" in asked.output
        assert _count(clean_engine, "lever_stages") == 1
        done = runner.invoke(app, ["reset", "--yes"])
        status = runner.invoke(app, ["status"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Forgot {OLD.label}: deleted 5 rows from 5 tables.")
    assert "Lever account: none recorded yet" in status.output
