"""Big accounts: the fan-out's order (useful data first), resuming without re-reading, flat memory."""

from __future__ import annotations

import sqlalchemy as sa

from lever_pipeline.sync import streams
from lever_pipeline.sync.per_opportunity_kinds import KINDS
from lever_pipeline.sync.per_opportunity_store import select_targets
from lever_pipeline.sync.stream_sync import sync_stream
from lever_pipeline_tests.sync.conftest import with_client


def test_fan_out_reads_open_opportunities_first_then_archived_each_newest_first(sandbox, clean_engine) -> None:
    sandbox.reset()
    with_client(sandbox, lambda c: sync_stream(c, clean_engine, streams.OPPORTUNITIES, full=True))
    with clean_engine.connect() as conn:
        archived = dict(conn.execute(sa.text("SELECT id, is_archived FROM lever_opportunities")).tuples().all())

    targets = select_targets(clean_engine, KINDS["feedback"], full=True)

    order = [archived[i] for i, _ in targets.ask]
    assert True in order and False in order  # the sandbox has both, so the order is tested
    assert order == sorted(order)  # every open one before every archived one
    for flag in (False, True):
        stamps = [stamp for (_, stamp), a in zip(targets.ask, order, strict=True) if a is flag]
        assert stamps == sorted(stamps, reverse=True)
