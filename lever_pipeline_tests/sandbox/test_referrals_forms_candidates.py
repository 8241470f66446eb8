"""Referrals (and referral-type applications), profile forms and their templates, file
actions, and the deprecated /candidates endpoints, over HTTP."""

from __future__ import annotations

import httpx

from lever_pipeline.sandbox.data import ANCHOR_MS
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.sandbox.support import all_pages, client_for

REFERRAL_KEYS = [
    "id", "type", "text", "instructions", "fields", "baseTemplateId", "user", "referrer", "stage", "createdAt",
    "completedAt",
]  # fmt: skip


def test_referred_opportunities_have_a_referral_application_and_form(
    sandbox: RunningSandbox, api: httpx.Client
) -> None:
    users = {u["id"] for u in all_pages(api, "/users", includeDeactivated="true")}
    referred = all_pages(api, "/opportunities", origin="referred", expand="applications")
    assert referred
    with_app = 0
    for o in referred:
        referrals = api.get(f"/opportunities/{o['id']}/referrals").json()
        assert referrals["hasNext"] is False and len(referrals["data"]) == 1
        form = referrals["data"][0]
        assert list(form) == REFERRAL_KEYS and form["type"] == "referral" and form["referrer"] in users
        assert form["stage"] == o["stageChanges"][0]["toStageId"] and form["createdAt"] == o["createdAt"]
        assert all(f["value"] is None or isinstance(f["value"], str) for f in form["fields"])
        assert api.get(f"/opportunities/{o['id']}/referrals/{form['id']}").json()["data"] == form
        if o["applications"]:
            with_app += 1
            app = o["applications"][0]
            assert app["type"] == "referral" and app["user"] == form["referrer"]
    assert with_app > 0
    others = all_pages(api, "/opportunities", origin=["applied", "sourced"], expand="applications")
    assert all(a["type"] != "referral" for o in others for a in o["applications"])
    assert all(api.get(f"/opportunities/{o['id']}/referrals").json()["data"] == [] for o in others[:20])
    missing = api.get(f"/opportunities/{referred[0]['id']}/referrals/nope")
    assert missing.status_code == 404


def test_profile_forms_follow_their_templates(api: httpx.Client) -> None:
    templates = {t["id"]: t for t in all_pages(api, "/form_templates")}
    assert len(templates) >= 3
    some = api.get(f"/form_templates/{next(iter(templates))}").json()["data"]
    assert some == templates[some["id"]]
    forms = []
    for o in all_pages(api, "/opportunities")[:60]:
        page = api.get(f"/opportunities/{o['id']}/forms").json()
        forms += [(o, f) for f in page["data"]]
    assert forms
    for o, f in forms:
        template = templates[f["baseTemplateId"]]
        assert f["type"] == "form" and f["text"] == template["text"] and f["deletedAt"] is None
        assert [x["id"] for x in f["fields"]] == [x["id"] for x in template["fields"]]
        assert all(x["value"] is not None for x in f["fields"] if x["required"])
        assert api.get(f"/opportunities/{o['id']}/forms/{f['id']}").json()["data"] == f


def test_file_actions_record_resumes_and_files_and_follow_uploads(fresh: RunningSandbox, api: httpx.Client) -> None:
    opp = next(
        o
        for o in all_pages(api, "/opportunities")
        if api.get(f"/opportunities/{o['id']}/files").json()["data"]
        and api.get(f"/opportunities/{o['id']}/resumes").json()["data"]
    )
    oid = opp["id"]
    actions = api.get(f"/opportunities/{oid}/file_actions").json()["data"]
    files = api.get(f"/opportunities/{oid}/files").json()["data"]
    resumes = api.get(f"/opportunities/{oid}/resumes").json()["data"]
    assert sorted(a["meta"].get("fileId", "") for a in actions if a["type"] == "file-added") == sorted(
        f["id"] for f in files
    )
    assert sum(1 for a in actions if a["type"] == "resume-imported") == len(resumes)
    assert [a["occurredAt"] for a in actions] == sorted(a["occurredAt"] for a in actions)
    assert all(a["opportunityId"] == oid and set(a) >= {"id", "createdAt", "user", "meta"} for a in actions)
    first = actions[0]["occurredAt"]
    only_first = api.get(f"/opportunities/{oid}/file_actions", params={"occurred_at_end": first}).json()["data"]
    assert only_first and all(a["occurredAt"] == first for a in only_first)
    assert api.get(f"/opportunities/{oid}/file_actions", params={"occurred_at_start": "x"}).status_code == 400
    user = next(u["id"] for u in api.get("/users").json()["data"])
    up = api.post(
        f"/opportunities/{oid}/files",
        params={"perform_as": user},
        files={"file": ("cv.pdf", b"%PDF-1.4 x", "application/pdf")},
    )
    assert up.status_code == 201
    fid = up.json()["data"]["id"]
    assert api.delete(f"/opportunities/{oid}/files/{fid}", params={"perform_as": user}).status_code == 204
    since = api.get(f"/opportunities/{oid}/file_actions", params={"occurred_at_start": ANCHOR_MS + 1}).json()["data"]
    assert [(a["type"], a["meta"]["fileId"], a["user"]["id"]) for a in since] == [
        ("file-added", fid, user),
        ("file-remove", fid, user),
    ]


