"""Bad input at the service's edge, over real HTTP on real PostgreSQL: every case once answered 500
(a NUL PostgreSQL cannot store, an id past bigint, an unbounded value, a candidate the warehouse
lacks) and now answers 400/404/422 with one JSON body naming the field. The safety net turns
anything unexpected into a JSON 500 with a request id, logged once without its message."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from lever_pipeline.service.app import create_app
from lever_pipeline.service.inputs import (
    BIGINT_MAX,
    CURSOR_MAX,
    FIELD_VALUE_MAX_BYTES,
    FIELD_VALUE_MAX_DEPTH,
    FIELD_VALUES_MAX,
    FILENAME_MAX,
    ID_MAX,
    IDEMPOTENCY_KEY_MAX,
    NOTE_MAX,
    TAG_MAX,
    TAGS_MAX,
)
from lever_pipeline.service.server import run_service_in_thread
from lever_pipeline.sync import rows
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows
from lever_pipeline.writeback import outbox
from lever_pipeline.writeback.drafts import create_draft
from lever_pipeline_tests.service.conftest import SERVICE_TOKEN, service_settings

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
KNOWN = "opp-known"
TOO_BIG = "99999999999999999999"


@pytest.fixture
def known(clean_engine: Engine) -> int:
    """A candidate the warehouse has, with one draft; returns the draft's id."""
    with clean_engine.begin() as conn:
        upsert_rows(conn, lever_opportunities, [rows.opportunity_row({"id": KNOWN, "stage": "applicant-new"})])
    return create_draft(clean_engine, opportunity_id=KNOWN, template_id="no-feedback", field_values=[]).id


