"""`lever-pipeline drafts ...` and `lever-pipeline outbox ...`: review and requeue write-back from a terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import Engine

from lever_pipeline.cli.runtime import open_engine, settings_or_exit

drafts_app = typer.Typer(help="Review feedback drafts: list, show, approve.", no_args_is_help=True)
outbox_app = typer.Typer(help="Queued Lever writes: list, retry failed ones.", no_args_is_help=True)


def _engine() -> Engine:
    return open_engine(settings_or_exit())


@drafts_app.command("list")
def drafts_list(
    status: Annotated[str | None, typer.Option(help="draft, approved, submitted or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """One line per draft: id, status, opportunity, template, revision, last error."""
    from lever_pipeline.writeback.drafts import list_drafts

    drafts = list_drafts(_engine(), status=status, limit=limit)
    if not drafts:
        typer.echo(f"No {status + ' ' if status else ''}feedback drafts.")
    for d in drafts:
        error = f"  {d.last_error}" if d.last_error else ""
        typer.echo(f"{d.id}\t{d.status}\t{d.opportunity_id}\t{d.template_id}\tr{d.revision}{error}")


@drafts_app.command("show")
def drafts_show(draft_id: int) -> None:
    """The whole draft as JSON, field values included."""
    from lever_pipeline.writeback.drafts import get_draft

    draft = get_draft(_engine(), draft_id)
    if draft is None:
        typer.echo(f"No feedback draft {draft_id}.", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(draft.as_dict(), indent=2))


@drafts_app.command("approve")
def drafts_approve(
    draft_id: int, by: Annotated[str | None, typer.Option(help="Who approves (recorded on the draft).")] = None
) -> None:
    """Approve a draft and queue it for `submit_approved_feedback`."""
    from lever_pipeline.writeback.drafts import DraftNotFound, DraftStateError, approve_draft

    try:
        draft, item = approve_draft(_engine(), draft_id, approved_by=by)
    except (DraftNotFound, DraftStateError) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Draft {draft.id} approved (revision {draft.revision}); outbox item {item.id} is {item.status}.")


@outbox_app.command("list")
def outbox_list(
    status: Annotated[str | None, typer.Option(help="pending, sending, sent, failed or cancelled")] = None,
    kind: Annotated[str | None, typer.Option(help="feedback, note, add_tags, remove_tags, stage_change, ...")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """One line per item: id, kind, status, attempts, next attempt, opportunity, last error."""
    from lever_pipeline.writeback.outbox import list_items

    items = list_items(_engine(), status=status, kinds=[kind] if kind else None, limit=limit)
    if not items:
        shown = " ".join(x for x in (status, kind) if x)
        typer.echo(f"No {shown + ' ' if shown else ''}items in the outbox.")
    for i in items:
        error = f"  {i.last_error}" if i.last_error else ""
        typer.echo(
            f"{i.id}\t{i.kind}\t{i.status}\t{i.attempts}\t{i.next_attempt_at.isoformat()}\t{i.opportunity_id}{error}"
        )


@outbox_app.command("retry")
def outbox_retry(item_id: int) -> None:
    """Put a failed item back in the queue with fresh attempts (its draft back to approved)."""
    from lever_pipeline.writeback.outbox import retry_now

    item = retry_now(_engine(), item_id, datetime.now(UTC))
    if item is None:
        typer.echo(f"Outbox item {item_id} does not exist or has not failed; nothing to retry.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Outbox item {item.id} ({item.kind}) queued again.")