def test_dataset_counts_match_what_the_new_lists_serve(fresh: RunningSandbox, api: httpx.Client) -> None:
    fresh.stats()  # counted once before the changes: later counts follow them without a recount
    fresh.mutate(40, ["stage", "feedback", "note", "interview", "delete", "application", "archive"])
    ds = fresh.stats()["dataset"]
    totals = dict.fromkeys(
        ("referrals", "forms", "file_actions", "applications", "interviews", "panels", "feedback", "notes"), 0
    )
    for o in all_pages(api, "/opportunities"):
        for kind in totals:
            totals[kind] += len(api.get(f"/opportunities/{o['id']}/{kind}").json()["data"])
    assert totals == {k: ds[k] for k in totals}
    assert ds["referrals"] > 0 and ds["forms"] > 0
    assert ds["candidates"] == ds["opportunities"]


def test_candidates_are_opportunities_in_the_deprecated_shape(api: httpx.Client) -> None:
    opps = all_pages(api, "/opportunities")
    cands = all_pages(api, "/candidates", limit=37)
    assert [c["id"] for c in cands] == [o["id"] for o in opps]
    for c, o in zip(cands, opps, strict=True):
        assert c["resume"] is None and "opportunityLocation" not in c
        assert {k: v for k, v in c.items() if k != "resume"} == {
            k: v for k, v in o.items() if k != "opportunityLocation"
        }
    one = api.get(f"/candidates/{opps[3]['id']}").json()["data"]
    assert one == cands[3]
    window = {"updated_at_start": opps[5]["updatedAt"], "updated_at_end": opps[5]["updatedAt"]}
    assert {c["id"] for c in all_pages(api, "/candidates", **window)} == {
        o["id"] for o in all_pages(api, "/opportunities", **window)
    }
    expanded = api.get(f"/candidates/{opps[3]['id']}", params={"expand": "stage"}).json()["data"]
    assert isinstance(expanded["stage"], dict)
    missing = api.get("/candidates/nope")
    assert missing.status_code == 404 and "candidates nope" in missing.json()["message"]
    for o in opps[:30]:
        for kind in ("applications", "offers", "referrals", "resumes", "notes", "feedback", "interviews", "files"):
            assert api.get(f"/candidates/{o['id']}/{kind}").json() == api.get(f"/opportunities/{o['id']}/{kind}").json()


def test_confidential_candidates_are_hidden_unless_asked_for(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(opportunities=500) as sb, client_for(sb) as api:
        default = {c["id"] for c in all_pages(api, "/candidates")}
        everything = {c["id"] for c in all_pages(api, "/candidates", confidentiality="all")}
        secret = {o["id"] for o in all_pages(api, "/opportunities", confidentiality="confidential")}
        assert secret and default == everything - secret
        assert len(default) == sb.stats()["dataset"]["non_confidential"]["candidates"]
    with sandbox_factory(opportunities=500, confidential_access=False) as sb, client_for(sb) as api:
        assert api.get("/candidates", params={"confidentiality": "all"}).status_code == 403
        assert api.get(f"/candidates/{next(iter(secret))}").status_code == 403
