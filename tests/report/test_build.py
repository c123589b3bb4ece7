"""Building the report from the published copy, without a browser: where it goes, that it is
self-contained and deterministic, that it fails clearly when the day is not published or a mart is
missing, the ``lead-sla report build`` command, and the rep lists from scoring when published."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lead_sla.report import NothingPublished, ReportError, build_report, read_publication, report_path
from lead_sla.report.cli import app
from tests.support.published import PublishedDemo
from tests.report.metrics import duplicate_metrics, read_metrics, value

pytestmark = pytest.mark.slow


def test_the_report_is_written_for_the_published_day(published: PublishedDemo, report: Path) -> None:
    assert report == report_path(report.parent, published.run_date)
    assert report.name == f"sla-report-{published.run_date.isoformat()}.html"
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    metrics = read_metrics(html)
    assert metrics["publication.run_date"] == published.run_date.isoformat()
    (run_id,) = published.query("select run_id from meta.publication")[0]
    assert metrics["publication.run_id"] == run_id
    assert not duplicate_metrics(html), "a data-metric name must name one number"


def test_the_report_is_self_contained(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"https?://", html), "no URL of another host, not even as text"
    assert not re.search(r"<(?:script|link|iframe|object|embed|img)\b", html, re.I)
    assert not re.search(r"@import|url\(", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("<svg") >= 6, "the charts are inline SVG"


def test_rebuilding_a_day_gives_the_same_file(published: PublishedDemo, report: Path, tmp_path: Path) -> None:
    again = build_report(published.database, published.run_date, tmp_path,
                         reporting_timezone=published.settings.reporting_timezone)
    assert again.read_bytes() == report.read_bytes()
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file is renamed into place"


@pytest.mark.parametrize(
    "make_case",
    [
        pytest.param(lambda demo, tmp: (tmp / "published" / "lead_sla.duckdb", demo.run_date, "nothing is published"),
                     id="no-published-copy"),
        pytest.param(lambda demo, tmp: (demo.database, demo.run_date - timedelta(days=1),
                                        f"holds {demo.run_date.isoformat()}"),
                     id="another-day-is-published"),
    ],
)
def test_a_day_that_is_not_published_fails_clearly(published: PublishedDemo, tmp_path: Path, make_case) -> None:
    database, day, message = make_case(published, tmp_path)
    with pytest.raises(NothingPublished, match=re.escape(message)):
        build_report(database, day, tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_a_missing_mart_is_named(published: PublishedDemo, tmp_path: Path) -> None:
    copy = tmp_path / "lead_sla.duckdb"
    shutil.copy(published.database, copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute("DROP TABLE marts.fct_lead_funnel_daily")
        conn.execute("ALTER TABLE marts.fct_icp_evidence DROP COLUMN win_rate")
    with pytest.raises(ReportError, match=r"marts\.fct_lead_funnel_daily is not in the published copy.*"
                                          r"marts\.fct_icp_evidence lacks win_rate"):
        build_report(copy, published.run_date, tmp_path / "reports")


def test_a_priority_list_without_its_keys_is_named(published: PublishedDemo, tmp_path: Path) -> None:
    copy = tmp_path / "lead_sla.duckdb"
    shutil.copy(published.database, copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute("DROP SCHEMA IF EXISTS scoring CASCADE")  # the published demo has the real lists
        conn.execute("CREATE SCHEMA scoring")
        conn.execute("CREATE TABLE scoring.lead_priority_list (score_date DATE, owner_id VARCHAR, lead_id VARCHAR)")
    with pytest.raises(ReportError, match=r"scoring\.lead_priority_list lacks priority_rank"):
        build_report(copy, published.run_date, tmp_path / "reports")


def test_a_day_with_empty_marts_builds_a_report_that_says_so(published: PublishedDemo, tmp_path: Path) -> None:
    copy = tmp_path / "lead_sla.duckdb"
    shutil.copy(published.database, copy)
    with duckdb.connect(str(copy)) as conn:
        for schema, table in conn.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in ('marts', 'scoring')"
        ).fetchall():
            conn.execute(f"DELETE FROM {schema}.{table}")
    html = build_report(copy, published.run_date, tmp_path / "reports").read_text(encoding="utf-8")
    metrics = read_metrics(html)
    assert value(metrics, "kpi.mqls_delivered") == 0 and value(metrics, "kpi.mql_target") is None
    assert value(metrics, "kpi.open_breaches") == 0 and value(metrics, "lists.total") == 0
    for message in ("No commitment and no MQL are recorded", "No handoff received in the period", "No funnel activity",
                    "No ICP evidence yet", "every handoff has been touched"):
        assert message in html


def _env(published: PublishedDemo, published_dir: Path) -> dict[str, str]:
    return {
        "LEAD_SLA_PROJECT_ROOT": str(published.settings.project_root),
        "LEAD_SLA_WAREHOUSE_PATH": str(published.settings.warehouse),
        "LEAD_SLA_PUBLISHED_DIR": str(published_dir),
    }


def test_the_command_builds_the_published_day_and_prints_the_path(published: PublishedDemo, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", "--out-dir", str(tmp_path)], env=_env(published, published.settings.published_dir))
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == report_path(tmp_path, published.run_date) and path.exists()


def test_the_command_writes_next_to_the_warehouse_by_default(published: PublishedDemo, tmp_path: Path) -> None:
    env = _env(published, published.settings.published_dir) | {"LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "wh" / "lead_sla.duckdb")}
    result = CliRunner().invoke(app, ["build", "--date", published.run_date.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()) == tmp_path / "wh" / "reports" / f"sla-report-{published.run_date.isoformat()}.html"


@pytest.mark.parametrize(
    ("args", "published_here", "exit_code", "message"),
    [
        pytest.param(["build"], False, 1, "nothing is published", id="nothing-published"),
        pytest.param(["build", "--date", "2026-10-30"], False, 1, "nothing is published", id="nothing-published-date"),
        pytest.param(["build", "--date", "2026-10-30"], True, 2,
                     "--date 2026-10-30 is not published: the published copy holds 2026-10-31", id="another-day"),
        pytest.param(["build", "--date", "31/10/2026"], True, 2, "YYYY-MM-DD", id="bad-date"),
    ],
)
def test_the_command_fails_clearly(published: PublishedDemo, tmp_path: Path, args: list[str], published_here: bool,
                                   exit_code: int, message: str) -> None:
    folder = published.settings.published_dir if published_here else tmp_path / "empty"
    result = CliRunner().invoke(app, [*args, "--out-dir", str(tmp_path / "out")], env=_env(published, folder))
    assert result.exit_code == exit_code
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("LEAD_SLA_REPORTING_TIMEZONE", "Mars/Olympus",
                     "LEAD_SLA_REPORTING_TIMEZONE: 'Mars/Olympus' is not an IANA time zone such as 'America/New_York' "
                     "or 'Europe/Berlin'", id="zone"),
        pytest.param("LEAD_SLA_SMTP_SECURITY", "tls",
                     "LEAD_SLA_SMTP_SECURITY: Input should be 'starttls', 'ssl' or 'none' (got 'tls')", id="choice"),
    ],
)
def test_an_invalid_setting_is_one_line_naming_it(tmp_path: Path, variable: str, value: str, message: str) -> None:
    """Before the published copy is opened: exit 2 and one line, not pydantic's text."""
    result = CliRunner().invoke(app, ["build", "--out-dir", str(tmp_path / "out")],
                                env={"LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "published"), variable: value})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: invalid settings (LEAD_SLA_* variables or .env): {message}"], lines
    assert "validation error" not in result.stderr and "pydantic" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_read_publication_is_none_without_a_copy(tmp_path: Path) -> None:
    assert read_publication(tmp_path / "lead_sla.duckdb") is None


def test_rep_lists_come_from_scoring_when_it_is_published(published: PublishedDemo, tmp_path: Path) -> None:
    """A published scoring.lead_priority_list (the scoring flow's columns) replaces the fallback
    lists: its order, names, scores, urgency and reasons; only the report day's rows."""
    copy = tmp_path / "lead_sla.duckdb"
    shutil.copy(published.database, copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute("DROP SCHEMA IF EXISTS scoring CASCADE")  # replaced by hand-made lists below
        conn.execute("CREATE SCHEMA scoring")
        conn.execute(
            """CREATE TABLE scoring.lead_priority_list AS
               WITH leads AS (
                   SELECT l.lead_id, l.contact_id, l.owner_id, l.company_name, l.fit_score,
                          trim(concat_ws(' ', l.first_name, l.last_name)) AS lead_name
                   FROM marts.dim_leads l WHERE l.owner_id IS NOT NULL AND NOT l.is_deleted
               ), days AS (SELECT CAST(? AS DATE) AS score_date UNION ALL SELECT CAST(? AS DATE))
               SELECT d.score_date, leads.owner_id,
                      CAST(row_number() OVER (PARTITION BY d.score_date, leads.owner_id
                                              ORDER BY leads.fit_score DESC NULLS LAST, leads.lead_id) AS INTEGER) AS priority_rank,
                      leads.lead_id, leads.contact_id,
                      CASE WHEN d.score_date = ? THEN leads.lead_name ELSE 'yesterdays ' || leads.lead_id END AS lead_name,
                      leads.company_name, coalesce(leads.fit_score, 0) * 0.9 AS priority_score,
                      'no_deadline' AS urgency_bucket, CAST(NULL AS DOUBLE) AS business_minutes_to_due,
                      CAST(NULL AS TIMESTAMP) AS sla_due_at, CAST(NULL AS VARCHAR) AS sla_status,
                      'Fit score ' || coalesce(CAST(leads.fit_score AS VARCHAR), '?') AS reason_1,
                      'Company: ' || coalesce(leads.company_name, '?') AS reason_2, CAST(NULL AS VARCHAR) AS reason_3,
                      'Rep ' || leads.owner_id AS owner_name
               FROM leads CROSS JOIN days d CROSS JOIN range(2) AS copies(n)""",  # each lead twice: lists longer than five
            [published.run_date, published.run_date - timedelta(days=1), published.run_date],
        )
        expected = conn.execute(
            """SELECT owner_id, priority_rank, lead_id, priority_score, owner_name FROM scoring.lead_priority_list
               WHERE score_date = ? ORDER BY owner_id, priority_rank""", [published.run_date]
        ).fetchall()
    assert expected, "the demo has owned leads to rank"
    html = build_report(copy, published.run_date, tmp_path / "reports").read_text(encoding="utf-8")
    metrics = read_metrics(html)
    assert "from the scoring flow" in html and "scoring.lead_priority_list" in html
    assert "yesterdays " not in html, "only the report day's list is shown"
    for owner, rank, lead, score, _ in expected:
        assert metrics[f"lists.{owner}.{rank}.lead"] == lead
        assert value(metrics, f"lists.{owner}.{rank}.score") == pytest.approx(float(score))
    for owner in {row[0] for row in expected}:
        assert value(metrics, f"lists.{owner}.count") == sum(1 for row in expected if row[0] == owner)
    assert value(metrics, "lists.total") == len(expected)
    assert f"Rep {expected[0][0]}" in html, "reps are named when the list carries owner_name"
    assert "Fit score " in html and "No open SLA" in html
    # each rep's list shows its top five and folds the rest
    cards = html.split('<article class="rep"')[1:]
    assert len(cards) == len({row[0] for row in expected})
    longest = 0
    for card in cards:
        shown, _, folded = card.partition("<details>")
        ranks_shown = re.findall(r'data-metric="lists\.[^."]+\.(\d+)\.rank"', shown)
        ranks_folded = re.findall(r'data-metric="lists\.[^."]+\.(\d+)\.rank"', folded)
        assert ranks_shown == [str(r) for r in range(1, min(5, len(ranks_shown + ranks_folded)) + 1)]
        assert ranks_folded == [str(r) for r in range(6, len(ranks_shown) + len(ranks_folded) + 1)]
        longest = max(longest, len(ranks_shown) + len(ranks_folded))
    assert longest > 5, "a rep has more than five leads to fold"


def test_without_scoring_the_lists_are_each_reps_untouched_open_handoffs(published: PublishedDemo, tmp_path: Path) -> None:
    copy = tmp_path / "lead_sla.duckdb"
    shutil.copy(published.database, copy)
    with duckdb.connect(str(copy)) as conn:
        conn.execute("DROP SCHEMA IF EXISTS scoring CASCADE")  # a warehouse published before scoring existed
        expected = conn.execute(
            """select count(*) from marts.fct_sales_sla s
               left join marts.dim_leads l on l.contact_id = s.contact_id
               where s.first_touch_at is null and s.outcome = 'open' and not coalesce(l.is_deleted, false)
                 and s.rep_sla_status in ('pending', 'open_breach', 'unassigned')"""
        ).fetchone()[0]
    metrics = read_metrics(build_report(copy, published.run_date, tmp_path / "reports").read_text(encoding="utf-8"))
    assert value(metrics, "lists.total") == expected
