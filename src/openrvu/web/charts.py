"""Vega-Lite specifications of the dashboard charts (rendered in the browser by the vendored vega-embed)."""

from __future__ import annotations

from typing import Any

ACCENT = "#0d7a6f"
_CONFIG = {
    "view": {"stroke": None},
    "axis": {
        "labelFont": "system-ui",
        "titleFont": "system-ui",
        "labelColor": "#5a6573",
        "titleColor": "#5a6573",
        "gridColor": "#e2e6eb",
        "domain": False,
        "tickColor": "#e2e6eb",
    },
    "legend": {"labelFont": "system-ui", "titleFont": "system-ui"},
}


def series_spec(buckets: list[dict[str, Any]], bucket_label: str) -> dict[str, Any]:
    """Bars of wRVU per period, with the estimated payment in the tooltip."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": 240,
        "data": {"values": buckets},
        "mark": {"type": "bar", "color": ACCENT, "cornerRadiusTopLeft": 4, "cornerRadiusTopRight": 4},
        "encoding": {
            "x": {
                "field": "label",
                "type": "ordinal",
                "sort": None,
                "title": None,
                "axis": {"labelAngle": -40},
            },
            "y": {"field": "wrvu", "type": "quantitative", "title": "wRVU"},
            "tooltip": [
                {"field": "label", "title": bucket_label.capitalize()},
                {"field": "wrvu", "title": "wRVU", "format": ",.2f"},
                {"field": "allowed", "title": "Est. payment ($)", "format": ",.2f"},
                {"field": "lines", "title": "Lines"},
            ],
        },
        "config": _CONFIG,
    }


def em_spec(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars: the share of each E/M level within its family (one colour per family)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": {"step": 22},
        "data": {"values": levels},
        "mark": {"type": "bar", "cornerRadiusEnd": 3},
        "encoding": {
            "y": {"field": "hcpcs", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": "% of the family's visits",
                "scale": {"domain": [0, 100]},
            },
            "color": {
                "field": "family",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 400},
                "scale": {"range": [ACCENT, "#3b82a0", "#7a5c99", "#b7791f", "#9b2c2c"]},
            },
            "tooltip": [
                {"field": "family", "title": "Family"},
                {"field": "hcpcs", "title": "Code"},
                {"field": "count", "title": "Visits"},
                {"field": "share", "title": "Share (%)"},
            ],
        },
        "config": _CONFIG,
    }
