"""Write-back over real HTTP (the sandbox) and a real PostgreSQL: each kind lands once, rules fail
with field-naming reasons, perform_as, ambiguous failures, 401, the circuit breaker, dry runs."""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.writeback import circuit, outbox
from lever_pipeline.writeback.drafts import DraftStateError, approve_draft, create_draft, edit_draft, get_draft
from lever_pipeline.writeback.sender import WritebackOptions, send_pending
from lever_pipeline.writeback.validation import validate_field_values
from lever_pipeline_tests.writeback.conftest import Clock, World, api, make_world, valid_value, valid_values


def queue(world: World, kind: str, payload: dict[str, Any], opp: str | None = None) -> outbox.OutboxItem:
    with world.engine.begin() as conn:
        return outbox.enqueue(conn, kind, opp or world.opportunity(), payload)


def approved_feedback(world: World, email: str | None, opp: str | None = None, **kw: Any) -> int:
    template = kw.pop("template", None) or world.template("text")
    draft = create_draft(
        world.engine,
        opportunity_id=opp or world.opportunity(),
        template_id=template["id"],
        field_values=kw.pop("values", None) or valid_values(template),
        interviewer_email=email,
        **kw,
    )
    approve_draft(world.engine, draft.id, approved_by="recruiter@example.com")
    return draft.id


def writes(world: World, sandbox: Any = None) -> dict[str, int]:
    return (sandbox or world.sandbox).stats()["writes"]


def test_writeback_each_kind_lands_and_reads_back(world: World) -> None:
    opp = world.opportunity(1)
    stages = api(world.sandbox, "/stages")
    reasons = api(world.sandbox, "/archive_reasons")
    user = world.active_user()
    draft_id = approved_feedback(world, user["email"], opp)
    queue(world, "note", {"value": "Strong systems design.", "score": 4}, opp)
    queue(world, "add_tags", {"tags": ["wb-a", "wb-b"]}, opp)
    queue(world, "remove_tags", {"tags": ["wb-b"]}, opp)
    queue(world, "stage_change", {"stage": stages[2]["id"]}, opp)
    queue(world, "file", {"filename": "notes.txt", "content_b64": base64.b64encode(b"hello").decode()}, opp)
    other = world.opportunity(2)
    queue(world, "archive", {"reason": reasons[0]["id"]}, other)

    result = world.send(service_user_id=user["id"])

    assert result.totals()["sent"] == 7 and result.totals()["failed"] == 0
    draft = get_draft(world.engine, draft_id)
    assert draft is not None and draft.status == "submitted" and draft.lever_feedback_id
    forms = api(world.sandbox, f"/opportunities/{opp}/feedback")
    assert [f["id"] for f in forms if f["id"] == draft.lever_feedback_id]
    assert any(f["user"] == user["id"] for f in forms if f["id"] == draft.lever_feedback_id)
    notes = api(world.sandbox, f"/opportunities/{opp}/notes")
    assert any(any(x["value"] == "Strong systems design." for x in n["fields"]) for n in notes)
    o = api(world.sandbox, f"/opportunities/{opp}")
    assert "wb-a" in o["tags"] and "wb-b" not in o["tags"]
    assert o["stage"] == stages[2]["id"]
    files = api(world.sandbox, f"/opportunities/{opp}/files")
    assert any(f["name"] == "notes.txt" and f["size"] == 5 for f in files)
    assert api(world.sandbox, f"/opportunities/{other}")["archived"]["reason"] == reasons[0]["id"]
    assert world.scalar("SELECT count(*) FROM lever_outbox WHERE status = 'sent'") == 7
    assert world.scalar("SELECT count(*) FROM writeback_audit WHERE action = 'sent'") == 7


RULES = [
    ("required", None, "is required"),
    ("text", 123, "expected a string"),
    ("currency", "lots", "expected a number"),
    ("date", "2024-01-01", "milliseconds"),
    ("dropdown", "not an option", "expected one of the options"),
    ("multiple-select", ["nope"], "are not options"),
    ("score", 7, "1 to 4"),
    ("scorecard", [{"score": 9}], "{score, comment}"),
    ("yes-no", "maybe", "'yes' or 'no'"),
]


