"""Lever writes against the sandbox over a real socket: each write lands as built, `send` answers
the id of what it made or changed, and `find_landed` recognises a write only once Lever has it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from lever_pipeline.lever import writes
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.lever.writes import LeverWrite, find_landed, send

T = TypeVar("T")
MARK = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)  # a past createdAt, as the outbox sets


def run(sandbox: Any, body: Callable[[LeverClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(500, 50)) as client:
            return await body(client)

    return asyncio.run(go())


async def first(client: LeverClient, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    async for page in client.paginate(path, params):
        return page
    return []


def answer(field: dict[str, Any]) -> object:
    """A value the sandbox accepts for a template field."""
    options = [o["text"] for o in field.get("options") or []]
    if options and field["type"] in ("dropdown", "multiple-choice", "score-system", "score"):
        return options[0]
    return {
        "multiple-select": lambda: options[:1],
        "score": lambda: 3,
        "scorecard": lambda: [{"score": 3, "comment": "ok"} for _ in field.get("scores") or []],
        "yes-no": lambda: "yes",
        "date": lambda: 1_782_974_327_197,
        "currency": lambda: 1000.0,
    }.get(field["type"], lambda: "Solid answers")()


async def landed_once(client: LeverClient, write: LeverWrite, perform_as: str, since: datetime) -> str:
    """Not found before it is sent, found as the id `send` answered after."""
    assert await find_landed(client, write, perform_as=perform_as, not_before=since) is None
    written = await send(client, write, perform_as=perform_as)
    assert await find_landed(client, write, perform_as=perform_as, not_before=since) == written.id
    return written.id


def test_writes_new_objects_land_and_are_found(sandbox: Any) -> None:
    sandbox.reset()

    async def go(c: LeverClient) -> None:
        user = next(u for u in await first(c, "/users") if not u.get("deactivatedAt"))
        opp = (await first(c, "/opportunities", {"archived": False}))[0]["id"]
        since = datetime.now(UTC) - timedelta(seconds=1)

        note = writes.create_note(opp, "Strong portfolio", score=4, created_at=MARK)
        note_id = await landed_once(c, note, user["id"], since)
        assert note_id in {n["id"] for n in await first(c, f"/opportunities/{opp}/notes")}

        template = next(t for t in await first(c, "/feedback_templates") if t["fields"])
        values = {f["id"]: answer(f) for f in template["fields"] if f["required"] or f["type"] == "score-system"}
        form = writes.create_feedback(opp, template_id=template["id"], field_values=values, created_at=MARK)
        form_id = await landed_once(c, form, user["id"], since)
        assert await find_landed(c, form, perform_as="someone-else", not_before=since) is None  # author counts
        mine = [f for f in await first(c, f"/opportunities/{opp}/feedback") if f["id"] == form_id]
        assert mine and mine[0]["baseTemplateId"] == template["id"] and mine[0]["user"] == user["id"]

        upload = writes.upload_file(opp, "notes.txt", b"hello", "text/plain")
        file_id = await landed_once(c, upload, user["id"], since)
        assert file_id in {f["id"] for f in await first(c, f"/opportunities/{opp}/files")}

    run(sandbox, go)


def test_writes_opportunity_changes_land_and_are_found(sandbox: Any) -> None:
    sandbox.reset()

    async def go(c: LeverClient) -> None:
        user = next(u for u in await first(c, "/users") if not u.get("deactivatedAt"))["id"]
        opp = (await first(c, "/opportunities", {"archived": False}))[0]
        target = next(s["id"] for s in await first(c, "/stages") if s["id"] != opp["stage"])
        reason = (await first(c, "/archive_reasons", {"type": "non-hired"}))[0]["id"]
        since = datetime.now(UTC)

        for write in (
            writes.add_tags(opp["id"], ["client-test"]),
            writes.remove_tags(opp["id"], ["client-test"]),
            writes.add_sources(opp["id"], ["client-test-source"]),
            writes.change_stage(opp["id"], target),
            writes.archive(opp["id"], reason),
            writes.archive(opp["id"], None),
        ):
            assert await landed_once(c, write, user, since) == opp["id"]

        now = await c.get(f"/opportunities/{opp['id']}")
        assert now is not None and now["stage"] == target and now["archived"] is None
        assert "client-test" not in now["tags"] and "client-test-source" in now["sources"]
        assert now["stageChanges"][-1]["toStageId"] == target

    run(sandbox, go)


def test_writes_hide_bodies_from_repr() -> None:
    note = writes.create_note("opp-1", "Jane Doe asked for 200k")
    upload = writes.upload_file("opp-1", "cv.pdf", b"Jane Doe's resume")
    assert "Jane Doe" not in repr(note) and "Jane Doe" not in repr(upload)
    assert "/opportunities/opp-1/notes" in repr(note)


def test_writes_feedback_panel_needs_its_interview() -> None:
    with pytest.raises(ValueError, match="together"):
        writes.create_feedback("opp-1", template_id="t", field_values={}, panel_id="p")


def test_writes_find_landed_needs_the_created_at_mark(sandbox: Any) -> None:
    note = writes.create_note("opp-1", "no mark")
    with pytest.raises(ValueError, match="created_at"):
        run(sandbox, lambda c: find_landed(c, note, perform_as=None, not_before=MARK))
