"""Confidential data as Lever serves it: hidden by default, listed with `confidentiality`, and
refused (403) to a key that was not granted confidential access; users joining the account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.sandbox.support import all_pages, client_for

# 500 opportunities give 22 postings, one of them confidential (the size `make dev` serves).
DEV_SIZE = {"opportunities": 500}


@pytest.fixture(scope="module")
def dev_sized(sandbox_factory: SandboxFactory) -> Iterator[RunningSandbox]:
    with sandbox_factory(**DEV_SIZE) as sb:
        yield sb


@pytest.fixture(scope="module")
def no_access(sandbox_factory: SandboxFactory) -> Iterator[RunningSandbox]:
    with sandbox_factory(**DEV_SIZE, confidential_access=False) as sb:
        yield sb


def _ids(items: list[dict]) -> set[str]:
    return {i["id"] for i in items}


def test_confidential_postings_are_listed_only_when_asked_for(dev_sized: RunningSandbox) -> None:
    with client_for(dev_sized) as api:
        everything = all_pages(api, "/postings", confidentiality="all")
        default = all_pages(api, "/postings")
        confidential = all_pages(api, "/postings", confidentiality="confidential")
    assert len(everything) == dev_sized.stats()["dataset"]["postings"] == 22
    assert _ids(default) == {p["id"] for p in everything if p["confidentiality"] == "non-confidential"}
    assert _ids(confidential) == _ids(everything) - _ids(default) != set()


def test_candidacies_on_a_confidential_posting_are_confidential(dev_sized: RunningSandbox) -> None:
    with client_for(dev_sized) as api:
        secret = _ids(all_pages(api, "/postings", confidentiality="confidential"))
        everything = all_pages(api, "/opportunities", confidentiality="all", expand="applications")
        default = _ids(all_pages(api, "/opportunities"))
        confidential = _ids(all_pages(api, "/opportunities", confidentiality="confidential"))
    on_secret = {o["id"] for o in everything if any(a["posting"] in secret for a in o["applications"])}
    assert len(everything) == dev_sized.stats()["dataset"]["opportunities"]
    assert confidential == on_secret == {o["id"] for o in everything if o["confidentiality"] == "confidential"}
    assert len(confidential) == 19  # the 19 of 500 the issue found pointing at a posting the warehouse lacked
    assert default == _ids(everything) - confidential


def test_a_key_without_confidential_access_is_refused_confidential_data(no_access: RunningSandbox) -> None:
    with client_for(no_access) as api:
        for path in ("/postings", "/opportunities"):
            for asked in ("all", "confidential"):
                refused = api.get(path, params={"confidentiality": asked})
                assert refused.status_code == 403, (path, asked)
                assert refused.json()["code"] == "ForbiddenError"
                assert "confidential" in refused.json()["message"]
        postings = all_pages(api, "/postings", confidentiality="non-confidential")
        assert postings and all(p["confidentiality"] == "non-confidential" for p in postings)
        opportunities = all_pages(api, "/opportunities")
        assert len(opportunities) == 500 - 19
    # By id, a confidential object is refused too; everything else reads as before.
    secret_posting = next(p for p in no_access.app.store.world.postings if p["confidentiality"] == "confidential")
    secret_opp = next(r.id for r in no_access.app.store.opps if r.doc["confidentiality"] == "confidential")
    with client_for(no_access) as api:
        assert api.get(f"/postings/{secret_posting['id']}").status_code == 403
        assert api.get(f"/opportunities/{secret_opp}").status_code == 403
        assert api.get(f"/opportunities/{secret_opp}/interviews").status_code == 403
        assert api.get(f"/opportunities/{opportunities[0]['id']}").status_code == 200


def test_new_interviewer_and_new_owner_join_the_account(fresh: RunningSandbox) -> None:
    with client_for(fresh) as api:
        before = _ids(all_pages(api, "/users", includeDeactivated="true"))
        interviewer = fresh.mutate(1, kinds=["new_interviewer"])["mutations"][0]
        owner = fresh.mutate(1, kinds=["new_owner"])["mutations"][0]
        after = _ids(all_pages(api, "/users", includeDeactivated="true"))
        assert after - before == {interviewer["userId"], owner["userId"]}
        assert api.get(f"/users/{interviewer['userId']}").json()["data"]["deactivatedAt"] is None
        interviews = api.get(f"/opportunities/{interviewer['opportunityId']}/interviews").json()["data"]
        iv = next(i for i in interviews if i["id"] == interviewer["interviewId"])
        assert [p["id"] for p in iv["interviewers"]] == [interviewer["userId"]]
        owned = api.get(f"/opportunities/{owner['opportunityId']}").json()["data"]
        assert owned["owner"] == owner["userId"] and owner["userId"] in owned["followers"]
    assert fresh.stats()["dataset"]["users"] == len(after)
