"""validate_field_values names every bad field, one rule at a time (pure, no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from lever_pipeline.lever.feedback import FeedbackTemplate
from lever_pipeline.writeback.validation import validate_field_values

TEMPLATE: dict[str, Any] = {
    "id": "tpl",
    "fields": [
        {
            "id": "overall",
            "type": "score-system",
            "text": "Overall",
            "required": True,
            "options": [
                {"text": "4 - Strong Hire"},
                {"text": "3 - Hire"},
                {"text": "2 - No Hire"},
                {"text": "1 - Strong No Hire"},
            ],
        },
        {"id": "code", "type": "code", "text": "Code"},
        {"id": "money", "type": "currency", "text": "Salary", "currency": "USD"},
        {"id": "start", "type": "date", "text": "Start"},
        {"id": "drop", "type": "dropdown", "text": "Team", "options": [{"text": "A"}, {"text": "B"}]},
        {"id": "choice", "type": "multiple-choice", "text": "Level", "options": [{"text": "L1"}]},
        {"id": "multi", "type": "multiple-select", "text": "Skills", "options": [{"text": "go"}, {"text": "py"}]},
        {"id": "score", "type": "score", "text": "Score"},
        {"id": "card", "type": "scorecard", "text": "Card", "scores": [{"text": "Design"}, {"text": "Coding"}]},
        {"id": "text", "type": "text", "text": "Summary"},
        {"id": "area", "type": "textarea", "text": "Notes"},
        {"id": "yn", "type": "yes-no", "text": "Hire again"},
    ],
}

GOOD = {
    "overall": "3 - Hire",
    "code": "print(1)",
    "money": 120000.5,
    "start": 1782974327197,
    "drop": "A",
    "choice": "L1",
    "multi": ["go", "py"],
    "score": 4,
    "card": [{"score": 3, "comment": "ok"}, {"score": 2}],
    "text": "Good",
    "area": "Long",
    "yn": "yes",
}


def test_validate_field_values_accepts_every_type_in_both_shapes() -> None:
    assert validate_field_values(TEMPLATE, GOOD) == []
    assert validate_field_values(TEMPLATE, [{"id": k, "value": v} for k, v in GOOD.items()]) == []
    assert validate_field_values(FeedbackTemplate.from_raw(TEMPLATE), GOOD) == []


@pytest.mark.parametrize(
    ("field_id", "bad", "problem"),
    [
        ("code", 42, "string"),
        ("money", "lots", "number"),
        ("start", "tomorrow", "milliseconds"),
        ("drop", "C", "options"),
        ("choice", "L9", "options"),
        ("overall", "5 - Superb", "options"),
        ("multi", "go", "array"),
        ("multi", ["go", "rust"], "not options"),
        ("score", 5, "1 to 4"),
        ("score", True, "1 to 4"),
        ("card", [{"score": 3}], "array of 2"),
        ("card", [{"score": 9}, {"score": 1}], "1 to 4"),
        ("text", ["a"], "string"),
        ("area", 3, "string"),
        ("yn", "maybe", "'yes' or 'no'"),
    ],
)
def test_validate_field_values_names_the_bad_field(field_id: str, bad: object, problem: str) -> None:
    errors = validate_field_values(TEMPLATE, {**GOOD, field_id: bad})
    assert len(errors) == 1
    assert errors[0].field_id == field_id and problem in errors[0].problem
    assert field_id in str(errors[0])


def test_validate_field_values_required_unknown_and_repeated() -> None:
    values = [{"id": "text", "value": "a"}, {"id": "text", "value": "b"}, {"id": "nope", "value": 1}]
    errors = validate_field_values(TEMPLATE, values)
    by_id = {e.field_id: e.problem for e in errors}
    assert "more than once" in by_id["text"]
    assert "not a field" in by_id["nope"]
    assert "required" in by_id["overall"]


def test_validate_field_values_never_echoes_free_text() -> None:
    errors = validate_field_values(TEMPLATE, {**GOOD, "text": {"secret": "Jane Doe's salary"}})
    assert errors and all("Jane Doe" not in str(e) for e in errors)
