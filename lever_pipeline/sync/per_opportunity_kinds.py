"""The per-opportunity kinds: for each sub-resource, the `lever/` call that reads it, the tables
it lands in (main table first), how an opportunity's objects become rows, and how its files
download (resumes and files only)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from lever_pipeline.lever import resumes
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.feedback import feedback_pages
from lever_pipeline.lever.interviews import interview_pages
from lever_pipeline.lever.notes import note_pages
from lever_pipeline.sync import per_opportunity_rows as fr
from lever_pipeline.warehouse.tables.feedback import (
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


@dataclass(frozen=True)
class Download:
    """How a kind's files download: the bytes of one object, and where the object keeps its file's metadata."""

    fetch: Callable[[LeverClient, str, str], Awaitable[bytes]]  # (client, opportunity id, object id)
    file_of: Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True)
class ChildKind:
    """One sub-resource of an opportunity.

    `field_values`: the table whose rows carry a feedback field type (counted as the rows are written).
    """

    name: str
    pages: Callable[[LeverClient, str], AsyncIterator[list[dict[str, Any]]]]
    tables: tuple[Table, ...]
    to_rows: Callable[[str, Objects], tuple[list[Row], ...]]
    download: Download | None = None
    field_values: Table | None = None


def _single(mapper: Callable[[str, Mapping[str, Any]], Row]) -> Callable[[str, Objects], tuple[list[Row], ...]]:
    return lambda opp, objs: ([mapper(opp, o) for o in objs],)


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
    )
}
