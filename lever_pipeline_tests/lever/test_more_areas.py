"""The reads issue 17 added, against the sandbox over a real socket: requisitions and their fields,
panels, referrals, profile forms, and the deleted opportunity and posting lists."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import confidential_denied
from lever_pipeline.lever.forms import profile_form_pages
from lever_pipeline.lever.opportunities import deleted_opportunity_pages, opportunity_pages
from lever_pipeline.lever.panels import panel_pages
from lever_pipeline.lever.postings import deleted_posting_pages
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.lever.referrals import referral_pages
from lever_pipeline.lever.requisitions import requisition_field_pages, requisition_pages


def client_for(sandbox: Any) -> LeverClient:
    return LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(500, 50))


async def collect(pages: AsyncIterator[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [obj async for page in pages for obj in page]


def test_requisitions_all_of_them_and_their_fields_in_one_page(sandbox_factory) -> None:
    async def go(sb: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, bool]:
        async with client_for(sb) as client:
            requisitions = await collect(requisition_pages(client))
            before = client.stats.pages
            fields = await collect(requisition_field_pages(client))
            return requisitions, fields, client.stats.pages - before, confidential_denied(client)

    with sandbox_factory(opportunities=500) as sb:
        dataset = sb.stats()["dataset"]
        requisitions, fields, field_pages, denied = asyncio.run(go(sb))
    assert len({r["id"] for r in requisitions}) == len(requisitions) == dataset["requisitions"]
    assert {r["confidentiality"] for r in requisitions} == {"confidential", "non-confidential"}
    assert not denied
    assert len(fields) == dataset["requisition_fields"] and field_pages == 1  # no hasNext: one page


def test_requisitions_without_confidential_access_fall_back_to_the_default(sandbox_factory) -> None:
    async def go(sb: Any) -> tuple[list[dict[str, Any]], bool]:
        async with client_for(sb) as client:
            return await collect(requisition_pages(client)), confidential_denied(client)

    with sandbox_factory(opportunities=500, confidential_access=False) as sb:
        dataset = sb.stats()["dataset"]
        requisitions, denied = asyncio.run(go(sb))
    assert denied
    assert len(requisitions) == dataset["non_confidential"]["requisitions"] < dataset["requisitions"]
    assert {r["confidentiality"] for r in requisitions} == {"non-confidential"}


def test_panels_referrals_and_forms_of_one_opportunity(sandbox) -> None:
    sandbox.reset()

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        async with client_for(sandbox) as client:
            opportunities = await collect(opportunity_pages(client, expand=("applications",)))
            referred = next(o for o in opportunities if o["origin"] == "referred" and o["applications"])
            panels, referrals, forms = [], [], []
            for o in opportunities:
                panels += await collect(panel_pages(client, o["id"]))
                forms += await collect(profile_form_pages(client, o["id"]))
            referrals = await collect(referral_pages(client, referred["id"]))
            return [referred], panels, referrals, forms

    (referred,), panels, referrals, forms = asyncio.run(go())
    dataset = sandbox.stats()["dataset"]
    assert len(panels) == dataset["panels"] > 0
    assert all(p["interviews"] for p in panels)  # a panel holds at least one interview
    assert len(forms) == dataset["forms"] > 0
    assert [r["type"] for r in referrals] == ["referral"]
    assert referred["applications"][0]["type"] == "referral"
    assert referrals[0]["referrer"] == referred["applications"][0]["user"]


def test_deleted_lists_since_a_moment(sandbox) -> None:
    sandbox.reset()
    since = datetime.now(UTC)
    opportunities = {m["opportunityId"] for m in sandbox.mutate(2, kinds=["delete"])["mutations"]}
    postings = {m["postingId"] for m in sandbox.mutate(1, kinds=["delete_posting"])["mutations"]}

    async def go() -> tuple[list[dict[str, Any]], ...]:
        async with client_for(sandbox) as client:
            return (
                await collect(deleted_opportunity_pages(client, deleted_since=since)),
                await collect(deleted_posting_pages(client, deleted_since=since)),
                await collect(deleted_posting_pages(client)),
            )

    recent_opportunities, recent_postings, all_postings = asyncio.run(go())
    assert {o["id"] for o in recent_opportunities} == opportunities
    assert {p["id"] for p in recent_postings} == postings
    assert all(o["deletedAt"] >= since.timestamp() * 1000 and o["deletedBy"] for o in recent_opportunities)
    assert len(all_postings) > len(recent_postings)  # the account's earlier deletions too
