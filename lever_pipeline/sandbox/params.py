"""Query-parameter parsing with Lever's rules: 400 naming the parameter when it is malformed.

Repeated parameters are kept as lists (`?tag=a&tag=b` is the union of a and b); the
`name[]=` spelling from one Lever example is accepted as the same parameter.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from lever_pipeline.sandbox.errors import bad_request

Query = dict[str, list[str]]

_TRUE = ("true", "1")
_FALSE = ("false", "0")


def parse_query(raw: bytes) -> Query:
    """Query string → {name: [values]} (keeps blanks, folds `name[]` into `name`)."""
    if not raw:
        return {}
    out: Query = {}
    for k, v in parse_qs(raw.decode("latin-1"), keep_blank_values=True).items():
        out.setdefault(k[:-2] if k.endswith("[]") else k, []).extend(v)
    return out


def first(q: Query, name: str) -> str | None:
    """The first value of `name`, or None."""
    v = q.get(name)
    return v[0] if v else None


def limit(q: Query) -> int:
    """`limit`: 1..100, default 100."""
    raw = first(q, "limit")
    if raw is None:
        return 100
    try:
        n = int(raw)
    except ValueError:
        raise bad_request(f"Invalid value for parameter limit: {raw!r} is not an integer") from None
    if not 1 <= n <= 100:
        raise bad_request(f"Invalid value for parameter limit: {n} (must be between 1 and 100)")
    return n


def timestamp(q: Query, name: str) -> int | None:
    """An epoch-milliseconds filter such as `updated_at_start` (inclusive bounds)."""
    raw = first(q, name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(
            f"Invalid value for parameter {name}: {raw!r} is not a timestamp in milliseconds since the epoch"
        ) from None


def boolean(q: Query, name: str) -> bool | None:
    """`true`/`false` (unset: None)."""
    raw = first(q, name)
    if raw is None or raw == "":
        return None
    low = raw.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise bad_request(f"Invalid value for parameter {name}: {raw!r} (expected true or false)")


def choices(q: Query, name: str, allowed: tuple[str, ...]) -> list[str]:
    """All values of a repeatable enum parameter, each checked against `allowed`."""
    values = [v for v in q.get(name, ()) if v != ""]
    for v in values:
        if v not in allowed:
            raise bad_request(f"Invalid value for parameter {name}: {v!r} (allowed: {', '.join(allowed)})")
    return values


def values(q: Query, name: str) -> list[str]:
    """All non-empty values of a repeatable parameter."""
    return [v for v in q.get(name, ()) if v != ""]


def in_range(value: int | None, lo: int | None, hi: int | None) -> bool:
    """Inclusive range test; a None value never matches a bounded range."""
    if lo is None and hi is None:
        return True
    if value is None:
        return False
    return (lo is None or value >= lo) and (hi is None or value <= hi)
