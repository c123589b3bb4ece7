"""A run's data-quality results as one static HTML page, read from ``dq.validation_results``.

Great Expectations' Data Docs load their styles and scripts from public CDNs, so offline they show
empty columns. This page needs nothing but itself: inline styles, no scripts, no fonts, no images,
and a content security policy that forbids fetching anything. It shows every suite of every stage
the run validated, every expectation with its severity, outcome, observed value, a few offending
rows and why it matters, the failures first, and the latest runs beside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

import duckdb

from lead_sla.quality.results import RESULTS_TABLE
from lead_sla.quality.suites import STAGES

RECENT_RUNS = 14


@dataclass(frozen=True)
class ResultRow:
    """One expectation's outcome in a run (a row of ``dq.validation_results``)."""

    stage: str
    suite: str
    table_name: str
    expectation: str
    expectation_type: str
    severity: str
    success: bool | None
    observed_value: str | None
    unexpected_count: int | None
    unexpected_examples: str | None
    why: str | None
    run_date: date
    validated_at: datetime

    @property
    def outcome(self) -> str:
        """``passed``, ``failed`` or ``skipped`` (not evaluated: its optional table was absent, or a source
        stream it needs had no data; the observed value says which)."""
        return "skipped" if self.success is None else "passed" if self.success else "failed"


@dataclass(frozen=True)
class RunSummary:
    """A run's outcome per stage, for the table of the latest runs."""

    run_id: str
    run_date: date
    stage: str
    validated_at: datetime
    expectations: int
    critical_failed: int
    warnings_failed: int


def _has_results(conn: duckdb.DuckDBPyConnection) -> bool:
    found = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'dq' AND table_name = 'validation_results'"
    ).fetchone()
    return bool(found and found[0])


