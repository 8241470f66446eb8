"""The per-opportunity kinds: for each sub-resource, the `lever/` call that reads it, the tables
it lands in (main table first), how an opportunity's objects become rows, and how its files
download (resumes and files only).

Two kinds cost fewer than one request per opportunity, because Lever's data says when an
opportunity has none (`needs_request`; the others are written as empty without asking):

- panels: a panel holds at least one interview (Lever deletes a panel with its last
  interview), so an opportunity whose interviews were read at its current stamp and were
  none has no panels. Interviews alone cannot stand in for panels: they lack the panel's
  note, external URL, externally-managed flag and cancellation.
- referrals: only a referred candidacy has referrals: one with a referral-type application
  (its stored response, read with expand=applications, says which) or with origin
  `referred` (a referral made without a posting has no application to carry the type). An
  application stored as a bare id (read without the expansion) is not known, so it is asked.

One kind costs none: applications come in the opportunity's own response, so they are
derived from the stored `raw` (`stored`) and never requested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table

from lever_pipeline.lever import resumes
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.feedback import feedback_pages
from lever_pipeline.lever.forms import profile_form_pages
from lever_pipeline.lever.interviews import interview_pages
from lever_pipeline.lever.notes import note_pages
from lever_pipeline.lever.panels import panel_pages
from lever_pipeline.lever.referrals import referral_pages
from lever_pipeline.sync import candidacy_rows as cr
from lever_pipeline.sync import per_opportunity_rows as fr
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.candidacy import (
    lever_applications,
    lever_panels,
    lever_profile_forms,
    lever_referrals,
    profile_form_field_values,
)
from lever_pipeline.warehouse.tables.feedback import (
    child_sync_state,
    feedback_field_values,
    interview_interviewers,
    lever_feedback,
    lever_files,
    lever_interviews,
    lever_notes,
    lever_offers,
    lever_resumes,
)
from lever_pipeline.warehouse.upsert import Row

Objects = Sequence[Mapping[str, Any]]

NeedsRequest = Callable[[sa.ColumnElement], sa.ColumnElement[bool]]
"""Given the opportunity's stamp expression, a condition on `lever_opportunities` that is true
when its children must be asked for (false: Lever's data says it has none)."""


@dataclass(frozen=True)
class Download:
    """How a kind's files download: the bytes of one object, and where the object keeps its file's metadata."""

    fetch: Callable[[LeverClient, str, str], Awaitable[bytes]]  # (client, opportunity id, object id)
    file_of: Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class ChildKind:
    """One sub-resource of an opportunity.

    `pages`: the read of one opportunity's objects; None for a kind `stored` in the
    opportunity's own response (read from the warehouse, never from Lever).
    `field_values`: the table whose rows carry a feedback field type (counted as the rows are written).
    `needs_request`: which opportunities must be asked at all (None: every one).
    """

    name: str
    pages: Callable[[LeverClient, str], AsyncIterator[list[dict[str, Any]]]] | None
    tables: tuple[Table, ...]
    to_rows: Callable[[str, Objects], tuple[list[Row], ...]]
    download: Download | None = None
    field_values: Table | None = None
    needs_request: NeedsRequest | None = None
    stored: Callable[[Mapping[str, Any]], Objects] | None = None


def _single(mapper: Callable[[str, Mapping[str, Any]], Row]) -> Callable[[str, Objects], tuple[list[Row], ...]]:
    return lambda opp, objs: ([mapper(opp, o) for o in objs],)


def _has_interviews(stamp: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Ask unless the opportunity's interviews were read at this very stamp and there were none."""
    s = child_sync_state.alias("interviews_read")
    none_at_stamp = sa.exists().where(
        s.c.opportunity_id == lever_opportunities.c.id,
        s.c.kind == "interviews",
        s.c.opportunity_stamp.is_not_distinct_from(stamp),
        s.c["items"] == 0,
    )
    return ~none_at_stamp


_REFERRAL_APPLICATION = sa.text("""'[{"type": "referral"}]'::jsonb""")


def _has_referral(stamp: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Ask when the candidacy was referred, a stored application is of type referral, or is a bare id."""
    applications = lever_opportunities.c.raw["applications"]
    return sa.or_(
        lever_opportunities.c.origin == "referred",
        applications.op("@>")(_REFERRAL_APPLICATION),
        sa.func.jsonb_path_exists(
            lever_opportunities.c.raw, sa.text("""'$.applications[*] ? (@.type() == "string")'""")
        ),
    )


KINDS: dict[str, ChildKind] = {
    k.name: k
    for k in (
        ChildKind(
            "feedback",
            feedback_pages,
            (lever_feedback, feedback_field_values),
            fr.feedback_rows,
            field_values=feedback_field_values,
        ),
        ChildKind("interviews", interview_pages, (lever_interviews, interview_interviewers), fr.interview_rows),
        ChildKind("notes", note_pages, (lever_notes,), _single(fr.note_row)),
        ChildKind(
            "resumes",
            resumes.resume_pages,
            (lever_resumes,),
            _single(fr.resume_row),
            download=Download(resumes.download_resume, lambda resume: resume.get("file")),
        ),
        ChildKind(
            "files",
            resumes.file_pages,
            (lever_files,),
            _single(fr.file_row),
            download=Download(resumes.download_file, lambda file: file),
        ),
        ChildKind("offers", resumes.offer_pages, (lever_offers,), _single(fr.offer_row)),
        ChildKind("panels", panel_pages, (lever_panels,), _single(cr.panel_row), needs_request=_has_interviews),
        ChildKind(
            "referrals", referral_pages, (lever_referrals,), _single(cr.referral_row), needs_request=_has_referral
        ),
        ChildKind(
            "profile_forms",
            profile_form_pages,
            (lever_profile_forms, profile_form_field_values),
            cr.profile_form_rows,
            field_values=profile_form_field_values,
        ),
    )
}

APPLICATIONS = ChildKind(
    "applications",
    None,
    (lever_applications,),
    _single(cr.application_row),
    stored=cr.stored_applications,
)
"""Applications: one row per application, derived from the stored opportunities (no request)."""
