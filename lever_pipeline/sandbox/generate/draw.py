"""Seeded draws the generators share: weighted choice and people's names."""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from lever_pipeline.sandbox import vocab


class Chooser:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: tuple | list, weights: tuple | list) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


_ASCII = str.maketrans({"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ñ": "n", " ": "", "'": ""})
_LOCALS: dict[tuple[str, str], str] = {}


def email_local(first: str, last: str) -> str:
    """The ASCII local part of an email address for a person's name."""
    key = (first, last)
    local = _LOCALS.get(key)
    if local is None:
        local = _LOCALS[key] = f"{first}.{last}".lower().translate(_ASCII)
    return local


def person(rng: random.Random) -> tuple[str, str, str]:
    """A first name, a last name and their email local part."""
    first = rng.choice(vocab.FIRST_NAMES)
    last = rng.choice(vocab.LAST_NAMES)
    return first, last, email_local(first, last)
