"""Each API area's calls against the sandbox over a real socket: list counts, single reads, fan-out, writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.lever.fanout import FanOutProgress, fan_out
from lever_pipeline.lever.feedback import (
    FeedbackTemplate,
    feedback_pages,
    feedback_template_pages,
    get_feedback_template,
)
from lever_pipeline.lever.interviews import interview_pages
from lever_pipeline.lever.notes import note_pages
from lever_pipeline.lever.opportunities import get_opportunity, opportunity_pages
from lever_pipeline.lever.postings import get_posting, posting_pages
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.lever.reference import archive_reason_pages
from lever_pipeline.lever.resumes import download_resume, file_pages, offer_pages, resume_pages
from lever_pipeline.lever.stages import stage_pages
from lever_pipeline.lever.users import get_user, user_pages
from lever_pipeline.lever.webhooks import create_webhook, delete_webhook, list_webhooks
from lever_pipeline.lever.writes import (
    add_tags,
    archive,
    change_stage,
    create_feedback,
    create_note,
    remove_tags,
    send,
    upload_file,
)


def client_for(sandbox: Any) -> LeverClient:
    return LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(500, 50))


async def collect(pages: AsyncIterator[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every object of every page."""
    return [obj async for page in pages for obj in page]


async def ids(pages: AsyncIterator[list[dict[str, Any]]]) -> set[str]:
    return {obj["id"] for obj in await collect(pages)}


def answer(field: Any) -> object:
    """A valid value for any field type."""
    kind = field.type
    if kind in ("dropdown", "multiple-choice", "score-system") or (kind == "score" and field.options):
        return field.options[0].text
    return {
        "multiple-select": lambda: [field.options[0].text],
        "score": lambda: 3,
        "scorecard": lambda: [{"score": 3, "comment": "ok"} for _ in field.scores],
        "yes-no": lambda: "yes",
        "date": lambda: 1782974327197,
        "currency": lambda: 1000.0,
    }.get(kind, lambda: "Solid answers")()


def test_areas_list_counts_match_the_sandbox(sandbox) -> None:
    sandbox.reset()

    async def go() -> dict[str, int]:
        async with client_for(sandbox) as c:
            return {
                "stages": len(await collect(stage_pages(c))),
                "users": len(await collect(user_pages(c))),
                "active_users": len(await collect(user_pages(c, include_deactivated=False))),
                "postings": len(await collect(posting_pages(c))),
                "archive_reasons": len(await collect(archive_reason_pages(c))),
                "feedback_templates": len(await collect(feedback_template_pages(c))),
                "opportunities": len(await ids(opportunity_pages(c, confidentiality="all"))),
            }

    counts = asyncio.run(go())
    dataset = sandbox.stats()["dataset"]
    assert counts == {name: dataset[name] for name in counts}


def test_areas_fan_out_fetches_every_sub_resource_with_progress(sandbox) -> None:
    sandbox.reset()
    progress: list[FanOutProgress] = []

    async def children(c: LeverClient, opp_id: str) -> dict[str, int]:
        return {
            "interviews": len(await collect(interview_pages(c, opp_id))),
            "feedback": sum(1 for f in await collect(feedback_pages(c, opp_id)) if f.get("deletedAt") is None),
            "notes": len(await collect(note_pages(c, opp_id))),
            "resumes": len(await collect(resume_pages(c, opp_id))),
            "files": len(await collect(file_pages(c, opp_id))),
            "offers": len(await collect(offer_pages(c, opp_id))),
        }

    async def go() -> tuple[int, dict[str, int]]:
        async with client_for(sandbox) as c:
            opportunity_ids = list(await ids(opportunity_pages(c, confidentiality="all")))
            totals: dict[str, int] = {}
            seen = set()
            async for opp_id, counts in fan_out(
                opportunity_ids, lambda i: children(c, i), concurrency=8, on_progress=progress.append
            ):
                seen.add(opp_id)
                for name, n in counts.items():
                    totals[name] = totals.get(name, 0) + n
            assert seen == set(opportunity_ids)
            return len(opportunity_ids), totals

    n, totals = asyncio.run(go())
    dataset = sandbox.stats()["dataset"]
    assert totals == {name: dataset[name] for name in totals}
    assert [p.done for p in progress] == list(range(1, n + 1))
    assert progress[-1].total == n and progress[-1].rate > 0


