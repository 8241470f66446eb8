"""Every Lever field type lands in its typed column; an unknown future type is kept raw and reported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa

from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.per_opportunity_assets import feedback, feedback_templates
from lever_pipeline.defs.sync.per_opportunity_checks import PER_OPPORTUNITY_CHECKS
from lever_pipeline.sync.per_opportunity_rows import KNOWN_FIELD_TYPES, field_value_row, option_score
from lever_pipeline_tests.sync.conftest import fast_lever, materialize_all, metadata

TYPED = ("value_score", "value_text", "value_option", "value_options", "value_date", "value_number", "value_bool")


@pytest.mark.parametrize(
    ("ftype", "value", "expected"),
    [
        ("code", "print(1)", {"value_text": "print(1)"}),
        ("text", "short", {"value_text": "short"}),
        ("textarea", "long\ntext", {"value_text": "long\ntext"}),
        ("currency", 120000, {"value_number": Decimal(120000)}),
        ("date", 1767225600000, {"value_date": datetime(2026, 1, 1, tzinfo=UTC)}),
        ("dropdown", "Good fit", {"value_option": "Good fit", "value_score": None}),
        ("multiple-choice", "Senior", {"value_option": "Senior", "value_score": None}),
        ("score-system", "3 - Hire", {"value_option": "3 - Hire", "value_score": Decimal(3)}),
        ("multiple-select", ["Craft", "Speed"], {"value_options": ["Craft", "Speed"]}),
        ("score", 4, {"value_score": Decimal(4)}),
        ("score", "2 - No Hire", {"value_option": "2 - No Hire", "value_score": Decimal(2)}),
        (
            "scorecard",
            [{"score": 4, "comment": "x"}, {"score": 2, "comment": "y"}, {"score": None}],
            {"value_score": Decimal(3)},
        ),
        ("yes-no", "yes", {"value_bool": True}),
        ("yes-no", "no", {"value_bool": False}),
    ],
)
def test_field_value_row_maps_each_type(ftype: str, value: object, expected: dict) -> None:
    row = field_value_row("fb", "opp", "tpl", 0, {"id": "f1", "type": ftype, "value": value})
    assert row["known_type"] and row["parse_error"] is None
    for column in TYPED:
        assert row[column] == expected.get(column), column
    assert row["value"] == value  # Lever's value is always kept as sent


@pytest.mark.parametrize(
    ("ftype", "value"),
    [("yes-no", "maybe"), ("currency", "lots"), ("date", "soon"), ("multiple-select", "Craft"), ("score", "great")],
)
def test_field_value_row_records_values_that_do_not_fit(ftype: str, value: object) -> None:
    row = field_value_row("fb", "opp", "tpl", 0, {"id": "f1", "type": ftype, "value": value})
    assert row["parse_error"]
    assert all(row[c] is None for c in TYPED)
    assert row["value"] == value


def test_field_value_row_keeps_unknown_type_raw() -> None:
    value = {"stars": 5, "clip": "https://example.invalid/v.mp4"}
    row = field_value_row("fb", "opp", "tpl", 3, {"id": "f9", "type": "video-rating", "value": value})
    assert not row["known_type"] and row["parse_error"] is None
    assert row["value"] == value and all(row[c] is None for c in TYPED)


def test_option_score_reads_leading_number() -> None:
    assert option_score("4 - Strong Hire") == 4
    assert option_score("Strong Hire") is None


def _raw_feedback(sandbox, opportunity_id: str) -> list[dict]:
    r = httpx.get(f"{sandbox.base_url}/opportunities/{opportunity_id}/feedback", auth=(sandbox.api_key, ""))
    r.raise_for_status()
    return r.json()["data"]


def test_field_types_round_trip_from_sandbox_into_typed_columns(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    assert materialize_all(fast_lever(sandbox), warehouse_resource, with_checks=False).success
    with clean_engine.connect() as conn:
        stored = (
            conn.execute(
                sa.text(
                    "SELECT DISTINCT ON (type) * FROM feedback_field_values"
                    " WHERE value IS NOT NULL ORDER BY type, feedback_id"
                )
            )
            .mappings()
            .all()
        )
    assert {r["type"] for r in stored} == KNOWN_FIELD_TYPES - {"note"}  # every feedback type the sandbox uses
    for row in stored:
        form = next(f for f in _raw_feedback(sandbox, row["opportunity_id"]) if f["id"] == row["feedback_id"])
        value = next(f["value"] for f in form["fields"] if f["id"] == row["field_id"])
        t = row["type"]
        if t in ("code", "text", "textarea"):
            assert row["value_text"] == value
        elif t == "currency":
            assert row["value_number"] == Decimal(str(value))
        elif t == "date":
            assert int(row["value_date"].timestamp() * 1000) == value
        elif t in ("dropdown", "multiple-choice", "score-system"):
            assert row["value_option"] == value
            if t == "score-system":
                assert row["value_score"] == int(value[0])
        elif t == "multiple-select":
            assert list(row["value_options"]) == value
        elif t == "score":
            assert row["value_score"] == value
        elif t == "scorecard":
            answered = [e["score"] for e in value if e.get("score")]
            assert row["value_score"] == (Decimal(sum(answered)) / len(answered)).quantize(Decimal("0.0001"))
        elif t == "yes-no":
            assert row["value_bool"] is (value == "yes")
        assert row["value"] == value
        assert row["parse_error"] is None


def test_unknown_field_type_is_stored_raw_and_reported(sandbox_factory, warehouse_resource, clean_engine) -> None:
    with sandbox_factory(seed=21, opportunities=80) as sb:
        # A field type Lever might add tomorrow, on every template that has fields.
        for template in sb.app.store.world.templates[1:]:
            template["fields"].append(
                {
                    "id": f"future-{template['id']}",
                    "type": "video-rating",
                    "text": "Clip",
                    "description": "",
                    "required": True,
                }
            )
        result = dg.materialize(
            [*CORE_ASSETS, feedback_templates, feedback, *PER_OPPORTUNITY_CHECKS[:2]],
            resources={"lever": fast_lever(sb), "warehouse": warehouse_resource},
            raise_on_error=False,
        )
        assert result.success
    templates_meta = metadata(result, "feedback_templates")
    assert templates_meta["unknown_field_types"] == "video-rating"
    assert templates_meta["unknown_fields"] == 7
    meta = metadata(result, "feedback")
    assert meta["unknown_field_types"] == "video-rating"
    with clean_engine.connect() as conn:
        unknown = (
            conn.execute(sa.text("SELECT * FROM feedback_field_values WHERE type = 'video-rating'")).mappings().all()
        )
        assert len(unknown) == meta["unknown_field_values"] > 0
        assert all(not r["known_type"] and r["value"] is not None for r in unknown)
        assert all(all(r[c] is None for c in TYPED) for r in unknown)
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM feedback_template_fields WHERE type = 'video-rating' AND NOT known_type")
            ).scalar_one()
            == 7
        )
    assert all(c.passed for c in result.get_asset_check_evaluations())  # unknown is not invalid
