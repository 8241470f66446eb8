"""Every list filter, checked against the same rule applied to the full data client-side."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.sandbox.support import all_pages


@pytest.fixture(scope="module")
def everything(sandbox: RunningSandbox) -> list[dict]:
    """All opportunities with applications expanded (so posting ids are visible)."""
    sandbox.reset()
    with httpx.Client(base_url=sandbox.base_url, auth=(sandbox.api_key, "")) as c:
        return all_pages(c, "/opportunities", expand="applications")


def _posting(o: dict) -> str | None:
    return o["applications"][0]["posting"] if o["applications"] else None


def _ids(items: list[dict]) -> list[str]:
    return sorted(o["id"] for o in items)


def _pick(everything: list[dict], get: Callable[[dict], object], n: int = 2) -> list:
    values: list = []
    for o in everything:
        v = get(o)
        if v not in values and v is not None:
            values.append(v)
    return values[:n]


CASES: dict[str, Callable[[list[dict]], tuple[dict, Callable[[dict], bool]]]] = {}


def case(fn: Callable[[list[dict]], tuple[dict, Callable[[dict], bool]]]):
    CASES[fn.__name__] = fn
    return fn


@case
def tag_union(e):
    tags = _pick(e, lambda o: o["tags"][0] if o["tags"] else None)
    return {"tag": tags}, lambda o: bool(set(tags) & set(o["tags"]))


@case
def email_canonical(e):
    mixed = next(o for o in e if o["emails"][0] != o["emails"][0].lower())["emails"][0]
    return {"email": mixed.upper()}, lambda o: mixed.lower() in [x.lower() for x in o["emails"]]


@case
def origin_union(e):
    return {"origin": ["sourced", "referred"]}, lambda o: o["origin"] in ("sourced", "referred")


@case
def stage_id(e):
    stages = ["applicant-new", "lead-new"]
    return {"stage_id": stages}, lambda o: o["stage"] in stages


@case
def posting_id(e):
    postings = _pick(e, _posting)
    return {"posting_id": postings}, lambda o: _posting(o) in postings


@case
def archived_posting_id(e):
    postings = _pick(e, lambda o: _posting(o) if o["archived"] else None)
    return {"archived_posting_id": postings}, lambda o: o["archived"] is not None and _posting(o) in postings


@case
def archived_true(e):
    return {"archived": "true"}, lambda o: o["archived"] is not None


@case
def archived_false(e):
    return {"archived": "false"}, lambda o: o["archived"] is None


@case
def archive_reason_id(e):
    reason = next(o for o in e if o["archived"])["archived"]["reason"]
    return {"archive_reason_id": reason}, lambda o: bool(o["archived"]) and o["archived"]["reason"] == reason


@case
def created_at_inclusive(e):
    lo, hi = e[20]["createdAt"], e[60]["createdAt"]
    return {"created_at_start": lo, "created_at_end": hi}, lambda o: lo <= o["createdAt"] <= hi


@case
def updated_at_inclusive(e):
    ts = sorted(o["updatedAt"] for o in e)
    lo, hi = ts[50], ts[120]
    return {"updated_at_start": lo, "updated_at_end": hi}, lambda o: lo <= o["updatedAt"] <= hi


@case
def advanced_at(e):
    lo = sorted(o["lastAdvancedAt"] for o in e)[100]
    return {"advanced_at_start": lo}, lambda o: o["lastAdvancedAt"] >= lo


@case
def archived_at(e):
    hi = sorted(o["archived"]["archivedAt"] for o in e if o["archived"])[5]
    return {"archived_at_end": hi}, lambda o: bool(o["archived"]) and o["archived"]["archivedAt"] <= hi


@case
def source(e):
    sources = _pick(e, lambda o: o["sources"][0])
    return {"source": sources}, lambda o: bool(set(sources) & set(o["sources"]))


@case
def contact_id(e):
    contacts = [e[3]["contact"], e[9]["contact"]]
    return {"contact_id": contacts}, lambda o: o["contact"] in contacts


@case
def snoozed(e):
    return {"snoozed": "true"}, lambda o: o["snoozedUntil"] is not None


@case
def location(e):
    return (
        {"location": ["unspecified", "Remote"]},
        lambda o: (
            (o["opportunityLocation"] or "unspecified")
            in (
                "unspecified",
                "Remote",
            )
        ),
    )


@case
def confidentiality_all(e):
    return {"confidentiality": "all"}, lambda o: True


@case
def combined(e):
    return {
        "archived": "false",
        "origin": "applied",
        "created_at_start": e[30]["createdAt"],
    }, lambda o: o["archived"] is None and o["origin"] == "applied" and o["createdAt"] >= e[30]["createdAt"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_opportunity_filter(name: str, everything: list[dict], api: httpx.Client) -> None:
    query, rule = CASES[name](everything)
    expected = _ids([o for o in everything if rule(o)])
    got = _ids(all_pages(api, "/opportunities", limit=30, **query))
    assert expected, f"the case {name} selects nothing, so it proves nothing"
    assert got == expected


def test_confidential_only_lists_nothing(api: httpx.Client) -> None:
    assert api.get("/opportunities", params={"confidentiality": "confidential"}).json()["data"] == []


@pytest.mark.parametrize(
    ("expand", "check"),
    [
        ("owner", lambda o: isinstance(o["owner"], dict) and "email" in o["owner"]),
        ("stage", lambda o: set(o["stage"]) == {"id", "text"}),
        ("followers", lambda o: all(isinstance(f, dict) for f in o["followers"])),
        ("contact", lambda o: o["contact"]["emails"] == o["emails"]),
        ("applications", lambda o: all(a["opportunityId"] == o["id"] for a in o["applications"])),
    ],
)
def test_opportunity_expand(api: httpx.Client, expand: str, check: Callable[[dict], bool]) -> None:
    data = api.get("/opportunities", params={"expand": expand, "limit": 20}).json()["data"]
    assert data and all(check(o) for o in data)


def test_users_filters(api: httpx.Client) -> None:
    active = all_pages(api, "/users")
    everyone = all_pages(api, "/users", includeDeactivated="true")
    assert all(u["deactivatedAt"] is None for u in active)
    assert len(everyone) > len(active)
    one = everyone[1]
    assert _ids(all_pages(api, "/users", email=one["email"].upper(), includeDeactivated="true")) == [one["id"]]
    roles = ["admin", "interviewer"]
    assert _ids(all_pages(api, "/users", accessRole=roles)) == _ids([u for u in active if u["accessRole"] in roles])


def test_postings_filters(api: httpx.Client) -> None:
    everything = all_pages(api, "/postings", confidentiality="all")
    visible = all_pages(api, "/postings")
    assert _ids(visible) == _ids([p for p in everything if p["confidentiality"] == "non-confidential"])
    states = ["published", "closed"]
    assert _ids(all_pages(api, "/postings", state=states, confidentiality="all")) == _ids(
        [p for p in everything if p["state"] in states]
    )
    team = everything[0]["categories"]["team"]
    assert _ids(all_pages(api, "/postings", team=team, confidentiality="all")) == _ids(
        [p for p in everything if p["categories"]["team"] == team]
    )
    assert {p["state"] for p in everything} == {"published", "internal", "closed", "draft", "pending", "rejected"}


def test_archive_reason_type(api: httpx.Client) -> None:
    hired = api.get("/archive_reasons", params={"type": "hired"}).json()["data"]
    assert [r["text"] for r in hired] == ["Hired"]


def test_resume_uploaded_at_filter(api: httpx.Client, everything: list[dict]) -> None:
    with_resume = next(o for o in everything if api.get(f"/opportunities/{o['id']}/resumes").json()["data"])
    resumes = api.get(f"/opportunities/{with_resume['id']}/resumes").json()["data"]
    at = resumes[0]["file"]["uploadedAt"]
    hit = api.get(
        f"/opportunities/{with_resume['id']}/resumes", params={"uploaded_at_start": at, "uploaded_at_end": at}
    )
    miss = api.get(f"/opportunities/{with_resume['id']}/resumes", params={"uploaded_at_start": at + 10**12})
    assert [r["id"] for r in hit.json()["data"]] == [resumes[0]["id"]]
    assert miss.json()["data"] == []
