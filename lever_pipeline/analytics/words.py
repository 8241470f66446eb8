"""Counts in words, for every line a person reads: "1 hire", "3 hires", "1,000 webhook events"."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and `noun`, the noun in the plural unless the count is one: "1 hire", "3 hires"."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
