"""History needs an agreement in force: `lead-sla agreement init` writes a first version, and a day
without one is refused before anything is built, naming the day and the first version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lead_sla.agreement import AgreementError, load_agreement
from lead_sla.agreement.in_force import (
    AgreementNotInForce,
    first_day_without_version,
    first_handoff_day,
    require_in_force,
)
from lead_sla.agreement.init import AgreementExists, init_agreement, version_name
from lead_sla.cli import app
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.transform.build import write_agreement
from lead_sla.warehouse import connect

HISTORY = date(2017, 6, 14)
runner = CliRunner()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- agreement init ------------------------------------------------------------------------------


def test_init_into_an_empty_config_folder_writes_a_first_sla_and_icp_version(tmp_path):
    config = tmp_path / "config"

    written = init_agreement(config, HISTORY)

    assert sorted(p.name for p in config.iterdir()) == ["icp.yml", "sla.yml"]
    assert [(w.path.name, w.version, w.until, w.created_file) for w in written] == [
        ("sla.yml", version_name(HISTORY), None, True), ("icp.yml", version_name(HISTORY), None, True)]
    agreement = load_agreement(config)
    assert agreement.sla_version_on(HISTORY).version == version_name(HISTORY)
    assert agreement.icp_version_on(date(2030, 1, 1)).version == version_name(HISTORY)
    with pytest.raises(AgreementError, match="no version is in force on 2017-06-13"):
        agreement.sla_version_on(date(2017, 6, 13))
    times = agreement.sla_version_on(HISTORY).default_calendar
    assert (str(times.work_start), str(times.work_end)) == ("09:00:00", "17:00:00")  # quoted, not base 60


def test_init_before_the_first_version_adds_one_and_keeps_every_byte_of_the_files(config_copy):
    before = _snapshot(config_copy)

    written = init_agreement(config_copy, HISTORY)

    assert [(w.path.name, w.until, w.created_file) for w in written] == [
        ("sla.yml", ("2025-01", date(2025, 1, 1)), False), ("icp.yml", ("icp-2025.1", date(2025, 1, 1)), False)]
    for name in ("sla.yml", "icp.yml"):
        new, old = (config_copy / name).read_text(), before[name].decode()
        # the new text is the old one, comments included, with one block inserted after `versions:`
        cut = old.index("versions:\n") + len("versions:\n")
        assert new.startswith(old[:cut]) and new.endswith(old[cut:])
        added = yaml.safe_load(new[cut:len(new) - len(old) + cut])
        assert [v["version"] for v in added] == [version_name(HISTORY)]
    assert (config_copy / "holidays.yml").read_bytes() == before["holidays.yml"]
    agreement = load_agreement(config_copy)
    assert [(s.version.version, s.effective_from, s.effective_to) for s in agreement.sla_versions] == [
        (version_name(HISTORY), HISTORY, date(2025, 1, 1)),
        ("2025-01", date(2025, 1, 1), date(2026, 9, 1)),
        ("2026-09", date(2026, 9, 1), None),
    ]
    assert agreement.icp_versions[0].effective_to == date(2025, 1, 1)
    original = yaml.safe_load(before["sla.yml"])["versions"]
    assert yaml.safe_load((config_copy / "sla.yml").read_text())["versions"][1:] == original


@pytest.mark.parametrize("day", [
    pytest.param(date(2025, 1, 1), id="the-first-versions-day"),
    pytest.param(date(2026, 3, 1), id="a-day-in-force"),
])
def test_init_on_a_day_that_has_a_version_is_refused_and_writes_nothing(config_copy, day):
    before = _snapshot(config_copy)

    with pytest.raises(AgreementExists, match=r"version '2025-01' \(from 2025-01-01\) already covers") as info:
        init_agreement(config_copy, day)

    assert "nothing written" in str(info.value) and "give a day before 2025-01-01" in str(info.value)
    assert _snapshot(config_copy) == before


def test_init_is_refused_for_both_files_when_only_one_has_a_version_then(config_copy, tmp_path):
    init_agreement(tmp_path / "elsewhere", date(2016, 1, 1))  # an ICP from 2016, moved into the copy
    (config_copy / "icp.yml").write_bytes((tmp_path / "elsewhere" / "icp.yml").read_bytes())
    before = _snapshot(config_copy)

    with pytest.raises(AgreementExists, match="icp.yml: version 'initial-2016-01-01'"):
        init_agreement(config_copy, HISTORY)

    assert _snapshot(config_copy) == before  # sla.yml, which could take the version, is not touched either


def test_init_of_an_invalid_file_is_refused_naming_it(config_copy):
    (config_copy / "sla.yml").write_text("calendar: {holiday_countries: [US]}\nversions: []\n")
    with pytest.raises(AgreementError, match="sla.yml: cannot add a first version to an invalid file"):
        init_agreement(config_copy, HISTORY)


def _cli_env(tmp_path: Path, config: Path) -> dict[str, str]:
    return {
        "LEAD_SLA_CONFIG_DIR": str(config),
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "w" / "lead_sla.duckdb"),
        "LEAD_SLA_LANDING_DIR": str(tmp_path / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "w" / "published"),
        "COLUMNS": "250",
    }


def test_agreement_init_command_writes_into_the_config_folder_and_refuses_a_second_time(tmp_path):
    config = tmp_path / "history-config"
    env = _cli_env(tmp_path, config)

    first = runner.invoke(app, ["agreement", "init", "--effective-from", "2017-06-14"], env=env)
    assert first.exit_code == 0, first.output
    assert f"wrote {config / 'sla.yml'}: SLA version 'initial-2017-06-14' in force from 2017-06-14" in first.output
    assert f"wrote {config / 'icp.yml'}: ICP version 'initial-2017-06-14'" in first.output
    written = _snapshot(config)

    again = runner.invoke(app, ["agreement", "init", "--effective-from", "2017-06-14"], env=env)
    assert again.exit_code == 2
    assert "refused:" in again.output and "already covers 2017-06-14" in again.output
    assert _snapshot(config) == written


def test_agreement_init_with_a_bad_date_exits_2(tmp_path):
    result = runner.invoke(app, ["agreement", "init", "--effective-from", "14/06/2017"],
                           env=_cli_env(tmp_path, tmp_path / "c"))
    assert result.exit_code == 2
    assert "--effective-from must be a date like" in result.output
    assert not (tmp_path / "c").exists()


# --- an agreement in force for every day built ------------------------------------------------------


def test_the_first_day_without_a_version_is_found_across_versions(repo_config_dir):
    spans = load_agreement(repo_config_dir).sla_versions
    assert first_day_without_version(spans, date(2025, 1, 1), date(2030, 1, 1)) is None
    assert first_day_without_version(spans, date(2024, 12, 30), date(2025, 1, 2)) == date(2024, 12, 30)
    assert first_day_without_version(spans, date(2026, 8, 31), date(2026, 9, 1)) is None


def test_a_day_before_the_first_version_is_named_with_the_first_version_and_the_command(repo_config_dir):
    with pytest.raises(AgreementNotInForce) as info:
        require_in_force(load_agreement(repo_config_dir), HISTORY, date(2018, 11, 14), why="the first handoff")
    assert info.value.day == HISTORY
    assert str(info.value) == (
        "sla.yml: no SLA version is in force on 2017-06-14 (the first handoff; a month is judged by the version in "
        "force on its first day); its first version, '2025-01', is in force from 2025-01-01. `lead-sla agreement "
        "init --effective-from 2017-06-14` writes a first version from the defaults (into LEAD_SLA_CONFIG_DIR)"
    )


def test_the_icp_is_required_too(config_copy, tmp_path):
    init_agreement(tmp_path / "old", HISTORY)
    (config_copy / "sla.yml").write_bytes((tmp_path / "old" / "sla.yml").read_bytes())  # SLA from 2017, ICP from 2025
    with pytest.raises(AgreementNotInForce, match="icp.yml: no ICP version is in force on 2017-06-14"):
        require_in_force(load_agreement(config_copy), HISTORY, HISTORY, why="")


@pytest.mark.parametrize(("args", "asked", "day"), [
    pytest.param(["run", "--date", "2017-06-14"], "2017-06-14", "2017-06-01", id="run"),
    pytest.param(["backfill", "--start", "2024-12-30", "--end", "2025-01-02"], "2024-12-30", "2024-12-01",
                 id="backfill"),
])
def test_a_run_for_days_before_the_agreement_exits_2_before_starting(tmp_path, repo_config_dir, args, asked, day):
    env = _cli_env(tmp_path, repo_config_dir)
    (tmp_path / "landing").mkdir()

    result = runner.invoke(app, args, env=env)

    assert result.exit_code == 2, result.output
    message = _one_line(result.output)
    assert (f"no SLA version is in force on {day} (the first day of the month of {asked}, the first day asked for; "
            "a month is judged by the version in force on its first day)") in message
    assert "its first version, '2025-01', is in force from 2025-01-01" in message
    assert f"lead-sla agreement init --effective-from {day}" in message
    assert not (tmp_path / "w").exists()  # no run started: no warehouse, no run log


def _warehouse_with_a_handoff(settings: Settings, changed_at: str) -> None:
    conn = connect(settings.warehouse)
    try:
        ensure_raw_schema(conn)
        conn.execute("insert into raw.lifecycle_changes (change_id, contact_id, to_stage, changed_at) "
                     "values ('LC-1', 'CON-1', 'mql', ?)", [changed_at])
    finally:
        conn.close()


def test_the_build_refuses_history_older_than_the_agreement_naming_its_first_handoff(settings):
    # 01:30 UTC on Jan 1st is still Dec 31st in New York, the reporting zone: December is judged.
    _warehouse_with_a_handoff(settings, "2025-01-01 01:30:00")
    conn = connect(settings.warehouse)
    try:
        assert first_handoff_day(conn, settings.reporting_timezone) == date(2024, 12, 31)
    finally:
        conn.close()

    with pytest.raises(AgreementNotInForce, match="no SLA version is in force on 2024-12-01 "
                                                   r"\(the first day of the month of 2024-12-31, the first handoff "
                                                   "the warehouse holds;"):
        write_agreement(settings, date(2026, 10, 31))

    conn = connect(settings.warehouse)
    try:
        written = conn.execute("select count(*) from information_schema.tables where table_schema = 'config'").fetchone()
    finally:
        conn.close()
    assert written == (0,)  # refused before the agreement tables (and so before dbt)


def test_the_build_accepts_history_once_init_wrote_a_version_for_it(settings, config_copy):
    _warehouse_with_a_handoff(settings, "2025-01-01 01:30:00")
    with pytest.raises(AgreementNotInForce, match="on 2024-12-01"):  # from its handoff's day only is not enough
        init_agreement(config_copy / "short", date(2024, 12, 31))
        write_agreement(settings.model_copy(update={"config_dir": config_copy / "short"}), date(2026, 10, 31))
    init_agreement(config_copy, date(2024, 12, 1))
    write_agreement(settings.model_copy(update={"config_dir": config_copy}), date(2026, 10, 31))
