"""The run day: its bounds in UTC on ordinary and daylight-saving days, worked out once, and the same
instant for dbt and the data-quality suites."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from lead_sla.quality.suites import Suite, SuiteSpec, substitute_sql
from lead_sla.quality.validate import run_parameters
from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform import dbt as dbt_module

from .conftest import PROJECT_ROOT


@pytest.mark.parametrize(
    ("day", "zone", "start", "end", "hours"),
    [
        pytest.param(date(2026, 10, 28), "America/New_York", datetime(2026, 10, 28, 4), datetime(2026, 10, 29, 4), 24,
                     id="new-york-summer-time"),
        pytest.param(date(2026, 1, 15), "America/New_York", datetime(2026, 1, 15, 5), datetime(2026, 1, 16, 5), 24,
                     id="new-york-winter-time"),
        pytest.param(date(2026, 3, 8), "America/New_York", datetime(2026, 3, 8, 5), datetime(2026, 3, 9, 4), 23,
                     id="new-york-clocks-go-forward"),
        pytest.param(date(2026, 11, 1), "America/New_York", datetime(2026, 11, 1, 4), datetime(2026, 11, 2, 5), 25,
                     id="new-york-clocks-go-back"),
        pytest.param(date(2026, 3, 7), "America/New_York", datetime(2026, 3, 7, 5), datetime(2026, 3, 8, 5), 24,
                     id="new-york-day-before-the-change"),
        pytest.param(date(2026, 3, 29), "Europe/London", datetime(2026, 3, 29, 0), datetime(2026, 3, 29, 23), 23,
                     id="london-clocks-go-forward"),
        pytest.param(date(2026, 9, 6), "America/Santiago", datetime(2026, 9, 6, 4), datetime(2026, 9, 7, 3), 23,
                     id="santiago-midnight-skipped"),
        pytest.param(date(2026, 10, 28), "UTC", datetime(2026, 10, 28), datetime(2026, 10, 29), 24, id="utc"),
    ],
)
def test_the_run_day_is_bounded_by_its_local_midnights(
    day: date, zone: str, start: datetime, end: datetime, hours: int
) -> None:
    run_day = RunDay(day, zone)
    assert (run_day.day_start_utc, run_day.as_of_utc, run_day.hours) == (start, end, hours)
    assert run_day.as_of_utc == RunDay(date.fromordinal(day.toordinal() + 1), zone).day_start_utc


def test_a_run_day_is_frozen() -> None:
    run_day = RunDay(date(2026, 10, 28), "America/New_York")
    with pytest.raises(dataclasses.FrozenInstanceError):
        run_day.as_of_utc = datetime(2026, 10, 29)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("day", "zone", "error", "message"),
    [
        pytest.param(date(2026, 10, 28), "Mars/Olympus", ValueError, "'Mars/Olympus' is not an IANA time zone", id="unknown-zone"),
        pytest.param(date(2026, 10, 28), "", ValueError, "'' is not an IANA time zone", id="empty-zone"),
        pytest.param(datetime(2026, 10, 28, 12), "UTC", TypeError, "run_date must be a date", id="a-datetime-is-no-day"),
        pytest.param("2026-10-28", "UTC", TypeError, "run_date must be a date", id="text-is-no-day"),
    ],
)
def test_a_bad_run_day_is_refused_naming_what(day, zone, error, message) -> None:  # noqa: ANN001
    with pytest.raises(error, match=message):
        RunDay(day, zone)


def test_dbt_and_the_suites_get_the_same_instant_from_one_run_day(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The vars dbt is invoked with and the suites' built-in parameters both come from the run day."""
    run_day = RunDay(date(2026, 3, 8), "America/New_York")
    invoked: list[list[str]] = []

    class Runner:
        def __init__(self, callbacks=None) -> None:  # noqa: ANN001
            pass

        def invoke(self, args: list[str]):  # noqa: ANN202
            invoked.append(args)
            return type("Outcome", (), {"result": None, "exception": None, "success": True})()

    monkeypatch.setattr(dbt_module, "dbtRunner", Runner)
    monkeypatch.setattr(dbt_module, "_release_duckdb", lambda: None)
    settings = Settings(project_root=PROJECT_ROOT, warehouse_path=tmp_path / "w.duckdb", reporting_timezone="Europe/Berlin")
    dbt_module.run_dbt(settings, "build", day=run_day)
    dbt_vars = json.loads(invoked[0][invoked[0].index("--vars") + 1])
    assert dbt_vars == {"run_date": "2026-03-08", "reporting_timezone": "America/New_York", "as_of_utc": "2026-03-09 04:00:00"}

    suite = Suite(SuiteSpec.model_validate({
        "table": "marts.example", "stage": "marts", "description": "an example",
        "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"},
                          "severity": "critical", "why": "an example"}],
    }), tmp_path / "marts" / "example.yml")
    params = run_parameters(suite, run_id="r", day=run_day, validated_at=datetime(2026, 3, 9, 7))
    sql = "${run_date}|${reporting_timezone}|${as_of_utc}|${day_start_utc}"
    assert substitute_sql(sql, params, "here").split("|") == [
        dbt_vars["run_date"], dbt_vars["reporting_timezone"], dbt_vars["as_of_utc"], "2026-03-08 05:00:00"
    ]


def test_without_a_run_day_dbt_gets_no_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    invoked: list[list[str]] = []
    monkeypatch.setattr(dbt_module, "dbtRunner", lambda callbacks=None: type("R", (), {
        "invoke": lambda self, args: invoked.append(args) or type("O", (), {"result": None, "exception": None, "success": True})()
    })())
    monkeypatch.setattr(dbt_module, "_release_duckdb", lambda: None)
    dbt_module.run_dbt(Settings(project_root=PROJECT_ROOT, warehouse_path=tmp_path / "w.duckdb"), "parse")
    assert "--vars" not in invoked[0]


def test_the_reporting_zone_has_one_default_and_the_schedule_runs_in_it() -> None:
    """The settings hold the only default of the reporting zone; the nightly deployment's schedule is
    in that zone (its cron hour means 02:30 there), and dbt declares no default of its own."""
    default = Settings.model_fields["reporting_timezone"].default
    deployments = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())["deployments"]
    nightly = next(d for d in deployments if d["name"] == "nightly")
    assert [s["timezone"] for s in nightly["schedules"]] == [default]
    dbt_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text()).get("vars") or {}
    assert not {"run_date", "reporting_timezone", "as_of_utc"} & set(dbt_vars)
