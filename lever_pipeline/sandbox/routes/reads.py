"""Lever's /v1 read endpoints: the routing table, over one handler class per API area
(routes/account.py, routes/opportunities.py, routes/subresources.py); requisitions have their
own module with their writes (routes/requisitions.py).

Unconfirmed behaviour chosen for every read (see REFERENCE.md): unknown query parameters
are ignored, as most HTTP APIs do. Choices specific to an area are in its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lever_pipeline.sandbox.http import Router
from lever_pipeline.sandbox.routes.account import AccountReads
from lever_pipeline.sandbox.routes.opportunities import OpportunityReads
from lever_pipeline.sandbox.routes.subresources import CANDIDATE_KINDS, KINDS, LIST_ONLY, SubresourceReads

if TYPE_CHECKING:
    from lever_pipeline.sandbox.store import Store


def register(router: Router, store: Store) -> None:
    """Add every read route to `router`."""
    a = AccountReads(store)
    o = OpportunityReads(store)
    s = SubresourceReads(store)
    get = router.add
    get("GET", "/v1/stages", a.stages)
    get("GET", "/v1/stages/{id}", a.stage)
    get("GET", "/v1/archive_reasons", a.archive_reasons)
    get("GET", "/v1/archive_reasons/{id}", a.archive_reason)
    get("GET", "/v1/sources", a.sources)
    get("GET", "/v1/tags", a.tags)
    get("GET", "/v1/users", a.users)
    get("GET", "/v1/users/{id}", a.user)
    get("GET", "/v1/postings", a.postings)
    get("GET", "/v1/postings/deleted", a.deleted_postings)
    get("GET", "/v1/postings/{id}", a.posting)
    get("GET", "/v1/form_templates", a.form_templates)
    get("GET", "/v1/form_templates/{id}", a.form_template)
    get("GET", "/v1/feedback_templates", a.templates)
    get("GET", "/v1/feedback_templates/{id}", a.template)
    get("GET", "/v1/opportunities", o.opportunities)
    get("GET", "/v1/opportunities/deleted", o.deleted)
    get("GET", "/v1/opportunities/{id}", o.opportunity)
    get("GET", "/v1/candidates", o.candidates)
    get("GET", "/v1/candidates/{id}", o.candidate)
    for root, kinds in (("opportunities", KINDS), ("candidates", CANDIDATE_KINDS)):
        for kind in kinds:
            get("GET", f"/v1/{root}/{{id}}/{kind}", s.sub_list(kind))
            if kind not in LIST_ONLY:
                get("GET", f"/v1/{root}/{{id}}/{kind}/{{sid}}", s.sub_one(kind))
        get("GET", f"/v1/{root}/{{id}}/resumes/{{sid}}/download", s.download_resume)
        get("GET", f"/v1/{root}/{{id}}/files/{{sid}}/download", s.download_file)
        get("GET", f"/v1/{root}/{{id}}/offers/{{sid}}/download", s.download_offer)
    get("GET", "/v1/webhooks", a.webhooks)