@pytest.mark.parametrize(("ftype", "bad", "expected"), RULES, ids=[r[0] for r in RULES])
def test_validation_rule_names_the_field(world: World, ftype: str, bad: Any, expected: str) -> None:
    for template in world.templates:
        if ftype == "required":
            target = next((f for f in template["fields"] if f["required"]), None)
        else:
            target = next((f for f in template["fields"] if f["type"] == ftype), None)
            if ftype == "score" and target and target.get("options"):
                target = None
        if target is not None:
            break
    else:
        pytest.skip(f"no sandbox template has a {ftype} field")
    values = [{"id": f["id"], "value": bad if f is target else valid_value(f)} for f in template["fields"]]
    errors = validate_field_values(template, values)
    assert len(errors) == 1
    assert errors[0].field_id == target["id"] and target["text"] in str(errors[0]) and expected in str(errors[0])


def test_template_changed_since_draft_fails_naming_the_field(world: World) -> None:
    template = world.template("text")
    draft_id = approved_feedback(world, world.active_user()["email"], template=template)
    # The template as Lever has it now gains a required field the draft does not answer.
    changed = {**template, "updatedAt": template["updatedAt"] + 1}
    changed["fields"] = [
        *template["fields"],
        {"id": "new-field", "text": "Culture add", "type": "yes-no", "required": True, "options": []},
    ]
    from datetime import UTC, datetime

    from lever_pipeline.sync.template_store import save_templates

    with world.engine.begin() as conn:
        save_templates(conn, [changed], datetime.now(UTC))
    before = writes(world).get("feedback.create", 0)

    result = world.send(("feedback",))

    draft = get_draft(world.engine, draft_id)
    assert draft is not None and draft.status == "failed"
    assert "new-field" in (draft.last_error or "") and "Culture add" in (draft.last_error or "")
    assert result.kind("feedback").failed == 1
    assert writes(world).get("feedback.create", 0) == before


def test_perform_as_by_email_any_case(world: World) -> None:
    user = world.active_user(1)
    draft_id = approved_feedback(world, user["email"].upper())
    world.send(("feedback",), service_user_id=world.active_user(0)["id"])
    draft = get_draft(world.engine, draft_id)
    assert draft is not None and draft.status == "submitted"
    form = next(
        f
        for f in api(world.sandbox, f"/opportunities/{draft.opportunity_id}/feedback")
        if f["id"] == draft.lever_feedback_id
    )
    assert form["user"] == user["id"]


def test_perform_as_falls_back_to_service_user(world: World) -> None:
    service = world.active_user(2)
    draft_id = approved_feedback(world, "nobody-here@example.com")
    world.send(("feedback",), service_user_id=service["id"])
    draft = get_draft(world.engine, draft_id)
    assert draft is not None and draft.status == "submitted"
    form = next(
        f
        for f in api(world.sandbox, f"/opportunities/{draft.opportunity_id}/feedback")
        if f["id"] == draft.lever_feedback_id
    )
    assert form["user"] == service["id"]


def test_perform_as_no_match_and_no_service_user_fails(world: World) -> None:
    draft_id = approved_feedback(world, "nobody-here@example.com")
    world.send(("feedback",), service_user_id=None)
    draft = get_draft(world.engine, draft_id)
    assert draft is not None and draft.status == "failed"
    assert "no Lever user has the interviewer's email" in (draft.last_error or "")
    assert "LEVER_SERVICE_USER_ID" in (draft.last_error or "")


