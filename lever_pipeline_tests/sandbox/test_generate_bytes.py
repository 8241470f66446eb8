"""What the API answers for a seeded account is pinned to the byte, however the store keeps it.

The store may hold opportunities as dicts, as pre-serialized JSON or in any other compact
form, and may derive sub-resources on request instead of keeping them: none of that may
change a single byte a client receives. These digests were taken from the dict-based store
(before issue 18's memory work); if one moves, the served data changed.
"""

from __future__ import annotations

import hashlib

import httpx
import orjson

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.routes.subresources import KINDS
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.sandbox.store import Store, dumps
from lever_pipeline_tests.sandbox.support import all_pages

#: sha256 of the HTTP answers listed in `_served` (seed 7, 200 opportunities).
SERVED = "39d48c865b55afd143210aedcc78f0329035b39f0e4f1527ab51e6ab2efb46a5"
#: sha256 of every opportunity's bytes and every 25th one's sub-resources (seed 11, 3,000).
STORED = "ca95443d8e3a1057cb68727ba7a654dd63caf50ebf66ee895b63731c00311b4e"


def _pages(api: httpx.Client, path: str, **params: object) -> list[bytes]:
    """Every page body of a list, following `next`."""
    bodies = []
    offset = None
    while True:
        r = api.get(path, params={**params, **({"offset": offset} if offset else {})})
        assert r.status_code == 200, r.text
        bodies.append(r.content)
        body = r.json()
        if not body["hasNext"]:
            return bodies
        offset = body["next"]


def _served(sb: RunningSandbox, api: httpx.Client) -> str:
    """Digest of lists (with filters, expansions, the candidate shape), single reads and
    every sub-resource list of every fifth opportunity, with the server's root URL masked."""
    bodies: list[bytes] = []
    bodies += _pages(api, "/opportunities", confidentiality="all", limit=37)
    bodies += _pages(api, "/opportunities", limit=100)
    bodies += _pages(api, "/opportunities", expand=["applications", "stage", "owner", "followers", "contact"])
    bodies += _pages(api, "/opportunities", archived="true", updated_at_start=1_750_000_000_000, limit=20)
    bodies += _pages(api, "/opportunities", origin="sourced", snoozed="false", limit=50)
    bodies += _pages(api, "/candidates", limit=60)
    bodies += _pages(api, "/opportunities/deleted")
    everything = all_pages(api, "/opportunities", confidentiality="all")
    for o in everything[::5]:
        oid = o["id"]
        bodies.append(api.get(f"/opportunities/{oid}").content)
        bodies.append(api.get(f"/opportunities/{oid}", params={"expand": ["applications", "sourcedBy"]}).content)
        bodies.append(api.get(f"/candidates/{oid}").content)
        for kind in KINDS:
            bodies.append(api.get(f"/opportunities/{oid}/{kind}").content)
    bodies.append(orjson.dumps(sb.stats()["dataset"], option=orjson.OPT_SORT_KEYS))
    digest = hashlib.sha256()
    for b in bodies:
        digest.update(b.replace(sb.root_url.encode(), b"{root}"))
    return digest.hexdigest()


def _stored(store: Store) -> str:
    digest = hashlib.sha256()
    for rec in store.opps:
        digest.update(store.raw(rec))
    for rec in store.deleted:
        digest.update(dumps({**rec.doc, "deletedAt": rec.deleted_at, "deletedBy": rec.deleted_by}))
    for rec in store.opps[::25]:
        kids = store.children(rec)
        digest.update(dumps([kids.application, *(getattr(kids, k) for k in KINDS[1:])]))
    return digest.hexdigest()


def test_served_bytes_match_the_pinned_digest(fresh: RunningSandbox, api: httpx.Client) -> None:
    got = _served(fresh, api)
    assert got == SERVED, f"what the sandbox serves for seed 7 changed: {got}"


def test_stored_bytes_match_the_pinned_digest() -> None:
    got = _stored(Store(SandboxConfig(seed=11, opportunities=3000)))
    assert got == STORED, f"the opportunities or sub-resources generated for seed 11 changed: {got}"