def refused(r: httpx.Response, field: str, status: int = 400) -> dict[str, Any]:
    """The answer is `status` with the one error body, naming `field` in `field` and in `detail`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["field"] == field, body
    assert body["detail"].startswith(field) or status != 400, body
    return body


def raw_json(http: httpx.Client, path: str, text: str, **headers: str) -> httpx.Response:
    """POST a JSON body exactly as written (for escapes a JSON encoder would never produce)."""
    return http.post(path, content=text.encode(), headers={**AUTH, "Content-Type": "application/json", **headers})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "\x00"}, "query.stage"),
        ({"posting": "\x00"}, "query.posting"),
        ({"owner": "a\x00b"}, "query.owner"),
        ({"tag": ["python", "\x00"]}, "query.tag.1"),
        ({"cursor": "\x00"}, "query.cursor"),
        ({"updated_since": "2026-01-01T00:00:00\x00Z"}, "query.updated_since"),
        ({"updated_since": "0.5"}, "query.updated_since"),  # pydantic would read it as 1970 plus half a second
        ({"stage": "s" * (ID_MAX + 1)}, "query.stage"),
        ({"tag": ["t" * (TAG_MAX + 1)]}, "query.tag.0"),
        ({"tag": [f"t{i}" for i in range(TAGS_MAX + 1)]}, "query.tag"),
        ({"cursor": "c" * (CURSOR_MAX + 1)}, "query.cursor"),
        ({"stage": "../offer"}, "query.stage"),
    ],
)
def test_candidates_query_refuses_unstorable_and_oversized(
    http: httpx.Client, params: dict[str, Any], field: str
) -> None:
    refused(http.get("/candidates", params=params, headers=AUTH), field)


def test_a_forged_cursor_carrying_a_nul_is_refused(http: httpx.Client) -> None:
    forged = base64.urlsafe_b64encode(orjson.dumps(["2026-01-01T00:00:00+00:00", "\x00"])).decode().rstrip("=")
    body = refused(http.get("/candidates", params={"cursor": forged}, headers=AUTH), "query.cursor")
    assert "cursor is not valid" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/candidates/%00", "path.candidate_id"),
        ("GET", f"/candidates/{'c' * (ID_MAX + 1)}", "path.candidate_id"),
        ("GET", "/feedback-templates/%00", "path.template_id"),
        ("GET", "/feedback-templates/x%3Flimit%3D1", "path.template_id"),  # would change Lever's URL
        ("POST", "/candidates/%00/notes", "path.candidate_id"),
        ("GET", "/feedback-drafts/%00", "path.draft_id"),
        ("GET", f"/feedback-drafts/{TOO_BIG}", "path.draft_id"),
        ("GET", f"/feedback-drafts/{BIGINT_MAX + 1}", "path.draft_id"),
        ("GET", "/feedback-drafts/0", "path.draft_id"),
        ("PATCH", f"/feedback-drafts/{TOO_BIG}", "path.draft_id"),
        ("POST", f"/feedback-drafts/{TOO_BIG}/approve", "path.draft_id"),
        ("POST", f"/candidates/{KNOWN}/feedback/{TOO_BIG}/submit", "path.draft_id"),
    ],
)
def test_path_parameters_refuse_unstorable_oversized_and_out_of_range(
    http: httpx.Client, method: str, path: str, field: str
) -> None:
    body = {"value": "ok"} if path.endswith("/notes") else {}
    refused(http.request(method, path, json=body, headers=AUTH), field)


def test_the_largest_bigint_is_a_valid_id_that_is_simply_not_found(http: httpx.Client) -> None:
    refused(http.get(f"/feedback-drafts/{BIGINT_MAX}", headers=AUTH), "path.draft_id", 404)
    refused(http.post(f"/feedback-drafts/{BIGINT_MAX}/approve", headers=AUTH), "path.draft_id", 404)


DRAFT = f"/candidates/{KNOWN}/feedback-drafts"
VALUE = '{"template_id": "t", "field_values": [{"id": "f", "value": %s}]}'


@pytest.mark.parametrize(
    ("path", "text", "field"),
    [
        (f"/candidates/{KNOWN}/notes", '{"value": "a\\u0000b"}', "body.value"),
        (f"/candidates/{KNOWN}/notes", '{"value": "a\\ud800b"}', "body.value"),  # a lone surrogate
        (f"/candidates/{KNOWN}/notes", '{"value": "ok", "author_email": "\\u0000"}', "body.author_email"),
        (f"/candidates/{KNOWN}/tags", '{"add": ["ok", "\\u0000"]}', "body.add.1"),
        (f"/candidates/{KNOWN}/stage", '{"stage": "\\u0000"}', "body.stage"),
        (f"/candidates/{KNOWN}/archive", '{"reason": "\\u0000"}', "body.reason"),
        ("/feedback-drafts/1/approve", '{"approved_by": "\\u0000"}', "body.approved_by"),
        (DRAFT, VALUE % '{"a": ["x\\u0000"]}', "body.field_values.0.value"),
        (DRAFT, VALUE % '{"\\u0000": 1}', "body.field_values.0.value"),
        (DRAFT, VALUE % "NaN", "body.field_values.0.value"),
        (DRAFT, VALUE % "[Infinity]", "body.field_values.0.value"),
        (DRAFT, '{"template_id": "t", "field_values": [{"id": "f\\u0000"}]}', "body.field_values.0.id"),
        (DRAFT, '{"template_id": "t\\u0000"}', "body.template_id"),
        (DRAFT, '{"template_id": "t", "interviewer_email": "\\u0000"}', "body.interviewer_email"),
    ],
)
def test_json_strings_at_any_depth_refuse_what_postgresql_cannot_store(
    http: httpx.Client, known: int, path: str, text: str, field: str
) -> None:
    body = refused(raw_json(http, path, text), field)
    assert body["errors"][0]["loc"][0] == "body"
    assert "\x00" not in orjson.dumps(body).decode()  # the rejected input is never echoed


def test_patch_refuses_unstorable_values_and_a_null_list(http: httpx.Client, known: int) -> None:
    path = f"/feedback-drafts/{known}"
    patch = http.patch
    refused(patch(path, json={"field_values": None}, headers=AUTH), "body.field_values")
    refused(
        patch(path, json={"field_values": [{"id": "f", "value": "a\x00"}]}, headers=AUTH), "body.field_values.0.value"
    )
    assert patch(path, json={"field_values": [{"id": "f", "value": "fine"}]}, headers=AUTH).status_code == 200


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"/candidates/{KNOWN}/notes", {"value": "n" * (NOTE_MAX + 1)}, "body.value"),
        (f"/candidates/{KNOWN}/notes", {"value": ""}, "body.value"),
        (f"/candidates/{KNOWN}/notes", {"value": "ok", "score": 5}, "body.score"),
        (f"/candidates/{KNOWN}/notes", {"value": "ok", "author_email": "e" * 321}, "body.author_email"),
        (f"/candidates/{KNOWN}/tags", {"add": ["t" * (TAG_MAX + 1)]}, "body.add.0"),
        (f"/candidates/{KNOWN}/tags", {"remove": [f"t{i}" for i in range(TAGS_MAX + 1)]}, "body.remove"),
        (f"/candidates/{KNOWN}/stage", {"stage": "s" * (ID_MAX + 1)}, "body.stage"),
        (DRAFT, {"template_id": "t", "field_values": [{"id": "f"}] * (FIELD_VALUES_MAX + 1)}, "body.field_values"),
        (
            DRAFT,
            {"template_id": "t", "field_values": [{"id": "f", "value": "v" * FIELD_VALUE_MAX_BYTES}]},
            "body.field_values.0.value",
        ),
        (
            DRAFT,
            {"template_id": "t", "field_values": [{"id": "f", "value": _nested(FIELD_VALUE_MAX_DEPTH + 1)}]},
            "body.field_values.0.value",
        ),
    ],
)
def test_oversized_values_are_refused_naming_the_field(
    http: httpx.Client, known: int, path: str, body: dict[str, Any], field: str
) -> None:
    refused(http.post(path, json=body, headers=AUTH), field)


def test_values_at_the_limits_are_taken(http: httpx.Client, known: int) -> None:
    note = http.post(f"/candidates/{KNOWN}/notes", json={"value": "n" * NOTE_MAX}, headers=AUTH)
    tags = http.post(f"/candidates/{KNOWN}/tags", json={"add": ["t" * TAG_MAX] * TAGS_MAX}, headers=AUTH)
    keyed = http.post(
        f"/candidates/{KNOWN}/stage",
        json={"stage": "offer"},
        headers={**AUTH, "Idempotency-Key": "k" * IDEMPOTENCY_KEY_MAX},
    )
    assert note.status_code == tags.status_code == keyed.status_code == 202, (note.text, tags.text, keyed.text)


def test_headers_and_files_are_bounded(http: httpx.Client, known: int, clean_engine: Engine) -> None:
    key = {**AUTH, "Idempotency-Key": "k" * (IDEMPOTENCY_KEY_MAX + 1)}
    refused(http.post(f"/candidates/{KNOWN}/notes", json={"value": "ok"}, headers=key), "header.Idempotency-Key")
    long_name = ("n" * (FILENAME_MAX + 1), b"x", "text/plain")
    r = http.post(f"/candidates/{KNOWN}/files", files={"file": long_name}, headers=AUTH)
    refused(r, "body.file.filename")
    nul_email = http.post(
        f"/candidates/{KNOWN}/files",
        files={"file": ("cv.txt", b"x", "text/plain")},
        data={"author_email": "a\x00"},
        headers=AUTH,
    )
    refused(nul_email, "body.author_email")
    assert outbox.list_items(clean_engine) == []


def test_writes_for_a_candidate_the_warehouse_lacks_answer_404_naming_it(
    http: httpx.Client, clean_engine: Engine
) -> None:
    for path, body in (("notes", {"value": "ok"}), ("stage", {"stage": "offer"}), ("archive", {})):
        r = http.post(f"/candidates/opp-nowhere/{path}", json=body, headers=AUTH)
        assert "opp-nowhere" in refused(r, "path.candidate_id", 404)["detail"]
    assert outbox.list_items(clean_engine) == []


def test_unknown_routes_and_methods_answer_the_same_error_body(http: httpx.Client) -> None:
    assert http.get("/no-such-route", headers=AUTH).json() == {"detail": "Not Found"}
    r = http.delete("/candidates", headers=AUTH)
    assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed"}


def test_webhook_route_keeps_answering_400_for_unstorable_input(http: httpx.Client) -> None:
    r = http.post("/webhooks/lever/%00", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "unknown event type" in r.json()["detail"]


@pytest.fixture
def exploding_service(engine: Engine) -> Iterator[str]:
    """The real app plus one route that fails unexpectedly, with personal data in the exception."""
    app = create_app(service_settings(), engine)

    candidate = "jane.doe@example.com"

    def explode() -> None:
        raise RuntimeError(f"{candidate} broke it")

    app.add_api_route("/explode", explode)
    with run_service_in_thread(app) as running:
        yield running.url


def test_an_unexpected_error_answers_json_500_with_a_request_id_and_closes_cleanly(
    exploding_service: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn.error")  # it does not propagate to the root logger
    uvicorn_log.addHandler(caplog.handler)
    with httpx.Client(base_url=exploding_service) as client:
        r = client.get("/explode")
        assert r.status_code == 500
        assert r.headers["connection"] == "close"  # the server closes it after a complete answer
        body = r.json()
        assert body["request_id"] == r.headers["x-request-id"] and body["request_id"] in body["detail"]
        assert client.get("/health").status_code == 200  # the client carries on, on a new connection
    uvicorn_log.removeHandler(caplog.handler)
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert [rec.name for rec in errors] == ["lever_pipeline.service.errors"]  # once, and not by uvicorn
    logged = errors[0].getMessage()
    assert body["request_id"] in logged and "RuntimeError" in logged and "GET /explode" in logged
    assert "test_bad_input.py" in logged  # the stack, to find the fault
    assert "jane.doe" not in caplog.text  # never the message: it may hold personal data


def test_docs_list_the_answers_the_app_gives(http: httpx.Client) -> None:
    """No FastAPI 422 where the app answers 400; every route taking input documents 400 with the one error body."""
    spec = http.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            answers = op["responses"]
            assert answers["default"]["content"]["application/json"]["schema"] == error, (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert answers["400"]["content"]["application/json"]["schema"] == error, (method, path)
            for code in ("422", "404"):
                if code in answers:
                    assert "ErrorBody" in str(answers[code]["content"]), (method, path, code)
    draft_id = spec["paths"]["/feedback-drafts/{draft_id}"]["get"]["parameters"][0]["schema"]
    assert (draft_id["minimum"], draft_id["maximum"]) == (1, BIGINT_MAX)
    note = spec["components"]["schemas"]["NoteIn"]["properties"]["value"]
    assert note["maxLength"] == NOTE_MAX and note["pattern"] == r"^[^\x00]*$"
