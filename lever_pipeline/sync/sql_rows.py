"""The typed columns of a stream computed in SQL from Lever's object `o` (see `warehouse.raw_pages`).

Each mapping gives the same columns as its Python mapper in `rows` (the tests compare the
two on the sandbox's objects); the Python mappers stay for the paths that map a handful of
objects (a webhook's refresh, references fetched by id). Only the streams whose size grows
with the account are mapped here: opportunities.
"""

from __future__ import annotations


def _ref(expr: str) -> str:
    """`rows.ref_id`: the id of an expanded object (`{"id": ...}`), or the bare id."""
    return f"(CASE jsonb_typeof({expr}) WHEN 'object' THEN ({expr})->>'id' ELSE ({expr}) #>> '{{}}' END)"


def _ms(expr: str) -> str:
    """`rows.ms`: Lever's epoch milliseconds as timestamptz (null and "" stay null)."""
    return f"to_timestamp(nullif({expr}, '')::numeric / 1000)"


def _texts(expr: str) -> str:
    """`list(obj.get(...) or [])` as text[]: the array's elements, none when it is not an array."""
    return (
        f"ARRAY(SELECT x FROM jsonb_array_elements_text(CASE jsonb_typeof({expr}) WHEN 'array' THEN {expr} END)"
        " AS t(x))"
    )


_ARCHIVED = "(CASE WHEN jsonb_typeof(o->'archived') = 'object' AND o->'archived' <> '{}'::jsonb THEN o->'archived' END)"

_POSTING_IDS = (
    "ARRAY(SELECT p FROM (SELECT " + _ref("a->'posting'") + " AS p, min(k) AS k"
    " FROM jsonb_array_elements(CASE jsonb_typeof(o->'applications') WHEN 'array' THEN o->'applications' END)"
    " WITH ORDINALITY AS apps(a, k) WHERE jsonb_typeof(a) = 'object' GROUP BY 1) AS ps"
    " WHERE p IS NOT NULL AND p <> '' ORDER BY k)"
)

OPPORTUNITY_COLUMNS: dict[str, str] = {
    "id": "o->>'id'",
    "contact_id": _ref("o->'contact'"),
    "stage_id": _ref("o->'stage'"),
    "origin": "o->>'origin'",
    "owner_id": _ref("o->'owner'"),
    "sourced_by_id": _ref("o->'sourcedBy'"),
    "confidentiality": "o->>'confidentiality'",
    "is_archived": f"{_ARCHIVED} IS NOT NULL",
    "archived_reason_id": f"{_ARCHIVED}->>'reason'",
    "archived_at": _ms(f"{_ARCHIVED}->>'archivedAt'"),
    "posting_ids": _POSTING_IDS,
    "tags": _texts("o->'tags'"),
    "sources": _texts("o->'sources'"),
    "created_at": _ms("o->>'createdAt'"),
    "updated_at": _ms("o->>'updatedAt'"),
    "last_interaction_at": _ms("o->>'lastInteractionAt'"),
    "last_advanced_at": _ms("o->>'lastAdvancedAt'"),
    "snoozed_until": _ms("o->>'snoozedUntil'"),
    "deleted_at": "NULL::timestamptz",
    "raw": "o",
}
"""`rows.opportunity_row` in SQL."""

OPPORTUNITY_REFERENCES = (
    "SELECT 'users', owner_id FROM {source} UNION SELECT 'users', sourced_by_id FROM {source}"
    " UNION SELECT 'users', CASE jsonb_typeof(f) WHEN 'object' THEN f->>'id' ELSE f #>> '{{}}' END"
    " FROM {source} CROSS JOIN LATERAL jsonb_array_elements("
    "CASE jsonb_typeof(raw->'followers') WHEN 'array' THEN raw->'followers' END) AS fs(f)"
    " UNION SELECT 'postings', unnest(posting_ids) FROM {source}"
)
"""The (target, id) pairs of users and postings the mapped opportunity rows (`{source}`) name (`references.NAMED`)."""