def test_areas_single_reads_and_404(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with client_for(sandbox) as c:
            template = (await collect(feedback_template_pages(c)))[0]
            assert await get_feedback_template(c, template["id"]) == template
            assert await get_feedback_template(c, "00000000-0000-0000-0000-000000000000") is None
            listed = (await collect(opportunity_pages(c, expand=("applications",))))[0]
            fetched = await get_opportunity(c, listed["id"], expand=("applications",))
            assert fetched == listed
            assert all(isinstance(a, dict) for a in fetched["applications"])  # expanded, not bare ids
            assert await get_opportunity(c, "00000000-0000-0000-0000-000000000000") is None

    asyncio.run(go())


def test_areas_users_and_postings_by_id(sandbox) -> None:
    sandbox.reset()
    ghost = "00000000-0000-0000-0000-000000000000"

    async def go() -> None:
        async with client_for(sandbox) as c:
            deactivated = next(u for u in await collect(user_pages(c)) if u.get("deactivatedAt") is not None)
            assert await get_user(c, deactivated["id"]) == deactivated
            assert await get_user(c, ghost) is None
            posting = (await collect(posting_pages(c)))[-1]
            assert await get_posting(c, posting["id"]) == posting
            assert await get_posting(c, ghost) is None
            assert await get_user(c, "a/../../stages") is None  # an id is one path segment, never a route

    asyncio.run(go())


def test_areas_confidential_posting_by_id_needs_confidential_access(sandbox_factory) -> None:
    with sandbox_factory(opportunities=500, confidential_access=False) as sb:
        secret = next(p["id"] for p in sb.app.store.world.postings if p["confidentiality"] == "confidential")

        async def go() -> None:
            async with client_for(sb) as c:
                with pytest.raises(LeverAuthError) as err:
                    await get_posting(c, secret)
                assert err.value.status == 403

        asyncio.run(go())


def test_areas_writes_round_trip(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with client_for(sandbox) as c:
            user = next(u for u in await collect(user_pages(c)) if u.get("deactivatedAt") is None)["id"]
            opp = (await collect(opportunity_pages(c, archived=False)))[0]
            opp_id = opp["id"]
            target = next(s["id"] for s in await collect(stage_pages(c)) if s["id"] != opp.get("stage"))

            tagged = await send(c, add_tags(opp_id, ["client-test"]), perform_as=user)
            assert tagged.id == opp_id and "client-test" in tagged.data["tags"]
            untagged = await send(c, remove_tags(opp_id, ["client-test"]), perform_as=user)
            assert "client-test" not in untagged.data["tags"]
            moved = await send(c, change_stage(opp_id, target), perform_as=user)
            assert moved.data["stage"] == target and moved.data["stageChanges"][-1]["toStageId"] == target

            note = await send(c, create_note(opp_id, "Strong portfolio", score=4), perform_as=user)
            assert note.id in await ids(note_pages(c, opp_id))

            raw = next(t for t in await collect(feedback_template_pages(c)) if t.get("fields"))
            template = FeedbackTemplate.from_raw(raw)
            values = {f.id: answer(f) for f in template.fields if f.required or f.type == "score-system"}
            form = await send(c, create_feedback(opp_id, template_id=template.id, field_values=values), perform_as=user)
            assert form.data["baseTemplateId"] == template.id
            assert form.id in await ids(feedback_pages(c, opp_id))

            uploaded = await send(c, upload_file(opp_id, "notes.txt", b"hello", "text/plain"), perform_as=user)
            assert uploaded.id in await ids(file_pages(c, opp_id))

            reason = (await collect(archive_reason_pages(c, type="non-hired")))[0]["id"]
            archived = await send(c, archive(opp_id, reason), perform_as=user)
            assert archived.data["archived"]["reason"] == reason
            restored = await send(c, archive(opp_id, None), perform_as=user)
            assert restored.data["archived"] is None
            again = await get_opportunity(c, opp_id)
            assert again is not None and again["stage"] == target

            hook = await create_webhook(c, "https://example.com/hook", "candidateStageChange", origins=["applied"])
            assert hook.configuration is not None and hook.configuration.signature_token is not None
            listed = await list_webhooks(c)
            assert hook.id in {h.id for h in listed}
            assert all(h.configuration is None or h.configuration.signature_token is None for h in listed)
            await delete_webhook(c, hook.id)
            assert hook.id not in {h.id for h in await list_webhooks(c)}

    asyncio.run(go())


def test_areas_resume_download_returns_bytes(sandbox) -> None:
    sandbox.reset()

    async def go() -> bytes | None:
        async with client_for(sandbox) as c:
            async for page in opportunity_pages(c):
                for opp in page:
                    for resume in await collect(resume_pages(c, opp["id"])):
                        if (resume.get("file") or {}).get("status") == "processed":
                            return await download_resume(c, opp["id"], resume["id"])
        return None

    content = asyncio.run(go())
    assert content  # the sandbox dataset always holds processed resumes