def test_commit_then_500_leaves_exactly_one_form_and_draft_submitted(
    sandbox_factory, clean_engine, warehouse_resource
) -> None:
    with sandbox_factory(write_fault="commit-then-500") as sb:
        world = make_world(sb, clean_engine, warehouse_resource)
        opp = world.opportunity()
        draft_id = approved_feedback(world, world.active_user()["email"], opp)
        clock = Clock()

        first = world.send(("feedback",), clock=clock)
        assert first.kind("feedback").retried == 1
        assert get_draft(world.engine, draft_id).status == "approved"  # type: ignore[union-attr]

        clock.advance(2)
        second = world.send(("feedback",), clock=clock)

        assert second.kind("feedback").reconciled == 1
        draft = get_draft(world.engine, draft_id)
        assert draft is not None and draft.status == "submitted"
        template = draft.template_id
        mine = [
            f
            for f in api(sb, f"/opportunities/{opp}/feedback")
            if f["baseTemplateId"] == template and f["id"] == draft.lever_feedback_id
        ]
        assert len(mine) == 1
        assert sb.stats()["writes"]["feedback.create"] == 1


def test_401_stops_at_once_without_retries(world: World) -> None:
    first = queue(world, "note", {"value": "a"})
    queue(world, "note", {"value": "b"})
    world.sandbox.faults({"next": 1, "status": 401, "method": "POST"})

    result = world.send(("note",))

    assert result.auth_error and "401" in result.auth_error and "LEVER_API_KEY" in result.auth_error
    item = outbox.get_item(world.engine, first.id)
    assert item is not None and item.status == "pending" and item.attempts == 0 and not item.ambiguous
    assert world.sandbox.stats()["requests_by_path"].get("/v1/opportunities/{id}/notes", 0) == 1  # one call, no retry
    assert world.scalar("SELECT count(*) FROM writeback_audit WHERE action = 'auth_failed'") == 1
    assert world.scalar("SELECT count(*) FROM writeback_audit WHERE action = 'retry_scheduled'") == 0


def test_five_failures_open_the_circuit_across_runs(world: World) -> None:
    items = [queue(world, "note", {"value": f"n{i}"}) for i in range(7)]
    world.sandbox.faults({"next": 5, "status": 500, "method": "POST"})
    clock = Clock()

    result = world.send(("note",), clock=clock)

    assert result.circuit_open and result.kind("note").retried == 5
    assert outbox.get_item(world.engine, items[5].id).attempts == 0  # type: ignore[union-attr]
    state = circuit.read_state(world.engine)
    assert state.is_open(clock())
    before = world.sandbox.stats()["requests_total"]
    again = world.send(("note",), clock=clock)  # a new run: the state is in the database
    assert again.circuit_open and world.sandbox.stats()["requests_total"] == before
    assert world.scalar("SELECT count(*) FROM writeback_audit WHERE action = 'circuit_open'") == 1

    clock.advance(20)  # after the cool-down every item goes through, the ambiguous ones checked first
    after = world.send(("note",), clock=clock)
    assert after.totals()["sent"] + after.totals()["reconciled"] == 7
    assert world.sandbox.stats()["writes"]["note.create"] == 7


def test_backoff_then_failed_after_five_attempts(world: World) -> None:
    item = queue(world, "add_tags", {"tags": ["x"]})
    clock = Clock()
    gaps = []
    for _ in range(5):
        world.sandbox.faults({"next": 1, "status": 503, "method": "POST"})
        world.send(("add_tags",), clock=clock, circuit_threshold=100)
        current = outbox.get_item(world.engine, item.id)
        assert current is not None
        if current.status == "failed":
            break
        gaps.append(round((current.next_attempt_at - clock()).total_seconds() / 60))
        clock.now = current.next_attempt_at
    assert gaps == [1, 5, 15, 30]
    final = outbox.get_item(world.engine, item.id)
    assert final is not None and final.status == "failed" and final.attempts == 5
    assert "gave up after 5 attempts" in (final.last_error or "")


def test_dry_run_sends_nothing_and_audits_what_it_would_send(world: World) -> None:
    approved_feedback(world, world.active_user()["email"])
    queue(world, "note", {"value": "secret text"})
    queue(world, "stage_change", {"stage": api(world.sandbox, "/stages")[1]["id"]})
    before = dict(writes(world))

    result = world.send(dry_run=True)

    assert writes(world) == before
    assert result.totals()["would_send"] == 3 and result.totals()["sent"] == 0
    assert world.scalar("SELECT count(*) FROM writeback_audit WHERE action = 'dry_run'") == 3
    assert world.scalar("SELECT count(*) FROM lever_outbox WHERE status = 'pending' AND attempts = 0") == 3
    assert "secret text" not in str(result.would_send)


