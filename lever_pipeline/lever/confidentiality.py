"""Confidential data in lists: ask for all of it, and fall back when the key may not see it.

Lever leaves confidential postings, opportunities and requisitions out of a list unless it
asks for `confidentiality=confidential` or `all`, which needs a key granted confidential
access when it was created (REFERENCE.md, "Confidential data"). The reads here ask for
`all`; a key without that access gets 403 for it, and the list is then read with Lever's
default (non-confidential only) instead of failing. The 403 is remembered for the client's
life (one asset step, or one command), so each later list skips straight to the default,
and it is logged once, as a warning that says what is missing and what to do.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any, Literal
from weakref import WeakKeyDictionary

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError

logger = logging.getLogger(__name__)

Confidentiality = Literal["non-confidential", "confidential", "all"]

Page = list[dict[str, Any]]

DENIED_WARNING = (
    "The Lever API key may not read confidential data (403 for confidentiality=all), so confidential "
    "postings, opportunities and requisitions are not synced. To sync them, generate a key with 'Allow "
    "access to confidential data' turned on and set it as LEVER_API_KEY."
)
"""What a sync reports (log and metadata) when it read a list without its confidential part."""

# Clients whose key was refused confidential data, with the path that answered 403. Keyed
# weakly by the client object: the memory lives exactly as long as the client does.
_denied: WeakKeyDictionary[LeverClient, str] = WeakKeyDictionary()


def confidential_denied(client: LeverClient) -> bool:
    """True once a list on this client was refused `confidentiality=all` and fell back."""
    return client in _denied


async def all_or_default(
    client: LeverClient, path: str, pages_for: Callable[[Confidentiality | None], AsyncIterator[Page]]
) -> AsyncIterator[Page]:
    """The pages of `pages_for("all")`; after a 403 for it, those of `pages_for(None)` (Lever's default).

    Only the first request can be refused for confidentiality, so only a 403 before the
    first page falls back; any other error, or a 403 later on, propagates. A key that may
    not read the list at all gets 403 again from the default and fails as before.
    """
    if client not in _denied:
        async with aclosing(pages_for("all")) as pages:
            try:
                first = await anext(pages)
            except StopAsyncIteration:
                return
            except LeverAuthError as err:
                if err.status != 403:
                    raise
                _denied[client] = path
                logger.warning("%s (%s)", DENIED_WARNING, path)
            else:
                yield first
                async for page in pages:
                    yield page
                return
    async with aclosing(pages_for(None)) as pages:
        async for page in pages:
            yield page
