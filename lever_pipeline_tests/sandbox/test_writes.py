"""Writes with Lever's validation, and their effects as reads see them straight away."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox


@pytest.fixture
def world(fresh: RunningSandbox, api: httpx.Client) -> dict[str, Any]:
    """Ids the write tests need, read over HTTP from a freshly reset sandbox."""
    users = api.get("/users", params={"includeDeactivated": "true"}).json()["data"]
    templates = api.get("/feedback_templates").json()["data"]
    with_panel = None
    for o in api.get("/opportunities", params={"limit": 100}).json()["data"]:
        panels = api.get(f"/opportunities/{o['id']}/panels").json()["data"]
        if len(panels) >= 2:
            with_panel = (o, panels)
            break
    assert with_panel is not None
    return {
        "opp": with_panel[0],
        "panels": with_panel[1],
        "active": next(u for u in users if u["deactivatedAt"] is None)["id"],
        "inactive": next(u for u in users if u["deactivatedAt"] is not None)["id"],
        "templates": {t["text"]: t for t in templates},
    }


def _field(template: dict, ftype: str) -> dict:
    return next(f for f in template["fields"] if f["type"] == ftype)


def _valid_values(template: dict) -> list[dict]:
    samples = {
        "score-system": "3 - Hire",
        "textarea": "Thoughtful answers.",
        "text": "Ada",
        "code": "print(1)",
        "yes-no": "yes",
        "currency": 150000,
        "date": 1767225600000,
        "score": 3,
    }
    out = []
    for f in template["fields"]:
        if f["type"] in ("dropdown", "multiple-choice"):
            v: Any = f["options"][0]["text"]
        elif f["type"] == "multiple-select":
            v = [f["options"][0]["text"], f["options"][1]["text"]]
        elif f["type"] == "scorecard":
            v = [{"score": 4, "comment": "good"} for _ in f["scores"]]
        else:
            v = samples[f["type"]]
        out.append({"id": f["id"], "value": v})
    return out


def test_templates_cover_every_feedback_field_type(world: dict) -> None:
    types = {f["type"] for t in world["templates"].values() for f in t["fields"]}
    assert types >= {
        "code",
        "currency",
        "date",
        "dropdown",
        "multiple-choice",
        "multiple-select",
        "score-system",
        "score",
        "scorecard",
        "text",
        "textarea",
        "yes-no",
    }
    real = [t for t in world["templates"].values() if t["id"] != "no-feedback"]
    assert len(real) >= 6
    assert all(sum(f["type"] == "score-system" for f in t["fields"]) == 1 for t in real)


def test_create_feedback_on_an_interview(world: dict, api: httpx.Client) -> None:
    opp, panel = world["opp"], world["panels"][0]
    interview = panel["interviews"][0]["id"]
    template = world["templates"]["Technical interview"]
    optional = next(f for f in template["fields"] if not f["required"])
    values = [v for v in _valid_values(template) if v["id"] != optional["id"]]
    r = api.post(
        f"/opportunities/{opp['id']}/feedback",
        params={"perform_as": world["active"]},
        json={"baseTemplateId": template["id"], "panel": panel["id"], "interview": interview, "fieldValues": values},
    )
    assert r.status_code == 201, r.text
    form = r.json()["data"]
    assert form["baseTemplateId"] == template["id"] and form["user"] == world["active"]
    assert form["interview"] == interview and form["panel"] == panel["id"]
    by_id = {f["id"]: f for f in form["fields"]}
    assert by_id[optional["id"]]["value"] is None
    listed = api.get(f"/opportunities/{opp['id']}/feedback").json()["data"]
    assert form["id"] in [f["id"] for f in listed]
    after = api.get(f"/opportunities/{opp['id']}").json()["data"]
    assert after["updatedAt"] > opp["updatedAt"] and after["lastInteractionAt"] == after["updatedAt"]


def _feedback_error(world: dict, api: httpx.Client, mutate, params: dict | None = None) -> str:
    template = world["templates"]["Hiring manager interview"]
    body = {"baseTemplateId": template["id"], "fieldValues": _valid_values(template)}
    mutate(body, template, world)
    r = api.post(
        f"/opportunities/{world['opp']['id']}/feedback",
        params=params if params is not None else {"perform_as": world["active"]},
        json=body,
    )
    assert r.status_code == 400, r.text
    return r.json()["message"]


def _set(field_type: str, value: Any):
    def mutate(body: dict, template: dict, world: dict) -> None:
        fid = _field(template, field_type)["id"]
        for fv in body["fieldValues"]:
            if fv["id"] == fid:
                fv["value"] = value

    return mutate


def _other_template(template_text: str, field_type: str, value: Any):
    def mutate(body: dict, template: dict, world: dict) -> None:
        other = world["templates"][template_text]
        body["baseTemplateId"] = other["id"]
        body["fieldValues"] = _valid_values(other)
        fid = _field(other, field_type)["id"]
        for fv in body["fieldValues"]:
            if fv["id"] == fid:
                fv["value"] = value

    return mutate


FEEDBACK_RULES = {
    "missing baseTemplateId": (lambda b, t, w: b.pop("baseTemplateId"), "baseTemplateId is required"),
    "unknown baseTemplateId": (lambda b, t, w: b.update(baseTemplateId="nope"), "baseTemplateId nope"),
    "panel without interview": (lambda b, t, w: b.update(panel=w["panels"][0]["id"]), "together"),
    "interview without panel": (
        lambda b, t, w: b.update(interview=w["panels"][0]["interviews"][0]["id"]),
        "together",
    ),
    "interview of another panel": (
        lambda b, t, w: b.update(panel=w["panels"][0]["id"], interview=w["panels"][1]["interviews"][0]["id"]),
        "does not belong to panel",
    ),
    "field of another template": (
        lambda b, t, w: b["fieldValues"].append(
            {"id": w["templates"]["Phone screen"]["fields"][1]["id"], "value": "x"}
        ),
        "does not belong to feedback template",
    ),
    "required field missing": (
        lambda b, t, w: b.update(fieldValues=[v for v in b["fieldValues"] if v["id"] != t["fields"][0]["id"]]),
        "Required fields have no value",
    ),
    "unknown option": (_set("dropdown", "Amazing fit"), "option texts"),
    "multiple-select not a list": (_set("multiple-select", "Craft"), "array of option texts"),
    "multiple-select unknown option": (_set("multiple-select", ["Craft", "Magic"]), "not options"),
    "score-system option": (_set("score-system", "5 - Legendary"), "option texts"),
    "text not a string": (_set("text", 42), "expected a string"),
    "score out of range": (_other_template("Take-home assignment review", "score", 7), "from 1 to 4"),
    "scorecard wrong length": (_other_template("Technical interview", "scorecard", [{"score": 3}]), "one per score"),
    "scorecard score out of range": (
        _other_template("Technical interview", "scorecard", [{"score": 9}, {"score": 1}, {"score": 2}]),
        "from 1 to 4",
    ),
    "yes-no": (_other_template("Phone screen", "yes-no", "maybe"), "'yes', 'no' or null"),
    "currency not a number": (_other_template("Offer debrief", "currency", "lots"), "expected a number"),
    "date not ms": (_other_template("Offer debrief", "date", "2026-01-01"), "milliseconds"),
    "code not a string": (_other_template("Technical interview", "code", ["print"]), "expected a string"),
}


@pytest.mark.parametrize("rule", sorted(FEEDBACK_RULES))
def test_feedback_validation_rejects(world: dict, api: httpx.Client, rule: str) -> None:
    mutate, expected = FEEDBACK_RULES[rule]
    assert expected in _feedback_error(world, api, mutate)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, "perform_as"), ({"perform_as": "ghost"}, "does not exist"), (None, "deactivated")],
    ids=["missing", "unknown", "deactivated"],
)
def test_feedback_perform_as_must_be_an_active_user(world: dict, api: httpx.Client, params, expected: str) -> None:
    query = params if params is not None else {"perform_as": world["inactive"]}
    assert expected in _feedback_error(world, api, lambda b, t, w: None, query)


def test_valid_values_for_every_template_are_accepted(world: dict, api: httpx.Client) -> None:
    for template in world["templates"].values():
        r = api.post(
            f"/opportunities/{world['opp']['id']}/feedback",
            params={"perform_as": world["active"]},
            json={"baseTemplateId": template["id"], "fieldValues": _valid_values(template)},
        )
        assert r.status_code == 201, (template["text"], r.text)


def test_delete_feedback_keeps_it_readable_with_deleted_at(world: dict, api: httpx.Client) -> None:
    oid = world["opp"]["id"]
    form = api.get(f"/opportunities/{oid}/feedback").json()["data"][0]
    assert api.delete(f"/opportunities/{oid}/feedback/{form['id']}").status_code == 400  # perform_as required
    r = api.delete(f"/opportunities/{oid}/feedback/{form['id']}", params={"perform_as": world["active"]})
    assert r.status_code == 204
    again = api.get(f"/opportunities/{oid}/feedback/{form['id']}").json()["data"]
    assert again["deletedAt"] is not None


def test_notes_create_comment_and_delete(world: dict, api: httpx.Client) -> None:
    oid = world["opp"]["id"]
    r = api.post(f"/opportunities/{oid}/notes", json={"value": "Great chat", "score": 4})
    assert r.status_code == 201
    note = r.json()["data"]
    assert note["noteId"] == note["id"] and note["user"] is None and note["fields"][0]["score"] == 4
    reply = api.post(f"/opportunities/{oid}/notes", params={"note_id": note["id"]}, json={"value": "Agreed"})
    assert len(reply.json()["data"]["fields"]) == 2
    assert api.post(f"/opportunities/{oid}/notes", json={"value": ""}).status_code == 400
    assert api.post(f"/opportunities/{oid}/notes", json={"value": "x", "score": 5}).status_code == 400
    assert api.post(f"/opportunities/{oid}/notes", json={"value": "x", "createdAt": 10**14}).status_code == 400
    assert api.delete(f"/opportunities/{oid}/notes/{note['id']}").status_code == 204
    assert api.get(f"/opportunities/{oid}/notes/{note['id']}").status_code == 404


def test_generated_notes_cannot_be_deleted(world: dict, api: httpx.Client) -> None:
    for o in api.get("/opportunities", params={"limit": 50}).json()["data"]:
        notes = api.get(f"/opportunities/{o['id']}/notes").json()["data"]
        if notes:
            assert api.delete(f"/opportunities/{o['id']}/notes/{notes[0]['id']}").status_code == 403
            return
    pytest.fail("no generated note found")


def test_tags_add_remove_and_counts(world: dict, api: httpx.Client) -> None:
    oid = world["opp"]["id"]

    def count(tag: str) -> int:
        return next((t["count"] for t in api.get("/tags").json()["data"] if t["text"] == tag), 0)

    r = api.post(f"/opportunities/{oid}/addTags", json={"tags": ["Brand new", "Other new"]})
    assert r.status_code == 200 and {"Brand new", "Other new"} <= set(r.json()["data"]["tags"])
    assert count("Brand new") == 1
    r = api.post(f"/opportunities/{oid}/removeTags", json={"tags": ["Brand new"]})
    assert "Brand new" not in r.json()["data"]["tags"]
    assert count("Brand new") == 0
    assert api.post(f"/opportunities/{oid}/addTags", json={"tags": "nope"}).status_code == 400
    assert api.get("/opportunities", params={"tag": "Other new"}).json()["data"][0]["id"] == oid


def test_stage_change_appends_history(world: dict, api: httpx.Client) -> None:
    opp = world["opp"]
    r = api.put(f"/opportunities/{opp['id']}/stage", params={"perform_as": world["active"]}, json={"stage": "offer"})
    after = r.json()["data"]
    assert after["stage"] == "offer"
    assert after["stageChanges"][-1]["toStageId"] == "offer" and after["stageChanges"][-1]["userId"] == world["active"]
    assert len(after["stageChanges"]) == len(opp["stageChanges"]) + 1
    assert after["lastAdvancedAt"] == after["updatedAt"] > opp["updatedAt"]
    assert api.put(f"/opportunities/{opp['id']}/stage", json={"stage": "nowhere"}).status_code == 400
    bad = api.put(
        f"/opportunities/{opp['id']}/stage", params={"perform_as": world["inactive"]}, json={"stage": "offer"}
    )
    assert bad.status_code == 400
    listed = api.get("/opportunities", params={"stage_id": "offer", "updated_at_start": after["updatedAt"]})
    assert [o["id"] for o in listed.json()["data"]] == [opp["id"]]


def test_archive_and_unarchive(world: dict, api: httpx.Client) -> None:
    oid = world["opp"]["id"]
    reason = api.get("/archive_reasons", params={"type": "non-hired"}).json()["data"][0]["id"]
    archived = api.put(f"/opportunities/{oid}/archived", json={"reason": reason}).json()["data"]
    assert archived["archived"]["reason"] == reason and archived["archived"]["archivedAt"] == archived["updatedAt"]
    active = api.put(f"/opportunities/{oid}/archived", json={"reason": None}).json()["data"]
    assert active["archived"] is None
    assert api.put(f"/opportunities/{oid}/archived", json={"reason": "nope"}).status_code == 400


def test_file_upload_and_download(world: dict, api: httpx.Client) -> None:
    oid = world["opp"]["id"]
    content = b"hello from the sandbox test\n" * 10
    no_user = api.post(f"/opportunities/{oid}/files", files={"file": ("cv.txt", content, "text/plain")})
    assert no_user.status_code == 400
    r = api.post(
        f"/opportunities/{oid}/files",
        params={"perform_as": world["active"]},
        files={"file": ("cv.txt", content, "text/plain")},
    )
    assert r.status_code == 201, r.text
    f = r.json()["data"]
    assert f["name"] == "cv.txt" and f["ext"] == "txt" and f["size"] == len(content) and f["status"] == "processed"
    assert api.get(f["downloadUrl"]).content == content
    gone = api.delete(f"/opportunities/{oid}/files/{f['id']}", params={"perform_as": world["active"]})
    assert gone.status_code == 204
    assert api.get(f"/opportunities/{oid}/files/{f['id']}").status_code == 404


def test_webhooks_create_list_delete(fresh: RunningSandbox, api: httpx.Client) -> None:
    r = api.post("/webhooks", json={"url": "https://example.com/hook", "event": "candidateStageChange"})
    assert r.status_code == 201
    hook = r.json()["data"]
    assert len(hook["configuration"]["signatureToken"]) == 48
    assert hook["configuration"]["conditions"]["origins"] == [
        "applied",
        "sourced",
        "referred",
        "university",
        "agency",
        "internal",
    ]
    listed = api.get("/webhooks").json()
    assert set(listed) == {"data"}
    assert listed["data"][0]["id"] == hook["id"] and "signatureToken" not in str(listed)
    assert api.post("/webhooks", json={"url": "https://x", "event": "somethingElse"}).status_code == 400
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 404
    assert fresh.stats()["writes"] == {"webhook.create": 1, "webhook.delete": 1}


def test_create_opportunity_dedupes_by_email(world: dict, api: httpx.Client) -> None:
    posting = api.get("/postings").json()["data"][0]
    existing = world["opp"]
    body = {
        "name": "New Person",
        "emails": ["new.person@example.com"],
        "postings": [posting["id"]],
        "origin": "applied",
    }
    assert api.post("/opportunities", json=body).status_code == 400  # perform_as required
    r = api.post("/opportunities", params={"perform_as": world["active"]}, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["deduped"] is False and posting["text"] in created["data"]["tags"]
    assert created["data"]["applications"] and created["data"]["stage"] == "lead-new"
    again = api.post(
        "/opportunities",
        params={"perform_as": world["active"]},
        json={"name": existing["name"], "emails": [existing["emails"][0].upper()]},
    ).json()
    assert again["deduped"] is True and again["data"]["contact"] == existing["contact"]
    assert again["data"]["id"] != existing["id"]
    two = {**body, "postings": [posting["id"], posting["id"]]}
    assert api.post("/opportunities", params={"perform_as": world["active"]}, json=two).status_code == 400
    assert api.get(f"/opportunities/{created['data']['id']}").status_code == 200
