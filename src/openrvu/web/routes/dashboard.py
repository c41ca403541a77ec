"""The dashboard (signed in): wRVU and estimated payment per period, top codes, E/M mix, goal.

Figures come from ``openrvu.tracker.dashboard`` (sums in SQL); this module only shapes them for the
page and the Vega-Lite charts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openrvu.tracker import dashboard as dash
from openrvu.tracker.errors import InvalidInput
from openrvu.tracker.models import User, utcnow
from openrvu.web import charts
from openrvu.web.benchmarks import where_you_stand
from openrvu.web.deps import DB, PageUser, render, services

router = APIRouter(include_in_schema=False)

PERIOD_LABELS = (
    ("day", "Days"),
    ("week", "Weeks"),
    ("month", "Months"),
    ("quarter", "Quarters"),
    ("year", "Years"),
)
BUCKET_WORDS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


def dashboard_context(board: dash.Dashboard) -> dict[str, Any]:
    """What the dashboard template shows, from one ``Dashboard``."""
    buckets = [
        {
            "label": b.label,
            "wrvu": float(b.figures.wrvu),
            "allowed": float(b.figures.allowed),
            "lines": b.figures.lines,
        }
        for b in board.series
    ]
    levels = [
        {"family": fam.name, "hcpcs": lvl.hcpcs, "count": lvl.count, "share": float(lvl.share)}
        for fam in board.em_mix
        for lvl in fam.levels
    ]
    goal = None
    if board.goal is not None:
        g = board.goal
        goal = {
            "actual": g.actual_to_date,
            "target": g.target,
            "fte": g.fte,
            "expected": g.expected_to_date,
            "share": float(g.percent_of_target) / 100,
            "projection": g.projected_year_end,
            "projection_share": (g.projected_year_end / g.target) if g.target else 0,
            "on_track": g.on_track,
        }
    top = [
        {
            "hcpcs": c.hcpcs,
            "lines": c.figures.lines,
            "units": c.figures.units,
            "wrvu": c.figures.wrvu,
            "allowed": c.figures.allowed,
            "share": c.share_of_wrvu,
        }
        for c in board.top_codes
    ]
    return {
        "period": board.period,
        "periods": PERIOD_LABELS,
        "bucket_label": BUCKET_WORDS[board.period],
        "range_label": f"{board.start.isoformat()} to {board.end.isoformat()}",
        "range_start": board.start.isoformat(),
        "range_end": board.end.isoformat(),
        "totals": {
            "wrvu": board.totals.wrvu,
            "allowed": board.totals.allowed,
            "lines": board.totals.lines,
            "compensation": board.compensation,
        },
        "series_spec": charts.series_spec(buckets, BUCKET_WORDS[board.period]),
        "em_mix": levels,
        "em_spec": charts.em_spec(levels),
        "top_codes": top,
        "goal": goal,
        "notes": board.notes,
    }


def build(db: DB, user: User, period: str) -> dash.Dashboard:
    """The user's dashboard for a period size; an unknown period falls back to months."""
    try:
        return dash.dashboard(db, user, period=period)
    except InvalidInput:
        return dash.dashboard(db, user, period="month")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, db: DB, user: PageUser, period: str = "month") -> Response:
    """The signed-in user's own dashboard."""
    context = dashboard_context(build(db, user, period))
    context.update(nav="dashboard", title="Your dashboard", own=True, subject_id=None)
    context["standing"] = where_you_stand(services(request).benchmarks(), db, user, utcnow().date())
    return render(request, "dashboard.html", context)
