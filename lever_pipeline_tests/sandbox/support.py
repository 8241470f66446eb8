"""Helpers for the sandbox tests: clients, paging over HTTP, and a webhook receiver."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from lever_pipeline.sandbox.server import RunningSandbox


def client_for(sb: RunningSandbox, **kwargs: object) -> httpx.Client:
    """An authenticated client on another sandbox's /v1."""
    return httpx.Client(base_url=sb.base_url, auth=(sb.api_key, ""), timeout=kwargs.pop("timeout", 30), **kwargs)


def all_pages(client: httpx.Client, path: str, **params: object) -> list[dict]:
    """Every item of a list endpoint, following `next` to the end."""
    items: list[dict] = []
    offset = None
    while True:
        r = client.get(path, params={**params, **({"offset": offset} if offset else {})})
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["data"]
        if not body["hasNext"]:
            assert "next" not in body
            return items
        offset = body["next"]


@dataclass
class Receiver:
    """A tiny webhook receiver on a real socket; answers `fail_first` 500s, then 200s."""

    url: str
    fail_first: int = 0
    deliveries: list[tuple[str, dict, dict]] = field(default_factory=list)  # (path, headers, body)
    attempts: int = 0
