"""Feedback forms and their field values, as generated and as written through the API."""

from __future__ import annotations

import random
from typing import Any

from lever_pipeline.sandbox import vocab
from lever_pipeline.sandbox.data import ANCHOR_MS, DAY_MS, Doc, new_uuid


def field_value(rng: random.Random, f: Doc) -> Any:
    """A valid value for a feedback template field (see REFERENCE.md field types)."""
    t = f["type"]
    if t in ("score-system", "dropdown", "multiple-choice"):
        return rng.choice(f["options"])["text"]
    if t == "multiple-select":
        opts = [o["text"] for o in f["options"]]
        return rng.sample(opts, rng.randrange(1, len(opts) + 1))
    if t == "score":
        return rng.randrange(1, 5)
    if t == "scorecard":
        return [{"score": rng.randrange(1, 5), "comment": rng.choice(vocab.FEEDBACK_TEXTS)} for _ in f["scores"]]
    if t == "yes-no":
        return rng.choice(("yes", "no"))
    if t == "currency":
        return rng.randrange(60, 250) * 1000
    if t == "date":
        return ANCHOR_MS + DAY_MS * rng.randrange(10, 120)
    if t == "code":
        return "def solve(xs):\n    return sorted(set(xs))\n"
    return rng.choice(vocab.FEEDBACK_TEXTS)


def feedback_form(
    rng: random.Random,
    template: Doc,
    user: str,
    at: int,
    interview: str | None,
    panel: str | None,
    fid: str | None = None,
    values: dict[str, Any] | None = None,
) -> Doc:
    """A feedback form from `template`; unset fields get `value: null` as Lever answers.

    With `values` None every required field and most optional ones get a valid random value.
    """
    fields = []
    for f in template["fields"]:
        if values is None:
            v = field_value(rng, f) if f["required"] or rng.random() < 0.7 else None
        else:
            v = values.get(f["id"])
        fields.append({**f, "value": v})
    return {
        "id": fid or new_uuid(rng),
        "type": "interview" if interview else "share",
        "text": template["text"],
        "instructions": template["instructions"],
        "fields": fields,
        "baseTemplateId": template["id"],
        "interview": interview,
        "panel": panel,
        "user": user,
        "createdAt": at,
        "completedAt": at,
        "updatedAt": None,
        "deletedAt": None,
    }
