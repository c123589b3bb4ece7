"""The backtest and the ``score`` command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lead_sla.scoring.backtest import SCORERS, run_backtest
from lead_sla.scoring.cli import app
from lead_sla.settings import ModelPolicy
from tests.support.project import PROJECT_ROOT
from tests.scoring.builders import TZ, Warehouse, build_history

FIRST_DAY = date(2026, 1, 5)
DAYS = 120
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
SMALL = ModelPolicy(min_labelled_leads=50, min_conversions=10, horizon_days=30, validation_days=20)
START, END = date(2026, 4, 1), LAST_DAY


def history(conn: duckdb.DuckDBPyConnection) -> None:
    wh = Warehouse(conn)
    build_history(wh, first_day=FIRST_DAY, days=DAYS, leads=400, seed=3)
    wh.built_as_of(LAST_DAY)


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    conn = duckdb.connect(str(path))
    try:
        history(conn)
    finally:
        conn.close()
    return path


def test_backtest_measures_every_scorer_on_each_population(conn):
    history(conn)
    report = run_backtest(conn, START, END, timezone=TZ, policy=SMALL)
    assert report.training.trained and report.training.cutoff_at == report.period_start_at
    assert report.training.conversions >= SMALL.min_conversions
    assert [p.population for p in report.populations] == ["leads", "handoffs"]
    for population in report.populations:
        assert population.rows > 0 and 0 < population.conversions < population.rows
        assert [m.scorer for m in population.scorers] == list(SCORERS)
        for metrics in population.scorers:
            assert 0.0 <= metrics.roc_auc <= 1.0
            assert metrics.base_rate == pytest.approx(population.conversions / population.rows)
            assert metrics.top_decile_rows == -(-population.rows // 10)
            assert sum(b.rows for b in metrics.calibration) == population.rows
            assert sum(b.conversions for b in metrics.calibration) == population.conversions
            assert (metrics.scorer == "learned") == all(b.predicted_rate is not None for b in metrics.calibration)
    # the history is built so that fit and intent predict conversion: every score beats chance on leads
    leads = report.populations[0]
    assert all(m.roc_auc > 0.6 for m in leads.scorers)


def test_the_learned_scorer_is_left_out_below_the_minimum(conn):
    history(conn)
    report = run_backtest(conn, START, END, timezone=TZ, policy=ModelPolicy(horizon_days=30))
    assert not report.training.trained and "not trained" in report.training.message
    assert report.scorer("leads", "learned") is None
    assert report.scorer("leads", "fit_only") is not None


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(START, LAST_DAY + timedelta(days=1), id="outcomes-after-the-warehouse-day"),
        pytest.param(END, START, id="inverted-period"),
    ],
)
def test_backtest_refuses_periods_it_cannot_judge(conn, start, end):
    history(conn)
    with pytest.raises(ValueError):
        run_backtest(conn, start, end, timezone=TZ, policy=SMALL)


def cli_env(path: Path) -> dict[str, str]:
    return {"LEAD_SLA_WAREHOUSE_PATH": str(path), "LEAD_SLA_REPORTING_TIMEZONE": TZ,
            "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT), "LEAD_SLA_SCORING_HORIZON_DAYS": "30"}


def test_backtest_command_prints_a_table_or_json(warehouse_file):
    runner = CliRunner()
    args = ["backtest", "--from", START.isoformat(), "--to", END.isoformat(),
            "--min-labelled-leads", "50", "--min-conversions", "10"]
    table = runner.invoke(app, args, env={**cli_env(warehouse_file), "COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "ROC AUC" in table.output and "learned" in table.output and "calibration" in table.output
    as_json = runner.invoke(app, [*args, "--json"], env=cli_env(warehouse_file))
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert document["horizon_days"] == 30 and document["training"]["trained"] is True
    assert {s["scorer"] for s in document["populations"][0]["scorers"]} == set(SCORERS)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["backtest", "--from", "2026-13-01", "--to", "2026-04-30"], 2, id="bad-date"),
        pytest.param(["backtest", "--from", "2026-04-30", "--to", "2026-04-01"], 2, id="inverted"),
        pytest.param(["backtest", "--from", "2026-04-01", "--to", "2026-12-31"], 2, id="beyond-the-warehouse"),
    ],
)
def test_backtest_command_rejects_wrong_input(warehouse_file, args, code):
    result = CliRunner().invoke(app, args, env=cli_env(warehouse_file))
    assert result.exit_code == code, result.output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("LEAD_SLA_SCORING_HORIZON_DAYS", "0",
                     "LEAD_SLA_SCORING_HORIZON_DAYS: Input should be greater than or equal to 1 (got '0')", id="scoring"),
        pytest.param("LEAD_SLA_REPORTING_TIMEZONE", "Mars/Olympus",
                     "LEAD_SLA_REPORTING_TIMEZONE: 'Mars/Olympus' is not an IANA time zone such as 'America/New_York' "
                     "or 'Europe/Berlin'", id="zone"),
    ],
)
@pytest.mark.parametrize("args", [["run", "--date", "2026-04-30"], ["backtest", "--from", "2026-04-01", "--to", "2026-04-30"]],
                         ids=lambda a: a[0])
def test_an_invalid_setting_is_one_line_naming_it(tmp_path, args, variable, value, message):
    result = CliRunner().invoke(app, args, env={**cli_env(tmp_path / "lead_sla.duckdb"), variable: value})
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: invalid settings (LEAD_SLA_* variables or .env): {message}"]
    assert not (tmp_path / "lead_sla.duckdb").exists()
