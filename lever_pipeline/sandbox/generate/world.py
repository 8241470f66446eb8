"""The whole generated account for a seed: the order its parts are drawn in."""

from __future__ import annotations

import random

from lever_pipeline.sandbox.data import ANCHOR_MS, DAY_MS, SPAN_MS, World
from lever_pipeline.sandbox.generate import account, extras
from lever_pipeline.sandbox.generate.opportunities import opportunities as make_opportunities


def generate(seed: int, opportunities: int) -> World:
    """Build the account for `seed` with `opportunities` live opportunities (plus ~1% deleted),
    then the objects of generate/extras.py (requisitions, form templates, deleted postings)."""
    rng = random.Random(seed)
    start = ANCHOR_MS - SPAN_MS
    stages = account.stages(rng)
    reasons = account.archive_reasons(rng)
    users = account.users(rng, start, min(2000, 12 + opportunities // 40))
    postings = account.postings(rng, start, min(3000, 6 + opportunities // 30), users)
    templates = account.templates(rng, start, stages)
    n_deleted = opportunities // 100
    records = make_opportunities(rng, start, opportunities + n_deleted, stages, users, postings, reasons)
    deleted = records[:: max(1, len(records) // n_deleted)][:n_deleted] if n_deleted else []
    deleted_ids = {r.id for r in deleted}
    for r in deleted:
        r.deleted_at = min(ANCHOR_MS, r.updated_at + DAY_MS * (1 + r.index % 9))
        r.deleted_by = users[r.index % len(users)]["id"]
    live = [r for r in records if r.id not in deleted_ids]
    live.sort(key=lambda r: r.key)
    deleted.sort(key=lambda r: (r.deleted_at, r.id))
    world = World(seed, stages, reasons, users, postings, templates, live, deleted)
    extras.add_extras(world, records)  # its own stream: nothing above draws differently
    return world
