"""Referrals of an opportunity (`/opportunities/:id/referrals`): the referral forms a referrer filled in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def referral_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every referral of one opportunity, as raw pages; raises `LeverNotFound` if the opportunity is gone."""
    return client.paginate(f"/opportunities/{opportunity_id}/referrals")
