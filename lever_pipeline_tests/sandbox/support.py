"""Helpers for the sandbox tests: clients and paging over HTTP."""

from __future__ import annotations

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
