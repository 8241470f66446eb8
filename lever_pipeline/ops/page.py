"""The `/ops` page for people: one server-rendered HTML document, chart drawn as inline SVG.

No script, no stylesheet or font from elsewhere: the page works behind any firewall and
renders the same in every browser. Every value shown is escaped; none is personal data
(failures carry families and masked messages only).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from lever_pipeline.ops.calls import CallRef, MinutePoint
from lever_pipeline.ops.health import OpsReport

WIDTH, HEIGHT, PAD = 960, 220, 30
COLOURS = {"healthy": "#1a7f37", "degraded": "#bf8700", "down": "#cf222e"}


def _polyline(values: list[int], top: int, colour: str, name: str) -> str:
    n = len(values)
    step = (WIDTH - 2 * PAD) / max(1, n - 1)
    scale = (HEIGHT - 2 * PAD) / max(1, top)
    points = " ".join(f"{PAD + i * step:.1f},{HEIGHT - PAD - v * scale:.1f}" for i, v in enumerate(values))
    return f'<polyline class="series-{name}" fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'


def chart(points: list[MinutePoint], now: datetime, minutes: int = 24 * 60) -> str:
    """Requests, 429s and failures per minute over the last `minutes`, as an SVG element."""
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    calls, limited, failed = [0] * minutes, [0] * minutes, [0] * minutes
    for p in points:
        i = int((p.minute - start).total_seconds() // 60)
        if 0 <= i < minutes:
            calls[i], limited[i], failed[i] = p.calls, p.rate_limited, p.failures
    top = max(calls) or 1
    axis = (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>'
        f'<text x="{PAD}" y="{PAD - 10}" font-size="12">{top} requests/min</text>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="12">{start:%H:%M} UTC</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="12" text-anchor="end">{now:%H:%M} UTC</text>'
    )
    return (
        f'<svg id="requests-chart" role="img" aria-label="Lever requests per minute, last 24 hours"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">{axis}'
        f"{_polyline(calls, top, '#0969da', 'requests')}{_polyline(failed, top, '#cf222e', 'failures')}"
        f"{_polyline(limited, top, '#bf8700', 'rate-limited')}</svg>"
    )


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at else "never"


def _failure_row(f: CallRef) -> str:
    cells = (_when(f.at), f.family, f.outcome, str(f.status or "-"), f.message or "-")
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def render_page(report: OpsReport, points: list[MinutePoint], failures: list[CallRef]) -> str:
    """The whole HTML document."""
    v, day, q = report.verdict, report.last_day, report.queues
    rate = day.success_rate
    figures = [
        ("Calls (24 h)", str(day.calls)),
        ("Success rate (24 h)", f"{rate:.1%}" if rate is not None else "-"),
        ("Failures (24 h)", str(day.failures)),
        ("429s (24 h)", str(day.by_outcome.get("429", 0))),
        ("Retries (24 h)", str(day.retries)),
        ("Average / p95 latency", f"{day.avg_latency_ms or '-'} / {day.p95_latency_ms or '-'} ms"),
        ("Last successful call", _when(report.last_success.at if report.last_success else None)),
        ("Last failed call", _when(report.last_failure.at if report.last_failure else None)),
    ]
    queue_rows = [
        ("Outbox pending", q.outbox_pending),
        ("Outbox processing", q.outbox_processing),
        ("Outbox failed", q.outbox_failed),
        ("Drafts awaiting approval", q.drafts_awaiting_approval),
        ("Webhook events waiting", q.webhook_events_waiting),
        ("Oldest waiting event", f"{q.oldest_webhook_event_age_s:.0f} s" if q.oldest_webhook_event_age_s else "-"),
    ]
    stream_rows = "".join(
        f'<tr class="stream-{escape(s.state)}"><td>{escape(s.stream)}</td><td>{_when(s.last_success_at)}</td>'
        f"<td>{'-' if s.age_s is None else f'{s.age_s / 60:.0f} min'}</td><td>{escape(s.schedule or '-')}</td>"
        f"<td>{escape(s.state)}</td></tr>"
        for s in report.streams
    )
    failure_rows = "".join(_failure_row(f) for f in failures) or '<tr><td colspan="5">No failures.</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lever integration: {escape(v.status)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }}
.card {{ border-left: 8px solid {COLOURS[v.status]}; padding: .5rem 1rem; background: #f6f8fa; }}
.status {{ font-size: 1.6rem; font-weight: 600; color: {COLOURS[v.status]}; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }}
td, th {{ border-bottom: 1px solid #d0d7de; padding: .25rem .75rem; text-align: left; }}
.stream-stale td, .stream-never td {{ color: #cf222e; }}
.legend span {{ margin-right: 1rem; }}
</style></head><body>
<h1>Lever integration</h1>
<section class="card" id="status-card"><div class="status" id="status">{escape(v.status)}</div>
<p id="reason">{escape(v.reason)}</p></section>
<h2>Last 24 hours</h2>
<table id="figures">{"".join(f"<tr><th>{escape(k)}</th><td>{escape(val)}</td></tr>" for k, val in figures)}</table>
<div class="legend"><span style="color:#0969da">&#9632; requests/min</span>
<span style="color:#cf222e">&#9632; failures/min</span><span style="color:#bf8700">&#9632; 429s/min</span></div>
{chart(points, report.generated_at)}
<h2>Last failures</h2>
<table id="failures"><tr><th>When</th><th>Endpoint</th><th>Outcome</th><th>Status</th><th>Lever's message</th></tr>
{failure_rows}</table>
<h2>Queues</h2>
<table id="queues">{"".join(f"<tr><th>{escape(k)}</th><td>{escape(str(n))}</td></tr>" for k, n in queue_rows)}</table>
<h2>Streams</h2>
<table id="streams"><tr><th>Stream</th><th>Last success</th><th>Age</th><th>Schedule</th><th>State</th></tr>
{stream_rows}</table>
<p>Generated {_when(report.generated_at)}. JSON: <code>/ops/lever</code>; Prometheus: <code>/metrics</code>.</p>
</body></html>
"""