def test_two_runs_at_once_never_send_the_same_item_twice(world: World) -> None:
    n = 30
    for i in range(n):
        queue(world, "note", {"value": f"concurrent {i}"}, world.opportunity(i % 5))
    barrier = threading.Barrier(2)
    results = []

    def run(run_id: str) -> None:
        async def go() -> None:
            async with LeverClient(world.sandbox.api_key, world.sandbox.base_url, limiter=RateLimiter(400, 20)) as c:
                barrier.wait()
                results.append(await send_pending(c, world.engine, ("note",), WritebackOptions(run_id=run_id)))

        asyncio.run(go())

    threads = [threading.Thread(target=run, args=(f"run-{k}",)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.kind("note").sent for r in results) == n
    assert writes(world)["note.create"] == n
    with world.engine.connect() as conn:
        dupes = conn.execute(
            sa.text(
                "SELECT outbox_id FROM writeback_audit WHERE action = 'sent' GROUP BY outbox_id HAVING count(*) > 1"
            )
        ).all()
    assert dupes == []


def test_draft_state_machine(world: World) -> None:
    template = world.template("text")
    draft = create_draft(
        world.engine,
        opportunity_id=world.opportunity(),
        template_id=template["id"],
        field_values=valid_values(template),
        interviewer_email=world.active_user()["email"],
    )
    assert draft.status == "draft"
    approved, item = approve_draft(world.engine, draft.id)
    _, same = approve_draft(world.engine, draft.id)
    assert approved.status == "approved" and same.id == item.id  # approving twice queues once
    edited = edit_draft(world.engine, draft.id, {"field_values": valid_values(template)})
    assert edited.status == "draft" and edited.revision == 2
    assert outbox.get_item(world.engine, item.id).status == "cancelled"  # type: ignore[union-attr]
    _, item2 = approve_draft(world.engine, draft.id)
    world.send(("feedback",))
    assert get_draft(world.engine, draft.id).status == "submitted"  # type: ignore[union-attr]
    with pytest.raises(DraftStateError, match="already submitted"):
        edit_draft(world.engine, draft.id, {"field_values": []})
    assert writes(world)["feedback.create"] == 1 and item2.id != item.id


def test_cli_drafts_and_outbox(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lever_pipeline.cli import main as cli
    from lever_pipeline.settings import get_settings

    monkeypatch.setenv("WAREHOUSE_URL", world.warehouse.url)
    get_settings.cache_clear()
    template = world.template("text")
    draft = create_draft(
        world.engine,
        opportunity_id=world.opportunity(),
        template_id=template["id"],
        field_values=valid_values(template),
    )
    runner = CliRunner()
    try:
        listed = runner.invoke(cli.app, ["drafts", "list", "--status", "draft"])
        assert listed.exit_code == 0 and str(draft.id) in listed.output
        assert runner.invoke(cli.app, ["drafts", "show", str(draft.id)]).exit_code == 0
        approved = runner.invoke(cli.app, ["drafts", "approve", str(draft.id), "--by", "me"])
        assert approved.exit_code == 0 and "approved" in approved.output
        item = outbox.list_items(world.engine, kinds=["feedback"])[0]
        world.send(("feedback",), service_user_id=None)  # no interviewer email, no service user: fails
        assert "failed" in runner.invoke(cli.app, ["outbox", "list", "--status", "failed"]).output
        assert runner.invoke(cli.app, ["outbox", "retry", str(item.id)]).exit_code == 0
        assert get_draft(world.engine, draft.id).status == "approved"  # type: ignore[union-attr]
        assert runner.invoke(cli.app, ["outbox", "retry", str(item.id)]).exit_code == 1
    finally:
        get_settings.cache_clear()
