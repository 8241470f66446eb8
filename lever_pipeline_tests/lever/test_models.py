"""Models parse REFERENCE.md's recorded JSON: epoch ms to aware UTC, unknown fields ignored, raw kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lever_pipeline.lever.feedback import (
    DateField,
    Feedback,
    FeedbackTemplate,
    MultipleSelectField,
    ScorecardField,
    ScoreField,
    ScoreSystemField,
    UnknownField,
    YesNoField,
)
from lever_pipeline.lever.interviews import Interview, Panel
from lever_pipeline.lever.notes import Note
from lever_pipeline.lever.opportunities import Opportunity
from lever_pipeline.lever.postings import Posting
from lever_pipeline.lever.reference import ArchiveReason, Source
from lever_pipeline.lever.resumes import File, Offer, Resume
from lever_pipeline.lever.stages import Stage
from lever_pipeline.lever.users import User
from lever_pipeline.lever.webhooks import Webhook

MS = 1782974327197
AT = datetime(2026, 7, 2, 6, 38, 47, 197000, tzinfo=UTC)

OPPORTUNITY = {
    "id": "6408dc54-7015-4e5b-8d60-23afff2b1efc",
    "name": "Nango Seed Candidate 1",
    "contact": "997fd432-0000",
    "headline": "Engineer",
    "stage": "lead-reached-out",
    "confidentiality": "non-confidential",
    "location": "",
    "phones": [{"type": "mobile", "value": "5555550100"}],
    "emails": ["x@example.com"],
    "links": [],
    "archived": {"reason": "c97322d4-0000", "archivedAt": 1782973996415},
    "tags": ["Nango Seed", "Engineering", "Full-time"],
    "sources": ["Referral"],
    "stageChanges": [{"toStageId": "lead-new", "toStageIndex": 0, "updatedAt": 1782972986091, "userId": "32bc"}],
    "origin": "sourced",
    "sourcedBy": "32bc",
    "owner": "32bc",
    "followers": ["32bc"],
    "applications": ["7278da68-0000"],
    "createdAt": 1782972986091,
    "updatedAt": 1782974048515,
    "lastInteractionAt": 1782974048514,
    "lastAdvancedAt": 1782974004990,
    "snoozedUntil": None,
    "urls": {"list": "https://hire.lever.co/candidates", "show": "https://hire.lever.co/candidates/6408"},
    "isAnonymized": False,
    "dataProtection": None,
    "opportunityLocation": "San Francisco, CA",
}

POSTING = {
    "id": "75ff237f-c221-4c26-8b23-faf395f5ea1c",
    "text": "Nango Seed Posting 1",
    "state": "internal",
    "distributionChannels": None,
    "user": "32bc",
    "owner": "32bc",
    "hiringManager": None,
    "categories": {
        "commitment": "Full-time",
        "department": "Research & Development",
        "level": None,
        "location": "San Francisco, CA",
        "team": "Engineering",
        "allLocations": ["San Francisco, CA"],
    },
    "tags": [],
    "content": {
        "description": "d",
        "descriptionHtml": "<div>d</div>",
        "lists": [{"text": "Requirements", "content": "<li>Python</li>"}],
        "closing": "",
        "closingHtml": "",
    },
    "country": "US",
    "followers": ["32bc"],
    "reqCode": None,
    "requisitionCodes": [],
    "salaryRange": {"min": 1, "max": 2, "currency": "USD", "interval": "per-year-salary"},
    "salaryDescription": "s",
    "urls": {"list": "https://jobs.lever.co/acme", "show": "s", "apply": "a"},
    "confidentiality": "non-confidential",
    "createdAt": 1782972961725,
    "updatedAt": 1782972961725,
    "workplaceType": "unspecified",
}

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


def test_models_opportunity_parses_recorded_example() -> None:
    o = Opportunity.from_raw({**OPPORTUNITY, "fieldFrom2030": {"x": 1}})
    assert o.created_at == datetime(2026, 7, 2, 6, 16, 26, 91000, tzinfo=UTC)
    assert o.created_at.utcoffset().total_seconds() == 0
    assert o.archived is not None and o.archived.archived_at is not None and o.archived.reason == "c97322d4-0000"
    assert o.phones[0].value == "5555550100" and o.stage_changes[0].to_stage_id == "lead-new"
    assert o.sourced_by == "32bc" and o.opportunity_location == "San Francisco, CA" and o.snoozed_until is None
    assert not hasattr(o, "fieldFrom2030") and o.raw["fieldFrom2030"] == {"x": 1}


def test_models_raw_is_the_response_dict_not_a_dump() -> None:
    row = dict(OPPORTUNITY)
    assert Opportunity.from_raw(row).raw is row
    assert [s.raw for s in Stage.from_page([{"id": "offer", "text": "Offer", "x": 1}])] == [
        {"id": "offer", "text": "Offer", "x": 1}
    ]


def test_models_expanded_references_stay_objects() -> None:
    o = Opportunity.from_raw({**OPPORTUNITY, "owner": {"id": "32bc", "name": "Ann"}, "stage": {"id": "offer"}})
    assert o.owner == {"id": "32bc", "name": "Ann"} and o.stage == {"id": "offer"}


def test_models_posting_parses_categories_content_and_salary() -> None:
    p = Posting.from_raw(POSTING)
    assert p.categories is not None and p.categories.all_locations == ["San Francisco, CA"]
    assert p.content is not None and p.content.lists[0].text == "Requirements"
    assert p.content.description_html == "<div>d</div>"
    assert p.salary_range is not None and p.salary_range.currency == "USD"
    assert (p.state, p.workplace_type, p.hiring_manager) == ("internal", "unspecified", None)


def test_models_user_stage_reference_lists() -> None:
    u = User.from_raw(
        {
            "id": "be12",
            "name": "Nango Seed User 1",
            "username": "nango-seed-1",
            "email": "nango-seed-1@nango.dev",
            "accessRole": "interviewer",
            "photo": None,
            "createdAt": 1782972916580,
            "deactivatedAt": MS,
            "externalDirectoryId": None,
            "linkedContactIds": None,
            "jobTitle": None,
            "managerId": None,
        }
    )
    assert u.access_role == "interviewer" and u.deactivated_at == AT
    reason = ArchiveReason.from_raw({"id": "0092", "text": "Hired", "status": "active", "type": "hired"})
    assert reason.type == "hired"
    assert Source.from_raw({"text": "LinkedIn", "count": 43}).count == 43


def test_models_feedback_form_values_are_typed_per_field_type() -> None:
    form = Feedback.from_raw(FEEDBACK)
    overall, select, card, date, yes_no, score, _future = form.fields
    assert isinstance(overall, ScoreSystemField) and overall.value == "3 - Hire"
    assert isinstance(select, MultipleSelectField) and select.value == ["a"]
    assert isinstance(card, ScorecardField) and card.value is not None and card.value[0].score == 3
    assert isinstance(date, DateField) and date.value == AT
    assert isinstance(yes_no, YesNoField) and yes_no.value is None
    assert isinstance(score, ScoreField) and score.value == "3 - Hire"  # the recorded quirk
    assert form.completed_at == AT and form.interview is None


def test_models_unknown_field_type_is_kept_raw() -> None:
    form = Feedback.from_raw(FEEDBACK)
    future = form.fields[-1]
    assert isinstance(future, UnknownField) and not future.known
    assert future.type == "hologram" and future.value == {"depth": 3}
    assert future.raw == FEEDBACK["fields"][-1]
    assert form.fields[0].raw["prompt"] == "Select one"  # known fields keep theirs too


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


def test_models_interview_panel_note_file_offer() -> None:
    interview = Interview.from_raw(
        {
            "id": "i",
            "panel": "p",
            "interviewers": [{"id": "u", "name": "Ann", "email": "a@x", "feedbackTemplate": "t"}],
            "date": MS,
            "duration": 45,
            "feedbackForms": ["f"],
            "canceledAt": None,
            "opportunityId": "o",
        }
    )
    assert interview.interviewers[0].feedback_template == "t" and interview.date == AT
    panel = Panel.from_raw({"id": "p", "start": MS, "externallyManaged": True, "interviews": [{"id": "i"}]})
    assert panel.externally_managed and panel.interviews[0].id == "i"
    note = Note.from_raw(
        {
            "id": "n",
            "text": "Note",
            "fields": [{"type": "note", "text": "Comment", "value": "v", "createdAt": MS, "score": None}],
            "secret": False,
            "createdAt": MS,
            "deletedAt": None,
        }
    )
    assert note.fields[0].created_at == AT
    resume = Resume.from_raw({"id": "r", "file": {"name": "cv.pdf", "uploadedAt": MS, "size": 10}, "parsedData": {}})
    assert resume.file is not None and resume.file.uploaded_at == AT
    assert File.from_raw({"id": "f", "status": None}).status is None
    offer = Offer.from_raw({"id": "o", "status": "signed", "fields": [{"text": "Salary", "value": 1}]})
    assert offer.fields[0].value == 1


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
    assert Opportunity.from_raw({"id": "x", "createdAt": value}).created_at == AT
