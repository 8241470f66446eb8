"""Lever's list envelope and offset tokens.

Tokens are the URL-encoded JSON of the last returned row's sort key (Lever's recorded
tokens look the same: `%5B1750233409740%2C%22<id>%22%5D`). A page holds the rows whose
key is greater than the token's, so a token stays valid while rows are added, changed or
deleted: rows that existed when paging began are never skipped or repeated (new rows with
a later key may appear at the end). `next` is absent on the last page, as recorded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote, unquote

import orjson

from lever_pipeline.sandbox.errors import ApiError

Key = tuple[Any, ...]


def encode_token(key: Key) -> str:
    """The opaque `next` token for a page that ended at `key`."""
    return quote(orjson.dumps(list(key)).decode(), safe="")


def decode_token(token: str, like: Key) -> Key:
    """The key inside `token`; 400 "Invalid offset token" unless it has the shape of `like`.

    Accepts the token both as returned (URL-encoded) and already decoded once more, since
    clients differ in whether they re-encode it inside the query string.
    """
    text = unquote(token) if token.startswith("%") else token
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ApiError(400, f"Invalid offset token: {token[:80]}") from None
    if (
        not isinstance(value, list)
        or len(value) != len(like)
        or any(type(v) is not type(w) or isinstance(v, bool) for v, w in zip(value, like, strict=False))
    ):
        raise ApiError(400, f"Invalid offset token: {token[:80]}")
    return tuple(value)


def envelope(chunks: Iterable[bytes], next_key: Key | None) -> bytes:
    """`{"data":[...],"hasNext":bool[,"next":token]}` from pre-serialized items."""
    head = b'{"data":[' + b",".join(chunks)
    if next_key is None:
        return head + b'],"hasNext":false}'
    return head + b'],"hasNext":true,"next":"' + encode_token(next_key).encode() + b'"}'


def page(
    items: Sequence[Any],
    keys: Sequence[Key],
    after: Key | None,
    limit: int,
    match: Callable[[Any], bool] | None = None,
    lo: int = 0,
    hi: int | None = None,
) -> tuple[list[Any], Key | None]:
    """Up to `limit` items after `after` that satisfy `match`, and the next page's key.

    `keys` is sorted and parallel to `items`; only indexes in [lo, hi) are considered (a
    range the caller found by bisecting on the leading sort key). The next key is None when
    nothing matching is left, so `hasNext` is exact even with a selective filter.
    """
    n = len(items) if hi is None else hi
    start = lo if after is None else max(lo, bisect_right(keys, after))
    if match is None:
        end = min(n, start + limit)
        chosen = list(items[start:end])
        return chosen, (keys[end - 1] if end < n and chosen else None)
    chosen = []
    i = start
    while i < n and len(chosen) < limit:
        item = items[i]
        if match(item):
            chosen.append(item)
        i += 1
    last = i - 1
    while i < n:
        if match(items[i]):
            return chosen, keys[last]
        i += 1
    return chosen, None