def run_results(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[ResultRow]:
    """Every expectation's outcome of ``run_id``, every stage it validated (none: an empty list)."""
    if not _has_results(conn):
        return []
    rows = conn.execute(
        f"""SELECT stage, suite, table_name, expectation, expectation_type, severity, success, observed_value,
                   unexpected_count, unexpected_examples, why, run_date, validated_at
            FROM {RESULTS_TABLE} WHERE run_id = ? ORDER BY validated_at, suite, expectation""",
        [run_id],
    ).fetchall()
    return [ResultRow(*row) for row in rows]


def latest_runs(conn: duckdb.DuckDBPyConnection, limit: int = RECENT_RUNS) -> list[RunSummary]:
    """The ``limit`` latest runs' outcomes per stage, newest run first."""
    if not _has_results(conn):
        return []
    rows = conn.execute(
        f"""WITH runs AS (
                SELECT run_id, max(validated_at) AS last_at FROM {RESULTS_TABLE}
                GROUP BY run_id ORDER BY last_at DESC LIMIT ?)
            SELECT r.run_id, any_value(r.run_date), r.stage, max(r.validated_at), count(*),
                   count(*) FILTER (WHERE r.success = false AND r.severity = 'critical'),
                   count(*) FILTER (WHERE r.success = false AND r.severity = 'warning')
            FROM {RESULTS_TABLE} r JOIN runs USING (run_id)
            GROUP BY r.run_id, r.stage, runs.last_at
            ORDER BY runs.last_at DESC, max(r.validated_at)""",
        [limit],
    ).fetchall()
    return [RunSummary(*row) for row in rows]


STYLE = """
:root { color-scheme: light; --fail: #b3261e; --warn: #8a5a00; --pass: #1e6b34; --line: #d8dde3; --muted: #5b6470; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem 1rem 3rem; font: 15px/1.45 system-ui, -apple-system,
       "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d2329; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
p.meta, .muted { color: var(--muted); }
.verdict { padding: .75rem 1rem; border-radius: 6px; border: 1px solid var(--line); margin: 1rem 0; }
.verdict.failed { border-color: var(--fail); background: #fdf1f0; }
.verdict.passed { border-color: var(--pass); background: #eff8f1; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { background: #f3f5f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { overflow-wrap: anywhere; max-width: 28rem; }
code, .rows { font: .82rem/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: break-word; }
.rows { overflow-wrap: anywhere; margin-top: .25rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 4px; font-size: .8rem; font-weight: 600; }
.badge.failed.critical { background: var(--fail); color: #fff; }
.badge.failed.warning { background: #f6e3b4; color: var(--warn); }
.badge.passed { background: #dff1e4; color: var(--pass); }
.badge.skipped { background: #eceff2; color: var(--muted); }
details { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
details > summary { cursor: pointer; padding: .5rem .75rem; font-weight: 600; }
details > summary .muted { font-weight: 400; }
details > div { padding: 0 .75rem .5rem; overflow-x: auto; }
"""


def _text(value: object) -> str:
    return "" if value is None else escape(str(value))


def _examples(value: str | None) -> str:
    """The offending rows (JSON), one per line; empty when there are none."""
    if not value:
        return ""
    try:
        rows = json.loads(value)
    except ValueError:
        return f'<div class="rows">{escape(value)}</div>'
    if not rows:
        return ""
    lines = "<br>".join(escape(json.dumps(row, ensure_ascii=False, default=str)) for row in rows)
    return f'<div class="rows">{lines}</div>'


def _badge(row: ResultRow) -> str:
    return f'<span class="badge {row.outcome} {escape(row.severity)}">{row.outcome}</span>'


def _expectation_row(row: ResultRow, *, with_suite: bool) -> str:
    suite = f'<td><code>{_text(row.suite)}</code><br><span class="muted">{_text(row.stage)}</span></td>' if with_suite else ""
    count = "" if row.unexpected_count is None else f"{row.unexpected_count:,}"
    # a derived input's observed value already holds its rows
    examples = "" if "; rows [" in (row.observed_value or "") else _examples(row.unexpected_examples)
    return (
        f'<tr data-suite="{_text(row.suite)}" data-expectation="{_text(row.expectation)}" '
        f'data-severity="{_text(row.severity)}" data-outcome="{row.outcome}">{suite}'
        f'<td><code>{_text(row.expectation)}</code><br><span class="muted">{_text(row.expectation_type)}</span></td>'
        f"<td>{_text(row.severity)}</td><td>{_badge(row)}</td>"
        f'<td class="text">{_text(row.observed_value)}{examples}</td>'
        f'<td class="num">{count}</td><td class="text">{_text(row.why)}</td></tr>'
    )


def _expectation_table(rows: Sequence[ResultRow], *, with_suite: bool) -> str:
    suite = "<th>suite</th>" if with_suite else ""
    head = (f"<tr>{suite}<th>expectation</th><th>severity</th><th>result</th><th>observed</th>"
            '<th class="num">unexpected</th><th>why it matters</th></tr>')
    body = "".join(_expectation_row(r, with_suite=with_suite) for r in rows)
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def _order(row: ResultRow) -> tuple[int, int, str]:
    """Failures first (critical before warning), then skipped, then passed; by name within."""
    rank = {"failed": 0, "skipped": 1, "passed": 2}[row.outcome]
    return rank, 0 if row.severity == "critical" else 1, row.expectation


def _verdict(rows: Sequence[ResultRow], published_day: date | None) -> str:
    critical = [r for r in rows if r.outcome == "failed" and r.severity == "critical"]
    warnings = [r for r in rows if r.outcome == "failed" and r.severity == "warning"]
    stages = [s for s in STAGES if any(r.stage == s for r in rows)]
    unchecked = [s for s in STAGES if s not in stages]
    readers = f"readers keep the published day {published_day}" if published_day else "nothing is published yet"
    checked = f"Stages checked: {', '.join(stages)}."
    if unchecked:
        checked += f" Not checked (yet, or the night stopped first): {', '.join(unchecked)}."
    warned = _count(len(warnings), "warning")
    skipped = [r for r in rows if r.outcome == "skipped"]
    if skipped:
        warned += (f"; {_count(len(skipped), 'check')} skipped, not evaluated (each says why: an optional table "
                   "or source stream the night did not have)")
    if critical:
        before = "publishing" if all(r.stage == "scores" for r in critical) else "scoring and publishing"
        return (f'<div class="verdict failed" id="verdict"><strong>{_count(len(critical), "critical check")} '
                f"failed</strong>: the night stopped before {before}; {escape(readers)}. {warned}. "
                f"{escape(checked)}</div>")
    return (f'<div class="verdict passed" id="verdict"><strong>Every critical check passed</strong>; '
            f"{warned}. {escape(checked)}</div>")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _runs_table(runs: Sequence[RunSummary], current: str) -> str:
    if not runs:
        return ""
    head = ('<tr><th>run</th><th>day</th><th>stage</th><th>validated (UTC)</th><th class="num">expectations</th>'
            '<th class="num">critical failed</th><th class="num">warnings</th></tr>')
    body = "".join(
        f'<tr data-run="{_text(r.run_id)}"><td><code>{_text(r.run_id)}</code>{" (this page)" if r.run_id == current else ""}'
        f"</td><td>{r.run_date}</td><td>{_text(r.stage)}</td><td>{r.validated_at:%Y-%m-%d %H:%M}</td>"
        f'<td class="num">{r.expectations:,}</td><td class="num">{r.critical_failed:,}</td>'
        f'<td class="num">{r.warnings_failed:,}</td></tr>'
        for r in runs
    )
    return f"<h2>The latest runs</h2><table><thead>{head}</thead><tbody>{body}</tbody></table>"


def render_results_page(run_id: str, rows: Sequence[ResultRow], runs: Sequence[RunSummary], *,
                        published_day: date | None, generated_at: datetime) -> str:
    """The page for ``run_id``: its verdict, its failures, every suite of every stage, the latest runs."""
    day = rows[0].run_date if rows else None
    title = f"Data-quality checks — run {run_id}" + (f" ({day})" if day else "")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Every expectation of the run from <code>{RESULTS_TABLE}</code>, written '
        f"{generated_at:%Y-%m-%d %H:%M} UTC. Published day: {published_day or 'none yet'}. "
        "Suites: <code>expectations/</code> in the repository.</p>",
    ]
    if not rows:
        parts.append('<div class="verdict" id="verdict">No data-quality results for this run yet.</div>')
    else:
        parts.append(_verdict(rows, published_day))
        failed = sorted((r for r in rows if r.outcome == "failed"), key=_order)
        if failed:
            parts.append(f'<h2 id="failed">Failed ({len(failed)})</h2>')
            parts.append(_expectation_table(failed, with_suite=True))
        for stage in STAGES:
            in_stage = [r for r in rows if r.stage == stage]
            if not in_stage:
                continue
            suites = sorted({r.suite for r in in_stage})
            parts.append(f'<h2 id="stage-{escape(stage)}">Stage {escape(stage)}: {_count(len(suites), "suite")}, '
                         f"{_count(len(in_stage), 'expectation')}</h2>")
            for suite in suites:
                of_suite = sorted((r for r in in_stage if r.suite == suite), key=_order)
                failures = sum(r.outcome == "failed" for r in of_suite)
                passed = sum(r.outcome == "passed" for r in of_suite)
                skipped = sum(r.outcome == "skipped" for r in of_suite)
                state = f"{failures} failed, " if failures else ""
                skipped_text = f", {skipped} skipped" if skipped else ""
                table = "" if of_suite[0].table_name == suite else f"{of_suite[0].table_name}: "
                parts.append(
                    f'<details class="suite" data-suite="{escape(suite)}"{" open" if failures else ""}>'
                    f"<summary><code>{escape(suite)}</code> <span class=\"muted\">{escape(table)}"
                    f"{state}{passed} of {len(of_suite)} passed{skipped_text}</span></summary>"
                    f"<div>{_expectation_table(of_suite, with_suite=False)}</div></details>"
                )
    parts.append(_runs_table(runs, run_id))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
