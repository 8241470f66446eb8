"""The control plane under /_sandbox (no auth: it is the operator's, not Lever's).

GET  /_sandbox/health   readiness
GET  /_sandbox/stats    counters, peak rate, webhooks and dataset sizes; "oauth": tokens held
POST /_sandbox/mutate   {"count": N, "kinds": [...]} apply N seeded mutations now
POST /_sandbox/reset    regenerate from the seed; zero stats, buckets, faults and webhooks
                        (OAuth grants survive: a reset changes the data, not the installed app)
POST /_sandbox/oauth/revoke  revoke every refresh token (access tokens live until they expire)
POST /_sandbox/oauth/expire  make every live access token expired now (tests of the 401 path)
POST /_sandbox/faults   queue faults for the next /v1 calls; DELETE clears the queue
POST /_sandbox/activity {"paused": true|false} stop or resume the background activity
"""

from __future__ import annotations

from collections import defaultdict

from lever_pipeline.sandbox.errors import bad_request
from lever_pipeline.sandbox.faults import parse_fault
from lever_pipeline.sandbox.http import Request, Response, Router, json_response
from lever_pipeline.sandbox.mutations import DEFAULT_KINDS, KINDS, apply_random
from lever_pipeline.sandbox.oauth import OAuthServer
from lever_pipeline.sandbox.state import SandboxState


def register(router: Router, state: SandboxState, oauth: OAuthServer) -> None:
    """Add the control routes over `state` and the OAuth server `oauth` to `router`."""
    c = Control(state, oauth)
    router.add("GET", "/_sandbox/health", c.health)
    router.add("GET", "/_sandbox/stats", c.stats)
    router.add("POST", "/_sandbox/mutate", c.mutate)
    router.add("POST", "/_sandbox/reset", c.reset)
    router.add("POST", "/_sandbox/faults", c.faults)
    router.add("DELETE", "/_sandbox/faults", c.clear_faults)
    router.add("POST", "/_sandbox/activity", c.activity)
    router.add("POST", "/_sandbox/oauth/revoke", c.oauth_revoke)
    router.add("POST", "/_sandbox/oauth/expire", c.oauth_expire)


class Control:
    """Control handlers over one sandbox's state."""

    def __init__(self, state: SandboxState, oauth: OAuthServer) -> None:
        self.state = state
        self.oauth = oauth

    async def health(self, req: Request) -> Response:
        return json_response({"ok": True})

    async def stats(self, req: Request) -> Response:
        snap = self.state.stats_snapshot()
        snap["oauth"] = self.oauth.summary()
        return json_response(snap)

    async def mutate(self, req: Request) -> Response:
        body = await req.json()
        if not isinstance(body, dict):
            raise bad_request("body must be a JSON object")
        count = body.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100_000:
            raise bad_request("count must be an integer from 0 to 100000")
        kinds = body.get("kinds") or list(DEFAULT_KINDS)
        if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
            raise bad_request(f"kinds must be a list drawn from {', '.join(KINDS)}")
        done = apply_random(self.state.store, self.state.mutation_rng, count, kinds)
        by_kind: dict[str, list[str]] = defaultdict(list)
        for m in done:
            by_kind[m["kind"]].append(m["opportunityId"] if "opportunityId" in m else m["postingId"])
        return json_response({"count": len(done), "mutations": done, "by_kind": by_kind})

    async def reset(self, req: Request) -> Response:
        self.state.reset()
        return json_response({"ok": True, "dataset": self.state.store.dataset()})

    async def faults(self, req: Request) -> Response:
        body = await req.json()
        specs = body.get("faults", [body]) if isinstance(body, dict) else body
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise bad_request("body must be a fault object, a list of them, or {'faults': [...]}")
        try:
            queued = [parse_fault(s) for s in specs]
        except ValueError as err:
            raise bad_request(str(err)) from None
        for q in queued:
            self.state.faults.push(q)
        return json_response({"queued": len(self.state.faults.queue)})

    async def clear_faults(self, req: Request) -> Response:
        self.state.faults.clear()
        return json_response({"queued": 0})

    async def activity(self, req: Request) -> Response:
        body = await req.json()
        paused = body.get("paused") if isinstance(body, dict) else None
        if not isinstance(paused, bool):
            raise bad_request('body must be {"paused": true} or {"paused": false}')
        self.state.activity_paused = paused
        return json_response({"paused": paused, "per_second": self.state.config.activity})

    async def oauth_revoke(self, req: Request) -> Response:
        return json_response({"revoked": self.oauth.revoke_refresh_tokens()})

    async def oauth_expire(self, req: Request) -> Response:
        return json_response({"expired": self.oauth.expire_access_tokens()})
