"""Reading a report's ``data-metric`` values without a browser (the browser tests read them live)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class _MetricParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metrics: dict[str, str] = {}
        self.duplicates: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("data-metric")
        if name is not None:
            if name in self.metrics:
                self.duplicates.append(name)
            self.metrics[name] = values.get("data-value") or ""


def read_metrics(html: str | Path) -> dict[str, str]:
    """Every ``data-metric`` name with its ``data-value``; a name used twice must carry one value."""
    text = html.read_text(encoding="utf-8") if isinstance(html, Path) else html
    parser = _MetricParser()
    parser.feed(text)
    return parser.metrics


def duplicate_metrics(html: str) -> list[str]:
    parser = _MetricParser()
    parser.feed(html)
    return parser.duplicates


def value(metrics: dict[str, str], name: str) -> float | None:
    """A metric as a float (None when the report shows it as unknown); a KeyError names a missing metric."""
    raw = metrics[name]
    return None if raw == "" else float(raw)
