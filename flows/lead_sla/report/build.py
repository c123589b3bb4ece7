"""Build the nightly SLA report: one self-contained HTML file per day, from the published copy."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from lead_sla.report.data import ReportData, load_report_data
from lead_sla.report.render import render_report


def report_path(out_dir: Path, run_date: date) -> Path:
    """Where the report of ``run_date`` lives: ``<out_dir>/sla-report-<YYYY-MM-DD>.html``."""
    return out_dir / f"sla-report-{run_date.isoformat()}.html"


def build_report(published_db: Path, run_date: date, out_dir: Path, *, reporting_timezone: str | None = None) -> Path:
    """Write the SLA report of ``run_date`` from the published DuckDB copy at ``published_db`` (opened
    read-only) into ``out_dir`` and return its path.

    The file is self-contained (inline CSS and SVG, no script, no external reference) and replaces
    an earlier report of the same day atomically. Due times are shown in ``reporting_timezone``
    (pass ``Settings.reporting_timezone``), or in UTC when None. Raises ``NothingPublished`` when
    the published copy is missing or holds another day, ``ReportError`` when it lacks a mart or
    column the report needs.
    """
    return write_report(load_report_data(published_db, run_date, reporting_timezone), out_dir,
                        reporting_timezone=reporting_timezone)


def write_report(data: ReportData, out_dir: Path, *, reporting_timezone: str | None = None) -> Path:
    """Render ``data`` and write it into ``out_dir`` atomically (what ``build_report`` does once it has
    read the published copy); returns the file's path."""
    html = render_report(data, reporting_timezone)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = report_path(out_dir, data.run_date)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
