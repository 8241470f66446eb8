"""Each API area's calls against the sandbox over a real socket: counts, writes, fan-out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.fanout import FanOutProgress, fan_out
from lever_pipeline.lever.feedback import (
    create_feedback,
    get_feedback_template,
    iter_feedback,
    iter_feedback_templates,
    validate_field_values,
)
from lever_pipeline.lever.interviews import iter_interviews, iter_panels
from lever_pipeline.lever.notes import create_note, iter_notes
from lever_pipeline.lever.opportunities import get_opportunity, iter_opportunities
from lever_pipeline.lever.postings import iter_postings
from lever_pipeline.lever.reference import iter_archive_reasons, iter_sources, iter_tags
from lever_pipeline.lever.resumes import download_resume, iter_files, iter_offers, iter_resumes
from lever_pipeline.lever.stages import get_stage, iter_stages
from lever_pipeline.lever.users import iter_users
from lever_pipeline.lever.webhooks import create_webhook, delete_webhook, list_webhooks
from lever_pipeline.lever.writes import add_tags, archive, change_stage, remove_tags, upload_file

T = TypeVar("T")


def client_for(sandbox: Any) -> LeverClient:
    return LeverClient(sandbox.api_key, sandbox.base_url, requests_per_second=500, burst=50)


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


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
                "stages": len(await collect(iter_stages(c))),
                "users": len(await collect(iter_users(c))),
                "active_users": len(await collect(iter_users(c, include_deactivated=False))),
                "postings": len(await collect(iter_postings(c, confidentiality="all"))),
                "archive_reasons": len(await collect(iter_archive_reasons(c))),
                "sources": len(await collect(iter_sources(c))),
                "tags": len(await collect(iter_tags(c))),
                "feedback_templates": len(await collect(iter_feedback_templates(c))),
                "opportunities": len({o.id for o in await collect(iter_opportunities(c, confidentiality="all"))}),
            }

    counts = asyncio.run(go())
    dataset = sandbox.stats()["dataset"]
    assert counts == {name: dataset[name] for name in counts}


def test_areas_fan_out_fetches_every_sub_resource_with_progress(sandbox) -> None:
    sandbox.reset()
    progress: list[FanOutProgress] = []

    async def children(c: LeverClient, opp_id: str) -> dict[str, int]:
        return {
            "interviews": len(await collect(iter_interviews(c, opp_id))),
            "panels": len(await collect(iter_panels(c, opp_id))),
            "feedback": sum(1 for f in await collect(iter_feedback(c, opp_id)) if f.deleted_at is None),
            "notes": len(await collect(iter_notes(c, opp_id))),
            "resumes": len(await collect(iter_resumes(c, opp_id))),
            "files": len(await collect(iter_files(c, opp_id))),
            "offers": len(await collect(iter_offers(c, opp_id))),
        }

    async def go() -> tuple[int, dict[str, int]]:
        async with client_for(sandbox) as c:
            ids = [o.id async for o in iter_opportunities(c, confidentiality="all")]
            totals: dict[str, int] = {}
            seen = set()
            async for opp_id, counts in fan_out(
                ids, lambda i: children(c, i), concurrency=8, on_progress=progress.append
            ):
                seen.add(opp_id)
                for name, n in counts.items():
                    totals[name] = totals.get(name, 0) + n
            assert seen == set(ids)
            return len(ids), totals

    n, totals = asyncio.run(go())
    dataset = sandbox.stats()["dataset"]
    assert totals == {name: dataset[name] for name in totals}
    assert [p.done for p in progress] == list(range(1, n + 1))
    assert progress[-1].total == n and progress[-1].rate > 0


def test_areas_single_reads_and_404(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with client_for(sandbox) as c:
            assert (await get_stage(c, "lead-new")) is not None
            assert await get_stage(c, "no-such-stage") is None
            template = (await collect(iter_feedback_templates(c)))[0]
            fetched = await get_feedback_template(c, template.id)
            assert fetched is not None and fetched.raw == template.raw
            assert await get_feedback_template(c, "00000000-0000-0000-0000-000000000000") is None

    asyncio.run(go())


def test_areas_writes_round_trip(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with client_for(sandbox) as c:
            user = next(u for u in await collect(iter_users(c)) if u.deactivated_at is None)
            opp = await anext(iter_opportunities(c, archived=False))
            stages = [s.id for s in await collect(iter_stages(c))]
            target = next(s for s in stages if s != (opp.stage if isinstance(opp.stage, str) else None))

            tagged = await add_tags(c, opp.id, ["client-test"], perform_as=user.id)
            assert tagged is not None and "client-test" in tagged.tags
            untagged = await remove_tags(c, opp.id, ["client-test"], perform_as=user.id)
            assert untagged is not None and "client-test" not in untagged.tags
            moved = await change_stage(c, opp.id, target, perform_as=user.id)
            assert moved is not None and moved.stage == target and moved.stage_changes[-1].to_stage_id == target

            note_id = await create_note(c, opp.id, "Strong portfolio", perform_as=user.id, score=4)
            assert note_id is not None and note_id in {n.id async for n in iter_notes(c, opp.id)}

            template = next(t for t in await collect(iter_feedback_templates(c)) if t.fields)
            values = {f.id: answer(f) for f in template.fields if f.required or f.type == "score-system"}
            assert validate_field_values(template, values) == []
            form = await create_feedback(c, opp.id, template_id=template.id, perform_as=user.id, field_values=values)
            assert form is not None and form.base_template_id == template.id
            assert form.id in {f.id async for f in iter_feedback(c, opp.id)}

            uploaded = await upload_file(
                c, opp.id, "notes.txt", b"hello", perform_as=user.id, content_type="text/plain"
            )
            assert uploaded is not None and uploaded.id in {f.id async for f in iter_files(c, opp.id)}

            reason = next(r for r in await collect(iter_archive_reasons(c, "non-hired")))
            archived = await archive(c, opp.id, reason.id, perform_as=user.id)
            assert archived is not None and archived.archived is not None and archived.archived.reason == reason.id
            restored = await archive(c, opp.id, None, perform_as=user.id)
            assert restored is not None and restored.archived is None
            again = await get_opportunity(c, opp.id)
            assert again is not None and again.stage == target

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
            async for opp in iter_opportunities(c):
                for resume in await collect(iter_resumes(c, opp.id)):
                    if resume.file is not None and resume.file.status == "processed":
                        return await download_resume(c, opp.id, resume.id)
        return None

    content = asyncio.run(go())
    assert content  # the sandbox dataset always holds processed resumes
