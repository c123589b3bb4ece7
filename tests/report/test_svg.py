"""The report's own SVG charts and number formats, called directly."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import pytest

from lead_sla.report import formatting as fmt
from lead_sla.report import svg


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        pytest.param(0, 225, [0, 50, 100, 150, 200, 250], id="covers-the-maximum"),
        pytest.param(0, 200, [0, 50, 100, 150, 200], id="stops-at-an-exact-maximum"),
        pytest.param(0, 13, [0, 5, 10, 15], id="small-counts"),
        pytest.param(0, 0.063, [0, 0.02, 0.04, 0.06, 0.08], id="ratios"),
        pytest.param(0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0], id="empty-range"),
    ],
)
def test_nice_ticks(low: float, high: float, expected: list[float]) -> None:
    assert svg.nice_ticks(low, high) == pytest.approx(expected)


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == "svg" and root.get("role") == "img"
    assert root.find("title") is not None and root.find("title").text
    assert root.find("desc") is not None and root.find("desc").text
    assert "http" not in markup and "<script" not in markup
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("text")]


CHARTS = [
    pytest.param(
        lambda: svg.line_chart(
            "c", title="t", description="d", x_domain=(date(2026, 10, 1), date(2026, 10, 31)),
            series=[svg.LineSeries("Delivered", [(date(2026, 10, 1), 3), (date(2026, 10, 2), 8)], "#000", end_label="8 delivered")],
            references=[svg.Reference(40, "Target 40")], y_label="MQLs"),
        ["8 delivered", "Target 40", "MQLs", "Oct 1", "40"], id="line"),
    pytest.param(
        lambda: svg.grouped_bar_chart("c", title="t", description="d", categories=["Email", "Direct"],
                                      series=[svg.BarSeries("Leads", [12, 7], "#000"), svg.BarSeries("Won", [1, None], "#111")],
                                      x_label="Count"),
        ["Email", "Direct", "12", "7", "1", "Leads", "Count"], id="grouped-bars"),
    pytest.param(
        lambda: svg.bullet_chart("c", title="t", description="d", x_label="MQLs",
                                 rows=[svg.BulletRow("SMB", 34, 110, 80.5, 50, note="34 / 110")],
                                 colors={"delivered": "#000", "projected": "#111", "target": "#222", "pace": "#333"}),
        ["SMB", "34 / 110", "MQLs", "Target"], id="bullet"),
    pytest.param(
        lambda: svg.histogram("c", title="t", description="d", x_label="Minutes", y_label="Handoffs", color="#000",
                              bins=[svg.Bin("0–60 min", 0, 60, 5), svg.Bin("1 h+", 60, None, 2)],
                              markers=[svg.EdgeMarker(60, "Demo ≤ 1 h")]),
        ["5", "2", "0–60 min", "1 h+", "Demo ≤ 1 h", "Handoffs"], id="histogram"),
    pytest.param(
        lambda: svg.heatmap("c", title="t", description="d", rows=["USR-001"], columns=["Oct 4", "Oct 11"],
                            values=[[0, 3]], x_label="Week starting", color=(200, 50, 10)),
        ["USR-001", "Oct 4", "0", "3", "Week starting"], id="heatmap"),
    pytest.param(
        lambda: svg.interval_plot("c", title="t", description="d", x_label="Win rate", x_format=fmt.axis_percent,
                                  groups=[svg.IntervalGroup("Industry", [svg.IntervalRow("software", 0.12, 0.07, 0.22, "9/72", True)])],
                                  reference=svg.Reference(0.063, "overall 6.3%"), color="#000", emphasis_color="#111"),
        ["Industry", "software", "9/72", "overall 6.3%", "Win rate"], id="intervals"),
]


@pytest.mark.parametrize(("make", "expected_texts"), CHARTS)
def test_charts_are_accessible_svg_with_their_numbers_as_text(make, expected_texts: list[str]) -> None:
    root = _parse(make())
    texts = _texts(root)
    for text in expected_texts:
        assert text in texts, f"{text!r} not among {texts}"


def test_text_is_escaped() -> None:
    root = _parse(svg.heatmap("c", title="<t> & co", description="d", rows=["<script>"], columns=["a&b"],
                              values=[[1]], x_label="x", color=(0, 0, 0)))
    assert "<script>" in _texts(root) and "a&b" in _texts(root)


def test_a_whisker_beyond_the_axis_ends_in_an_arrow() -> None:
    rows = [svg.IntervalRow("rare", 0.33, 0.06, 0.79), svg.IntervalRow("common", 0.1, 0.05, 0.18)]
    markup = svg.interval_plot("c", title="t", description="d", groups=[svg.IntervalGroup("g", rows)], reference=None,
                               x_label="x", x_format=fmt.axis_percent, color="#000", emphasis_color="#111", x_max=0.35)
    root = _parse(markup)
    assert "40%" in _texts(root) and "80%" not in _texts(root)
    assert len([p for p in root.iter("path") if p.get("d", "").endswith("Z")]) == 1


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        pytest.param(fmt.integer, 28300, "28,300", id="integer"),
        pytest.param(fmt.integer, None, "—", id="integer-unknown"),
        pytest.param(fmt.percent, 0.3091, "31%", id="percent"),
        pytest.param(fmt.percent, 0.025, "2.5%", id="small-percent-keeps-a-decimal"),
        pytest.param(fmt.percent, -0.0, "0%", id="negative-zero"),
        pytest.param(fmt.percent, float("nan"), "—", id="nan"),
        pytest.param(fmt.minutes, 45.2, "45 min", id="minutes"),
        pytest.param(fmt.minutes, 480, "8 h", id="whole-hours"),
        pytest.param(fmt.minutes, 134, "2 h 14 min", id="hours-and-minutes"),
        pytest.param(fmt.minutes_compact, 134, "2.2 h", id="compact"),
        pytest.param(fmt.raw, Decimal("0.2500"), "0.25", id="raw-decimal"),
        pytest.param(fmt.raw, 12.0, "12", id="raw-whole-float"),
        pytest.param(fmt.raw, None, "", id="raw-unknown"),
    ],
)
def test_formats(function, value: object, expected: str) -> None:
    assert function(value) == expected


def test_local_time_converts_from_utc() -> None:
    from zoneinfo import ZoneInfo

    instant = datetime(2026, 11, 2, 15, 0)  # naive UTC, as the marts store it
    assert fmt.local_time(instant, ZoneInfo("America/New_York"), date(2026, 10, 31)) == "Mon Nov 2, 10:00"
    assert fmt.local_time(instant, None, date(2025, 1, 1)) == "Mon Nov 2 2026, 15:00"
