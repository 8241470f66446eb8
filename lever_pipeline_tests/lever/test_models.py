"""The typed models that remain (feedback fields and templates, webhooks) parse REFERENCE.md's recorded JSON:
epoch ms to aware UTC, unknown fields ignored, raw kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lever_pipeline.lever.feedback import (
    DateField,
    FeedbackTemplate,
    MultipleSelectField,
    ScorecardField,
    ScoreField,
    ScoreSystemField,
    UnknownField,
    YesNoField,
    parse_field,
)
from lever_pipeline.lever.webhooks import Webhook

MS = 1782974327197
AT = datetime(2026, 7, 2, 6, 38, 47, 197000, tzinfo=UTC)

FEEDBACK = {
    "id": "e0863d1c-0000",
    "type": "interview",
    "text": "On-site interview",
    "instructions": "",
    "fields": [
        {
            "id": "06085f68-0000",
            "type": "score-system",
            "text": "Overall rating",
            "description": "",
            "required": False,
            "prompt": "Select one",
            "options": [{"text": "4 - Strong Hire"}, {"text": "3 - Hire"}, {"text": "2 - No Hire"}],
            "value": "3 - Hire",
        },
        {"id": "f2", "type": "multiple-select", "text": "Skills", "options": [{"text": "a"}], "value": ["a"]},
        {"id": "f3", "type": "scorecard", "text": "Card", "scores": [{"text": "Design"}], "value": [{"score": 3}]},
        {"id": "f4", "type": "date", "text": "Start", "value": MS},
        {"id": "f5", "type": "yes-no", "text": "Again?", "value": None},
        {"id": "f6", "type": "score", "text": "Rating", "options": [{"text": "3 - Hire"}], "value": "3 - Hire"},
        {"id": "f7", "type": "hologram", "text": "A 2030 field type", "value": {"depth": 3}, "newAttr": 1},
    ],
    "baseTemplateId": "1c0d54d3-0000",
    "interview": None,
    "panel": None,
    "user": "be12",
    "createdAt": MS,
    "completedAt": MS,
    "updatedAt": None,
    "deletedAt": None,
}


def test_models_raw_is_the_response_dict_not_a_dump() -> None:
    row = {"id": "t", "text": "On-site", "fieldFrom2030": {"x": 1}}
    template = FeedbackTemplate.from_raw(row)
    assert template.raw is row and not hasattr(template, "fieldFrom2030")
    assert [h.raw for h in Webhook.from_page([{"id": "w", "event": "e", "url": "u", "x": 1}])] == [
        {"id": "w", "event": "e", "url": "u", "x": 1}
    ]


def test_models_feedback_form_values_are_typed_per_field_type() -> None:
    overall, select, card, date, yes_no, score, _future = [parse_field(f) for f in FEEDBACK["fields"]]
    assert isinstance(overall, ScoreSystemField) and overall.value == "3 - Hire"
    assert isinstance(select, MultipleSelectField) and select.value == ["a"]
    assert isinstance(card, ScorecardField) and card.value is not None and card.value[0].score == 3
    assert isinstance(date, DateField) and date.value == AT
    assert isinstance(yes_no, YesNoField) and yes_no.value is None
    assert isinstance(score, ScoreField) and score.value == "3 - Hire"  # the recorded quirk


def test_models_unknown_field_type_is_kept_raw() -> None:
    fields = [parse_field(f) for f in FEEDBACK["fields"]]
    future = fields[-1]
    assert isinstance(future, UnknownField) and not future.known
    assert future.type == "hologram" and future.value == {"depth": 3}
    assert future.raw == FEEDBACK["fields"][-1]
    assert fields[0].raw["prompt"] == "Select one"  # known fields keep theirs too


def test_models_template_with_every_field_type_parses() -> None:
    template = FeedbackTemplate.from_raw(
        {
            "id": "t",
            "text": "On-site",
            "group": {"id": "g", "name": "Eng"},
            "stage": None,
            "createdAt": MS,
            "fields": [{"id": t, "type": t, "text": t, "required": True} for t in ("code", "text", "yes-no")],
        }
    )
    assert [f.type for f in template.fields] == ["code", "text", "yes-no"]
    assert template.unknown_fields == [] and template.created_at == AT


def test_models_webhook_token_is_secret() -> None:
    hook = Webhook.from_raw(
        {
            "id": "w",
            "event": "candidateStageChange",
            "url": "https://x",
            "configuration": {"conditions": {"origins": ["applied"]}, "signatureToken": "tok-123456"},
        }
    )
    assert hook.configuration is not None and hook.configuration.signature_token is not None
    assert hook.configuration.signature_token.get_secret_value() == "tok-123456"
    assert "tok-123456" not in repr(hook) and "tok-123456" not in str(hook.configuration)


@pytest.mark.parametrize("value", [MS, float(MS), "2026-07-02T06:38:47.197Z"])
def test_models_timestamps_are_aware_utc(value: object) -> None:
    assert FeedbackTemplate.from_raw({"id": "x", "createdAt": value}).created_at == AT
