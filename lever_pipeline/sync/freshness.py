"""How often each stream is synced on schedule, and the age past which it counts as stale.

One table for every reader: the `fresh` asset checks (`defs/sync/`) and the operations
report (`ops/health.py`). The age allowed is the polling schedule's interval plus room for
one slow or failed run; the schedules themselves live in `defs/sync/*_schedules.py`.
"""

from __future__ import annotations

from datetime import timedelta

_QUARTER_HOURLY = ("every 15 minutes", timedelta(minutes=45))
_HOURLY = ("hourly", timedelta(hours=2))
_DAILY = ("daily", timedelta(days=1, hours=2))

#: stream -> (its schedule in words, the age past which it is stale)
STREAM_FRESHNESS: dict[str, tuple[str, timedelta]] = {
    **dict.fromkeys(
        (
            "opportunities",
            "applications",
            "feedback",
            "interviews",
            "notes",
            "offers",
            "files",
            "resumes",
            "panels",
            "referrals",
            "profile_forms",
        ),
        _QUARTER_HOURLY,
    ),
    **dict.fromkeys(("postings", "requisitions", "requisition_fields", "feedback_templates"), _HOURLY),
    **dict.fromkeys(("stages", "users", "archive_reasons"), _DAILY),
}


def allowed_age(stream: str) -> timedelta:
    """The age past which `stream` counts as stale."""
    return STREAM_FRESHNESS[stream][1]
