import pytest

from lever_pipeline.lever.feedback import (
    KNOWN_TYPES,
    FeedbackTemplate,
    ScorecardField,
    ScoreSystemField,
    UnknownField,
    parse_field,
)

EXTRA = {
    "code": {"language": "python"},
    "currency": {"currency": "USD"},
    "dropdown": {"options": [{"text": "a"}], "prompt": "Pick"},
    "multiple-choice": {"options": [{"text": "a"}]},
    "multiple-select": {"options": [{"text": "a"}, {"text": "b"}]},
    "score-system": {"options": [{"text": "4 - Strong Hire"}, {"text": "1 - Strong No Hire"}]},
    "score": {},
    "scorecard": {"scores": [{"text": "Coding", "description": "How well"}]},
}


@pytest.mark.parametrize("field_type", sorted(KNOWN_TYPES))
def test_feedback_every_field_type_parses_to_its_own_model(field_type: str) -> None:
    raw = {"id": "f1", "type": field_type, "text": "Label", "required": True, **EXTRA.get(field_type, {})}
    field = parse_field(raw)
    assert field.known and field.type == field_type and field.required
    assert type(field).__name__.lower().replace("field", "") == field_type.replace("-", "")


def test_feedback_unknown_or_broken_field_kept_raw_never_raises() -> None:
    template = FeedbackTemplate.from_raw(
        {
            "id": "t1",
            "createdAt": 1782974327197,
            "fields": [
                {"id": "a", "type": "score-system", "options": [{"text": "3 - Hire", "optionId": "o3"}]},
                {"id": "b", "type": "video-rating", "text": "Future type"},
                {"id": "c", "type": "dropdown", "options": "not a list"},
                {"id": "d", "type": "scorecard", "scores": [{"text": "Design"}], "isSummary": True},
            ],
            "someNewTemplateAttribute": 1,
        }
    )
    assert isinstance(template.fields[0], ScoreSystemField) and template.fields[0].options[0].option_id == "o3"
    assert isinstance(template.fields[3], ScorecardField)
    assert [f.id for f in template.unknown_fields] == ["b", "c"]
    assert isinstance(template.fields[2], UnknownField) and "options" in (template.fields[2].problem or "")
    assert template.raw["someNewTemplateAttribute"] == 1
    assert template.created_at is not None and template.created_at.year == 2026
