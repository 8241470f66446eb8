"""What the service accepts at its edge: typed, bounded ids, text and draft values.

Each type carries its rule twice: as a pydantic check with a one-line message (so a
request breaking it answers 400 naming the field) and in the JSON schema (`pattern`,
`maxLength`, `maximum`, `maxItems`), so `/docs` and the property test see the same rule
the app applies. Nothing that breaks a rule reaches PostgreSQL or a Lever URL.

Why these rules:
- PostgreSQL stores no NUL (U+0000) in `text` or in a JSONB string, and no unpaired
  surrogate (U+D800-U+DFFF, which JSON's `\\ud800` escapes can carry) in UTF-8; either
  would fail the statement. `refuse_unstorable` is the one check, for strings at any
  depth of a JSON value, dict keys included.
- Ids are Lever ids (UUIDs or slugs such as `applicant-new`). Letters, digits, `-` and
  `_` only: a template id becomes part of a Lever URL, where `?`, `#`, `/` or `..` would
  change which URL is asked.
- Draft and outbox ids are PostgreSQL `bigint` identities: 1 to 2^63-1.
- Lever documents no size limits; ours are generous for real use and keep one request
  from filling the outbox (see the constants).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

#: PostgreSQL `bigint`, the type of every draft and outbox id.
BIGINT_MAX = 2**63 - 1
#: A Lever id is a 36-character UUID or a short slug.
ID_MAX = 128
#: RFC 5321's longest address (64 + 1 + 255); also the limit of a free-text approver name.
EMAIL_MAX = 320
#: A note is a few paragraphs; 20,000 characters is about eight printed pages.
NOTE_MAX = 20_000
#: One tag's text, and how many tags one request may add, remove or filter by.
TAG_MAX = 200
TAGS_MAX = 50
#: One feedback field's value, as JSON (a long written answer is a few kB), and fields per draft.
FIELD_VALUE_MAX_BYTES = 20_000
FIELD_VALUES_MAX = 200
#: `next_cursor` values are under 200 characters.
CURSOR_MAX = 512
#: An uploaded file's name (most file systems' limit).
FILENAME_MAX = 255
#: `Idempotency-Key` header.
IDEMPOTENCY_KEY_MAX = 200
#: Nesting of one field value (a scorecard is a list of objects: 2 levels).
FIELD_VALUE_MAX_DEPTH = 16

#: The schema's pattern for free text: no NUL. (Unpaired surrogates cannot be written in a
#: JSON Schema pattern portably; the check refuses them too, and its message says so.)
NUL_FREE = r"^[^\x00]*$"
LEVER_ID = r"^[A-Za-z0-9_-]+$"
_LEVER_ID = re.compile(LEVER_ID)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "must not contain NUL (U+0000) or an unpaired surrogate (U+D800-U+DFFF); remove it"


def has_unstorable(value: object) -> bool:
    """True when a string anywhere in `value` (lists, dict keys and values, any depth) holds NUL or a surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list | tuple) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def refuse_unstorable(value: Any) -> Any:
    """The value unchanged, or a validation error when PostgreSQL could not store one of its strings."""
    if has_unstorable(value):
        raise PydanticCustomError("unstorable_character", UNSTORABLE_MESSAGE)
    return value


@dataclass(frozen=True)
class _StringRule:
    """A check on a string with a one-line message, shown in the JSON schema as `pattern`."""

    pattern: str
    ok: Callable[[str], bool]
    error_type: str
    message: str

    def check(self, value: str) -> str:
        if not self.ok(value):
            raise PydanticCustomError(self.error_type, self.message)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


_STORABLE = _StringRule(NUL_FREE, lambda s: _UNSTORABLE.search(s) is None, "unstorable_character", UNSTORABLE_MESSAGE)
_IS_LEVER_ID = _StringRule(
    LEVER_ID,
    lambda s: _LEVER_ID.fullmatch(s) is not None,
    "lever_id",
    "must be a Lever id: letters, digits, '-' and '_' only",
)


def text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of at most `max_length` characters that PostgreSQL can store (no NUL, no lone surrogate)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), _STORABLE]


#: A Lever id (opportunity, stage, posting, user, template, interview, panel, field, archive reason).
LeverId = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX), _IS_LEVER_ID]
#: A draft or outbox id: a positive PostgreSQL bigint.
RowId = Annotated[int, Interval(ge=1, le=BIGINT_MAX)]
Email = text(EMAIL_MAX)
Tag = text(TAG_MAX, min_length=1)
NoteText = text(NOTE_MAX, min_length=1)
Cursor = text(CURSOR_MAX)
IdempotencyKeyText = text(IDEMPOTENCY_KEY_MAX, min_length=1)


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_ISO_TIME_MESSAGE = "must be an ISO 8601 time with a time zone, e.g. 2026-01-01T00:00:00Z"


def _iso_text(value: Any) -> Any:
    # pydantic would read a bare number as seconds since 1970; the API documents ISO 8601 only.
    if not isinstance(value, str | datetime) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise PydanticCustomError("iso_time", _ISO_TIME_MESSAGE)
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("iso_time_zone", "needs a time zone, e.g. 2026-01-01T00:00:00Z")
    return value


#: A point in time given as ISO 8601 text with a time zone.
IsoTime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_aware)]


def _field_value(value: Any) -> Any:
    refuse_unstorable(value)
    if _depth(value) > FIELD_VALUE_MAX_DEPTH:
        raise PydanticCustomError(
            "value_too_deep", "nests deeper than {limit} levels", {"limit": FIELD_VALUE_MAX_DEPTH}
        )
    try:
        # The serializer the warehouse's JSONB columns use; PostgreSQL has no NaN or Infinity in JSON.
        size = len(json.dumps(value, allow_nan=False))
    except ValueError:
        raise PydanticCustomError("number_not_finite", "must not hold NaN or Infinity") from None
    if size > FIELD_VALUE_MAX_BYTES:
        raise PydanticCustomError(
            "value_too_large",
            "is {size} bytes as JSON; a field value may be at most {limit} bytes",
            {"size": size, "limit": FIELD_VALUE_MAX_BYTES},
        )
    return value


#: A feedback field's value: any JSON the field's type takes that PostgreSQL can store, at most 20 kB as JSON.
FieldValueData = Annotated[
    Any,
    AfterValidator(_field_value),
    Field(
        description=(
            f"The value for the field's type: no NUL (U+0000) or unpaired surrogate in any string, "
            f"at most {FIELD_VALUE_MAX_DEPTH} levels deep and {FIELD_VALUE_MAX_BYTES} bytes as JSON."
        )
    ),
]
