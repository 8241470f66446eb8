"""The ops tests record the Lever account of the sandboxes and services they start; each test forgets it
afterwards, as `lever-pipeline reset` would, so a later test's service may name another Lever."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.warehouse.tables.account import lever_account


@pytest.fixture(autouse=True, scope="module")
def forget_lever_account(engine: Engine) -> Iterator[None]:
    yield
    with engine.begin() as conn:
        conn.execute(sa.delete(lever_account))
