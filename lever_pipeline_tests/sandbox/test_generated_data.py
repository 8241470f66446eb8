"""The generated account is pinned: a given seed gives the same bytes in every version.

Benchmarks and comparisons against other connectors run on seeded sandboxes, so a change
to the data must be deliberate. If you meant to change what the generator draws (or the
vocabularies), update the golden digest the failure names with the digest it prints.

Two digests: GOLDEN covers what the generator made before requisitions, referrals, profile
forms and file actions existed (and must never move when objects are added: they draw from
streams of their own); GOLDEN_EXTRAS covers those newer objects. The one deliberate change
to an older object is that a referred opportunity's application is now of type `referral`
with the referrer as its `user`; GOLDEN is taken with that change undone, which shows it is
the only one.
"""

from __future__ import annotations

import hashlib

import orjson

from lever_pipeline.sandbox.data import Doc, OppRecord
from lever_pipeline.sandbox.generate.children import generate_children
from lever_pipeline.sandbox.generate.extras import resolve_offer_ids
from lever_pipeline.sandbox.generate.world import generate

#: sha256 of the account for seed 7 with 300 opportunities, before the newer objects (see `_digests`).
GOLDEN = "a41be4d66e7c9c06093f5ca61005a6803bb23164d710cf1f09d443f5701945ae"
#: sha256 of the newer objects of the same account: requisitions (offer ids resolved),
#: requisition fields, form templates, deleted postings, profile-form counts, referral
#: applications, referrals, profile forms and file actions.
GOLDEN_EXTRAS = "ee53efb06f810067076b2cf9b9713b22ea7f14722a7a58186039c06ada13d20b"


def _as_before(rec: OppRecord, app: Doc) -> Doc:
    """The application as the generator made it before referral applications existed."""
    if app and app["type"] == "referral":
        return {**app, "type": "user", "user": rec.doc["owner"]}
    return app


def _digests(seed: int, opportunities: int) -> tuple[str, str]:
    """(older objects, newer objects), serialized as the API serializes them (key order included)."""
    world = generate(seed, opportunities)
    older, newer = hashlib.sha256(), hashlib.sha256()
    for objects in (world.stages, world.archive_reasons, world.users, world.postings, world.templates):
        older.update(orjson.dumps(objects))
    kids_of = {}
    for rec in [*world.opportunities, *world.deleted]:
        older.update(orjson.dumps([rec.doc, rec.index, rec.posting, list(rec.counts), rec.deleted_at, rec.deleted_by]))
        kids = kids_of[rec.id] = generate_children(world, rec)
        older.update(
            orjson.dumps(
                {
                    "application": _as_before(rec, kids.application),
                    "interviews": kids.interviews,
                    "panels": kids.panels,
                    "feedback": kids.feedback,
                    "notes": kids.notes,
                    "resumes": kids.resumes,
                    "files": kids.files,
                    "offers": kids.offers,
                }
            )
        )
        newer.update(
            orjson.dumps(
                {
                    "forms_count": rec.forms,
                    "application": kids.application,
                    "referrals": kids.referrals,
                    "forms": kids.forms,
                    "file_actions": kids.file_actions,
                }
            )
        )
    resolve_offer_ids(world, lambda rec: kids_of[rec.id].offers)
    for objects in (world.requisitions, world.requisition_fields, world.form_templates, world.deleted_postings):
        newer.update(orjson.dumps(objects))
    return older.hexdigest(), newer.hexdigest()


def test_generated_account_matches_the_pinned_digests() -> None:
    older, newer = _digests(7, 300)
    assert older == GOLDEN, f"the objects generated before requisitions and referrals changed: {older}"
    assert newer == GOLDEN_EXTRAS, f"requisitions, referrals, profile forms or file actions changed: {newer}"


def test_generated_account_has_referrals_requisitions_and_forms() -> None:
    world = generate(7, 300)
    kids = [generate_children(world, rec) for rec in world.opportunities]
    referral_apps = [k.application for k in kids if k.application and k.application["type"] == "referral"]
    assert referral_apps and all(a["user"] in world.users_by_id for a in referral_apps)
    assert sum(len(k.referrals) for k in kids) >= len(referral_apps)
    assert any(k.forms for k in kids) and any(k.file_actions for k in kids)
    codes = {c for p in world.postings for c in p["requisitionCodes"]}
    assert codes <= {r["requisitionCode"] for r in world.requisitions}
    assert any(r["headcountHired"] > 0 for r in world.requisitions)
    assert {r["status"] for r in world.requisitions} >= {"open", "closed"}
