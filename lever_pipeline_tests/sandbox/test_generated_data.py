"""The generated account is pinned: a given seed gives the same bytes in every version.

Benchmarks and comparisons against other connectors run on seeded sandboxes, so a change
to the data must be deliberate. If you meant to change what the generator draws (or the
vocabularies), update GOLDEN with the digest the failure prints.
"""

from __future__ import annotations

import hashlib

import orjson

from lever_pipeline.sandbox.generate.children import generate_children
from lever_pipeline.sandbox.generate.world import generate

#: sha256 of the account for seed 7 with 300 opportunities (see `_digest`).
GOLDEN = "a41be4d66e7c9c06093f5ca61005a6803bb23164d710cf1f09d443f5701945ae"


def _digest(seed: int, opportunities: int) -> str:
    """Every account-level object, every opportunity (live and deleted) and its sub-resources,
    serialized as the API serializes them (key order included)."""
    world = generate(seed, opportunities)
    h = hashlib.sha256()
    for objects in (world.stages, world.archive_reasons, world.users, world.postings, world.templates):
        h.update(orjson.dumps(objects))
    for rec in [*world.opportunities, *world.deleted]:
        h.update(orjson.dumps([rec.doc, rec.index, rec.posting, list(rec.counts), rec.deleted_at, rec.deleted_by]))
        kids = generate_children(world, rec)
        h.update(
            orjson.dumps(
                {
                    "application": kids.application,
                    "interviews": kids.interviews,
                    "panels": kids.panels,
                    "feedback": kids.feedback,
                    "notes": kids.notes,
                    "resumes": kids.resumes,
                    "files": kids.files,
                    "offers": kids.offers,
                }
            )
        )
    return h.hexdigest()


def test_generated_account_matches_the_pinned_digest() -> None:
    assert _digest(7, 300) == GOLDEN
