"""Running a domain coroutine from a Dagster asset or op: one event loop, one Lever client, one error rule.

Every Lever call in a run goes through `run_with_client`, so a rejected API key and a
warehouse that mirrors another Lever account always end the same way: `dg.Failure` with
retries disabled (a retry cannot fix either, and must not hammer Lever with a key that
cannot work), in one line naming what to do, never showing the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.account.guard import AccountMismatch
from lever_pipeline.defs.resources import LeverResource
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError

T = TypeVar("T")


def run_with_client(lever: LeverResource, engine: Engine, body: Callable[[LeverClient], Awaitable[T]]) -> T:
    """Run `body(client)` to completion on a fresh client.

    A rejected key, or a warehouse that mirrors another account, fails the step without retries.
    """

    async def go() -> T:
        async with lever.client(engine) as client:
            return await body(client)

    try:
        return asyncio.run(go())
    except (LeverAuthError, AccountMismatch) as err:
        raise dg.Failure(description=str(err), allow_retries=False) from err
