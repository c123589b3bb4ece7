"""The lead-sla command: help everywhere, exit codes scripts can rely on, errors that say what to do."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lead_sla.cli import app

runner = CliRunner()


def env_for(tmp_path) -> dict[str, str]:
    return {
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "w" / "lead_sla.duckdb"),
        "LEAD_SLA_LANDING_DIR": str(tmp_path / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "w" / "published"),
    }


def command_paths() -> list[list[str]]:
    """Every command and nested sub-command, as the argument lists that reach it."""
    import click
    import typer.main

    def walk(group: click.Group, prefix: list[str]) -> list[list[str]]:
        paths = []
        for name, command in sorted(group.commands.items()):
            paths.append([*prefix, name])
            if isinstance(command, click.Group):
                paths.extend(walk(command, [*prefix, name]))
        return paths

    return walk(typer.main.get_command(app), [])  # type: ignore[arg-type]


@pytest.mark.parametrize("command", command_paths(), ids=lambda path: " ".join(path))
def test_every_subcommand_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["run", "--date", "31/10/2026"], "--date must be a date like 2026-10-31", id="run-bad-date"),
        pytest.param(["backfill", "--start", "2026-10-05", "--end", "2026-10-01"], "is before --start", id="backfill-inverted"),
        pytest.param(["extract", "--up-to", "yesterday"], "--up-to must be a date", id="extract-bad-date"),
    ],
)
def test_wrong_usage_exits_2_and_says_what_to_do(tmp_path, args, message):
    result = runner.invoke(app, args, env=env_for(tmp_path))
    assert result.exit_code == 2
    assert message in result.output


def test_publish_without_a_warehouse_exits_1_and_says_to_run_first(tmp_path):
    result = runner.invoke(app, ["publish"], env=env_for(tmp_path))
    assert result.exit_code == 1
    assert "run `lead-sla run` or `lead-sla demo` first" in result.output


def test_status_before_any_run_says_nothing_ran(tmp_path):
    result = runner.invoke(app, ["status"], env=env_for(tmp_path))
    assert result.exit_code == 0
    assert "nothing yet" in result.output and "nothing has run yet" in result.output


def test_status_lists_runs_and_the_stage_that_failed(tmp_path):
    from datetime import date
    from pathlib import Path

    from lead_sla.ops.runlog import RunLog

    env = env_for(tmp_path)
    log = RunLog(Path(env["LEAD_SLA_WAREHOUSE_PATH"]), "2026-03-02-run", date(2026, 3, 2), "nightly")
    log.start()
    with pytest.raises(RuntimeError):
        with log.stage("validate"):
            raise RuntimeError("1 critical data-quality check failed")
    log.finish("failed", "DataQualityError: 1 critical data-quality check failed")
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 0, result.output
    assert "2026-03-02-run" in result.output and "failed" in result.output and "validate" in result.output


def _warehouse_built_for(tmp_path, day) -> dict[str, str]:
    """A warehouse whose run log says it was built as of ``day`` (nothing else in it)."""
    from pathlib import Path

    from lead_sla.ops.runlog import RunLog

    env = env_for(tmp_path)
    log = RunLog(Path(env["LEAD_SLA_WAREHOUSE_PATH"]), f"{day}-run", day, "nightly", as_of_date=day)
    log.start()
    log.finish("success")
    return env


@pytest.mark.parametrize(
    ("asked", "hint"),
    [
        pytest.param("2026-11-15", "`lead-sla run --date 2026-11-15` builds it", id="a-later-day-not-built"),
        pytest.param("2026-10-29", "earlier days are restated inside it", id="an-earlier-day"),
    ],
)
def test_publish_refuses_a_day_the_warehouse_does_not_hold(tmp_path, asked, hint):
    from datetime import date

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))
    result = runner.invoke(app, ["publish", "--date", asked], env=env)
    assert result.exit_code == 2, result.output
    assert f"the warehouse holds 2026-10-31, not {asked}" in " ".join(result.output.split())
    assert hint in " ".join(result.output.split())
    assert not (tmp_path / "w" / "published" / "manifest.json").exists()


def test_publish_publishes_the_day_the_warehouse_holds(tmp_path):
    import json
    from datetime import date

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))
    result = runner.invoke(app, ["publish"], env=env)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "w" / "published" / "manifest.json").read_text())
    assert manifest["run_date"] == "2026-10-31"
    assert runner.invoke(app, ["publish", "--date", "2026-10-31"], env=env).exit_code == 0


def test_extract_from_a_landing_folder_that_does_not_exist_exits_2_naming_it(tmp_path):
    env = {**env_for(tmp_path), "LEAD_SLA_LANDING_DIR": str(tmp_path / "no" / "such" / "folder")}
    result = runner.invoke(app, ["extract"], env=env)
    assert result.exit_code == 2, result.output
    assert "folder" in result.output and "no/such/folder" in "".join(result.output.split())
