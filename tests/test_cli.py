"""The lead-sla command: help everywhere, exit codes scripts can rely on, errors that say what to do."""

from __future__ import annotations

import os

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
    import typer
    import typer.main

    def walk(group, prefix: list[str]) -> list[list[str]]:  # noqa: ANN001 - a (Typer's) click group
        paths = []
        context = typer.Context(group)
        for name in sorted(group.list_commands(context)):  # the sub-apps the main group loads when called
            command = group.get_command(context, name)
            paths.append([*prefix, name])
            if hasattr(command, "list_commands"):
                paths.extend(walk(command, [*prefix, name]))
        return paths

    return walk(typer.main.get_command(app), [])  # type: ignore[arg-type]


@pytest.mark.parametrize("command", command_paths(), ids=lambda path: " ".join(path))
def test_every_command_sums_itself_up_in_one_sentence(command):
    """The first paragraph of a command's help is what `lead-sla --help` lists: one sentence, no
    line broken in the middle of it (the list shows the break)."""
    import typer.main

    found = typer.main.get_command(app)
    for name in command:
        found = found.get_command(typer.Context(found), name)  # type: ignore[attr-defined]
    first = (found.help or "").strip().split("\n\n")[0]
    assert first and "\n" not in first and first.endswith("."), first


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


# --- wrong usage and invalid input: exit 2, found before anything runs --------------------------


def _flat(text: str) -> str:
    """Output with the console's line breaks undone, for matching messages."""
    return " ".join(text.split())


def test_extract_an_unknown_stream_exits_2_at_once_naming_the_streams(tmp_path):
    (tmp_path / "landing").mkdir()
    result = runner.invoke(app, ["extract", "--stream", "nosuchstream"], env=env_for(tmp_path))
    assert result.exit_code == 2, result.output
    assert ("--stream nosuchstream: no such stream; the streams are campaigns, web_sessions, form_submissions, "
            "email_events, users, companies, contacts, lifecycle_changes, owner_assignments, user_absences, "
            "activities, deals") in _flat(result.output)
    assert not (tmp_path / "w" / "lead_sla.duckdb").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param("LEAD_SLA_REPORTING_TIMEZONE", "Mars/Olympus",
                     "LEAD_SLA_REPORTING_TIMEZONE: 'Mars/Olympus' is not an IANA time zone", id="zone"),
        pytest.param("LEAD_SLA_DBT_THREADS", "0", "LEAD_SLA_DBT_THREADS: Input should be greater than or equal to 1",
                     id="threads"),
        pytest.param("LEAD_SLA_QUARANTINE_CRITICAL_SHARE", "0.001",
                     "LEAD_SLA_QUARANTINE_WARNING_SHARE (0.01) is above LEAD_SLA_QUARANTINE_CRITICAL_SHARE (0.001)",
                     id="quarantine-bounds"),
        pytest.param("LEAD_SLA_QUARANTINE_WARNING_SHARE", "2", "LEAD_SLA_QUARANTINE_WARNING_SHARE: Input should be less",
                     id="share-above-1"),
    ],
)
@pytest.mark.parametrize("command", [["run", "--date", "2026-10-31"], ["extract"], ["status"],
                                     ["backfill", "--start", "2026-10-01", "--end", "2026-10-02"]],
                         ids=lambda c: c[0])
def test_an_invalid_setting_exits_2_naming_it_before_anything_runs(tmp_path, variable, value, message, command):
    (tmp_path / "landing").mkdir()
    result = runner.invoke(app, command, env={**env_for(tmp_path), variable: value})
    assert result.exit_code == 2, result.output
    assert "invalid settings" in result.output and message in _flat(result.output)
    assert "Traceback" not in result.output
    assert not (tmp_path / "w").exists()


def _config_with(tmp_path, file: str, old: str, new: str) -> str:
    """A copy of the committed config folder with one edit in ``file``."""
    import shutil

    from tests.support.project import PROJECT_ROOT

    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    text = (config / file).read_text()
    assert old in text
    (config / file).write_text(text.replace(old, new, 1))
    return str(config)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param("sla.yml", "{priority: demo_request, business_minutes: 60}",
                     "{priority: demo_request, business_minutes: -5}",
                     "config/sla.yml, version '2025-01' (versions[0]), response_targets[0].business_minutes:",
                     id="sla-field"),
        pytest.param("icp.yml", "versions:", "versions: [", "config/icp.yml: not valid YAML", id="icp-yaml"),
        pytest.param("holidays.yml", "company_wide:", "company_wide:\n  colour: blue\n  ignored:",
                     "config/holidays.yml, company_wide.colour", id="holidays-unknown-key"),
    ],
)
@pytest.mark.parametrize("command", [["run", "--date", "2026-10-31"],
                                     ["backfill", "--start", "2026-10-01", "--end", "2026-10-02"]], ids=lambda c: c[0])
def test_an_invalid_agreement_file_exits_2_naming_the_file_and_place(tmp_path, file, old, new, message, command):
    (tmp_path / "landing").mkdir()
    env = {**env_for(tmp_path), "LEAD_SLA_CONFIG_DIR": _config_with(tmp_path, file, old, new)}
    result = runner.invoke(app, command, env=env)
    assert result.exit_code == 2, result.output
    assert message in _flat(result.output)
    assert "Traceback" not in result.output
    assert not (tmp_path / "w" / "lead_sla.duckdb").exists()


@pytest.mark.parametrize("command", [["run", "--date", "2026-10-31"], ["extract"]], ids=lambda c: c[0])
def test_an_invalid_mapping_exits_2_naming_the_file_before_anything_runs(tmp_path, command):
    (tmp_path / "landing").mkdir()
    mapping = tmp_path / "broken.yml"
    mapping.write_text("name: broken\nloads:\n  - {stream: nosuch, files: 'x/*.csv'}\n")
    result = runner.invoke(app, command, env={**env_for(tmp_path), "LEAD_SLA_SOURCE_MAPPING": str(mapping)})
    assert result.exit_code == 2, result.output
    assert "broken.yml" in _flat(result.output) and "loads.0.stream" in result.output
    assert "LEAD_SLA_SOURCE_MAPPING" in result.output
    assert not (tmp_path / "w" / "lead_sla.duckdb").exists()


@pytest.mark.parametrize("command", [["run", "--date", "2026-10-31"],
                                     ["backfill", "--start", "2026-10-01", "--end", "2026-10-02"]], ids=lambda c: c[0])
def test_run_and_backfill_from_a_landing_folder_that_does_not_exist_exit_2_naming_it(tmp_path, command):
    result = runner.invoke(app, command, env=env_for(tmp_path))
    assert result.exit_code == 2, result.output
    assert f"landing folder {tmp_path / 'landing'} does not exist; check LEAD_SLA_LANDING_DIR" in _flat(result.output)


def test_a_published_folder_that_cannot_be_created_exits_2_naming_the_setting(tmp_path):
    (tmp_path / "landing").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    env = {**env_for(tmp_path), "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "a-file" / "published")}
    result = runner.invoke(app, ["run", "--date", "2026-10-31"], env=env)
    assert result.exit_code == 2, result.output
    assert f"LEAD_SLA_PUBLISHED_DIR {tmp_path / 'a-file' / 'published'} cannot be created" in _flat(result.output)
    assert not (tmp_path / "w" / "lead_sla.duckdb").exists()


# --- the sources hold no data for the day ------------------------------------------------------


def _landing_with_exports_up_to(tmp_path, day: str) -> None:
    folder = tmp_path / "landing" / "campaigns" / day
    folder.mkdir(parents=True)
    (folder / "part-00000.jsonl").write_text("")


def test_a_run_for_a_day_the_sources_do_not_hold_says_so_first(tmp_path):
    _landing_with_exports_up_to(tmp_path, "2026-10-31")
    result = runner.invoke(app, ["run", "--date", "2026-12-03"], env=env_for(tmp_path))
    assert result.exit_code == 1, result.output
    assert _flat(result.output).startswith(
        f"refused: the sources hold no data for 2026-12-03: the newest export in {tmp_path / 'landing'} is from "
        "2026-10-31, 33 days earlier. To build the newest exported day: lead-sla run --date 2026-10-31")
    assert not (tmp_path / "w" / "lead_sla.duckdb").exists()


def test_a_bare_run_says_it_builds_yesterday_when_the_sources_end_earlier(tmp_path):
    _landing_with_exports_up_to(tmp_path, "2026-10-31")
    result = runner.invoke(app, ["run"], env=env_for(tmp_path))
    assert result.exit_code == 1, result.output
    assert "Without --date a run builds yesterday in America/New_York." in _flat(result.output)
    assert "lead-sla run --date 2026-10-31" in _flat(result.output)


def test_a_backfill_past_the_newest_export_is_refused_naming_the_last_day(tmp_path):
    _landing_with_exports_up_to(tmp_path, "2026-10-31")
    result = runner.invoke(app, ["backfill", "--start", "2026-10-30", "--end", "2026-11-02"], env=env_for(tmp_path))
    assert result.exit_code == 1, result.output
    assert "the sources hold no data for 2026-11-02" in _flat(result.output)
    assert "End the backfill there: --end 2026-10-31" in _flat(result.output)


# --- publishing --------------------------------------------------------------------------------


def _runs(tmp_path) -> list[tuple]:
    import duckdb

    conn = duckdb.connect(str(tmp_path / "w" / "lead_sla.duckdb"), read_only=True)
    try:
        return conn.execute("select run_id, flow, run_date, status, error from ops.runs order by started_at").fetchall()
    finally:
        conn.close()


def test_publish_records_its_run_in_the_run_log(tmp_path):
    from datetime import date

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))
    result = runner.invoke(app, ["publish"], env=env)
    assert result.exit_code == 0, result.output
    published = [r for r in _runs(tmp_path) if r[1] == "publish"]
    assert len(published) == 1
    run_id, _, day, state, _ = published[0]
    assert (str(day), state) == ("2026-10-31", "success")
    assert f"(run {run_id})" in _flat(result.output)
    import json

    assert json.loads((tmp_path / "w" / "published" / "manifest.json").read_text())["run_id"] == run_id


def test_publish_that_cannot_write_gives_one_paragraph_and_exit_1(tmp_path, monkeypatch):
    from datetime import date

    import lead_sla.publish.publisher as publisher

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))

    def read_only(*args, **kwargs):  # noqa: ANN002, ANN003 - the signature of publish
        raise PermissionError(13, "Permission denied", str(tmp_path / "w" / "published" / ".lead_sla.duckdb.tmp"))

    monkeypatch.setattr(publisher, "publish", read_only)
    result = runner.invoke(app, ["publish"], env=env)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().split("\n\n")) == 1
    assert _flat(result.output).startswith(
        f"error: could not publish into {tmp_path / 'w' / 'published'}: Permission denied")
    assert "Readers keep the copy published before" in _flat(result.output)
    assert [r[3] for r in _runs(tmp_path) if r[1] == "publish"] == ["failed"]


def test_publish_into_a_folder_that_cannot_be_created_exits_2_naming_the_setting(tmp_path):
    from datetime import date

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))
    (tmp_path / "a-file").write_text("")
    env["LEAD_SLA_PUBLISHED_DIR"] = str(tmp_path / "a-file" / "published")
    result = runner.invoke(app, ["publish"], env=env)
    assert result.exit_code == 2, result.output
    assert "LEAD_SLA_PUBLISHED_DIR" in result.output and "is a file, not a folder" in _flat(result.output)


def test_publish_over_a_newer_day_needs_force_publish_and_force_still_works(tmp_path):
    import json
    from datetime import date

    env = _warehouse_built_for(tmp_path, date(2026, 10, 31))
    assert runner.invoke(app, ["publish"], env=env).exit_code == 0
    manifest = tmp_path / "w" / "published" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "run_date": "2026-11-30"}))

    refused = runner.invoke(app, ["publish"], env=env)
    assert refused.exit_code == 1, refused.output
    assert "use --force-publish to publish an older day" in _flat(refused.output)
    forced = runner.invoke(app, ["publish", "--force-publish"], env=env)
    assert forced.exit_code == 0, forced.output
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "run_date": "2026-11-30"}))
    old_name = runner.invoke(app, ["publish", "--force"], env=env)
    assert old_name.exit_code == 0, old_name.output
    assert "`publish --force` is now `publish --force-publish`" in _flat(old_name.output)
    assert json.loads(manifest.read_text())["run_date"] == "2026-10-31"


def test_run_and_publish_name_the_force_flag_alike():
    for command in (["run", "--help"], ["publish", "--help"]):
        assert "--force-publish" in runner.invoke(app, command).output
    assert "--force " not in runner.invoke(app, ["publish", "--help"]).output + " "


# --- extract takes the run lock --------------------------------------------------------------


def test_extract_while_a_run_holds_the_warehouse_is_refused_naming_it(tmp_path):
    from pathlib import Path

    from lead_sla.ops.lock import warehouse_lock

    env = env_for(tmp_path)
    (tmp_path / "landing").mkdir()
    with warehouse_lock(Path(env["LEAD_SLA_WAREHOUSE_PATH"]), run_id="nightly 2026-10-31"):
        result = runner.invoke(app, ["extract"], env=env)
    assert result.exit_code == 1, result.output
    assert _flat(result.output).startswith("refused: another run is using")
    assert "run nightly 2026-10-31 (pid" in _flat(result.output)
    assert "Could not set lock" not in result.output


# --- status tells the truth ------------------------------------------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running_run(tmp_path, run_id: str = "2026-10-31-run"):
    from datetime import date
    from pathlib import Path

    from lead_sla.ops.runlog import RunLog

    warehouse = Path(env_for(tmp_path)["LEAD_SLA_WAREHOUSE_PATH"])
    log = RunLog(warehouse, run_id, date(2026, 10, 31), "nightly")
    log.start()
    with pytest.raises(KeyboardInterrupt):  # a stage left running, as a SIGKILL leaves it
        with log.stage("extract"):
            raise KeyboardInterrupt
    log._execute("UPDATE ops.run_stages SET status = 'running' WHERE run_id = ?", [run_id])
    return warehouse


def _run_line(output: str, run_id: str) -> str:
    found = [line.strip() for line in output.splitlines() if line.strip().startswith(run_id)]
    assert len(found) == 1, output
    return found[0]


def test_a_run_whose_process_is_gone_shows_as_abandoned_at_once(tmp_path):
    import json

    warehouse = _running_run(tmp_path)
    holder = warehouse.with_name(warehouse.name + ".lock.json")  # left behind by a killed run
    holder.write_text(json.dumps({"run_id": "nightly 2026-10-31", "pid": _dead_pid(), "since": "2026-11-01T02:30:00",
                                  "stage": "build", "stage_since": "2026-11-01T02:31:00"}))
    result = runner.invoke(app, ["status"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "Abandoned: run nightly 2026-10-31" in flat and "ended without finishing" in flat
    assert _run_line(result.output, "2026-10-31-run").endswith("UTC  abandoned")


def test_a_run_left_running_without_a_lock_holder_is_abandoned_too(tmp_path):
    _running_run(tmp_path)
    result = runner.invoke(app, ["status"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    assert _run_line(result.output, "2026-10-31-run").endswith("UTC  abandoned")


def test_status_during_a_run_shows_its_stage_and_how_far_it_has_got(tmp_path):
    from lead_sla.ops.lock import note_progress, warehouse_lock

    warehouse = _running_run(tmp_path)
    with warehouse_lock(warehouse, run_id="backfill 2026-10-01..2026-10-31"):
        note_progress(warehouse, progress="one rebuild as of 2026-10-31 for 2026-10-01..2026-10-31 (31 days)")
        note_progress(warehouse, stage="build")
        note_progress(warehouse, stage_progress="dbt build: 120 of 582 nodes done (20%), 35 s")
        result = runner.invoke(app, ["status"], env=env_for(tmp_path))
        note_progress(warehouse, stage="validate")  # the next stage starts from nothing
        later = runner.invoke(app, ["status"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "In progress: run backfill 2026-10-01..2026-10-31 (pid" in flat
    assert ", stage build since " in flat
    assert " UTC (dbt build: 120 of 582 nodes done (20%), 35 s), one rebuild as of 2026-10-31 for " in flat
    assert "stage validate since " in _flat(later.output) and "dbt build" not in later.output


def test_status_during_a_run_leaves_the_warehouse_to_it(tmp_path):
    """DuckDB lets a file have one writing process or readers: a status that opened the warehouse
    between two stages would make the run's next open fail. It shows the run from its lock instead."""
    from lead_sla.ops.lock import note_progress, warehouse_lock

    warehouse = _running_run(tmp_path)
    with warehouse_lock(warehouse, run_id="nightly 2026-10-31"):
        note_progress(warehouse, stage="build")
        result = runner.invoke(app, ["status"], env=env_for(tmp_path))
        opened = runner.invoke(app, ["quarantine"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "In progress: run nightly 2026-10-31" in flat and "stage build" in flat
    assert "The earlier runs and the quarantine show once it ends (reading the warehouse now could stop the run)" in flat
    assert "2026-10-31-run" not in flat  # the run log was not read
    assert opened.exit_code == 1
    assert "refused: a run is using the warehouse (run nightly 2026-10-31" in _flat(opened.output)


def test_a_run_records_its_stage_for_status_while_it_holds_the_lock(tmp_path):
    from datetime import date

    from lead_sla.ops.lock import lock_holder, warehouse_lock
    from lead_sla.ops.runlog import RunLog

    warehouse = tmp_path / "w.duckdb"
    log = RunLog(warehouse, "r1", date(2026, 10, 31), "nightly")
    with warehouse_lock(warehouse, run_id="nightly 2026-10-31"):
        log.start()
        with log.stage("validate"):
            holder = lock_holder(warehouse)
    assert holder is not None and holder.stage == "validate" and holder.alive
    assert lock_holder(warehouse) is None  # released with the lock


# --- quarantine --------------------------------------------------------------------------------


def _warehouse_with_quarantine(tmp_path) -> dict[str, str]:
    from datetime import datetime
    from pathlib import Path

    from lead_sla.landing.raw import ensure_raw_schema
    from lead_sla.ops.runlog import RunLog
    from lead_sla.warehouse import connect

    env = env_for(tmp_path)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    conn = connect(warehouse)
    try:
        ensure_raw_schema(conn)
        rows = [
            ("contacts", "b1", "contacts/2026-10-29/part-00000.csv", 3, "invalid email: x@", "C-1,x@,Ann",
             datetime(2026, 10, 30, 6, 0)),
            ("contacts", "b2", "contacts/2026-10-30/part-00000.csv", 7, "unclosed quote in field 5", 'C-2,"b@y.com',
             datetime(2026, 10, 31, 6, 0)),
            ("deals", "b2", "deals/2026-10-30/part-00000.csv", 2, "unknown value in stage: won?", "D-1,won?",
             datetime(2026, 10, 31, 6, 5)),
        ]
        conn.executemany(
            "INSERT INTO quarantine.rows (stream, batch_id, source, source_line, reason, raw_text, quarantined_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        conn.close()
    log = RunLog(warehouse, "2026-10-30-run", datetime(2026, 10, 30).date(), "nightly")
    log.start()
    log._execute("UPDATE ops.runs SET started_at = ? WHERE run_id = ?", [datetime(2026, 10, 31, 5, 59), log.run_id])
    log.finish("success")
    return env


def test_quarantine_lists_rows_with_reasons_and_source_locations(tmp_path):
    result = runner.invoke(app, ["quarantine"], env=_warehouse_with_quarantine(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "3 quarantined row(s):"
    assert lines[1] == ("2026-10-31 06:05 UTC  deals  deals/2026-10-30/part-00000.csv:2  "
                        "unknown value in stage: won?")
    assert lines[2] == "    D-1,won?"
    assert "contacts/2026-10-30/part-00000.csv:7  unclosed quote in field 5" in lines[3]
    assert lines[4] == '    C-2,"b@y.com'


@pytest.mark.parametrize(
    ("args", "first_line", "shown"),
    [
        pytest.param(["--stream", "contacts"], "2 quarantined row(s) of contacts:", 2, id="one-stream"),
        pytest.param(["--since", "2026-10-31"], "2 quarantined row(s) since 2026-10-31:", 2, id="since-a-day"),
        # 2026-10-30 06:00 UTC is 02:00 on the 30th in New York: on the day, in the reporting zone
        pytest.param(["--since", "2026-10-30"], "3 quarantined row(s) since 2026-10-30:", 3, id="since-the-zone-day"),
        pytest.param(["--stream", "deals", "--since", "2026-11-01"], "No quarantined rows of deals since 2026-11-01.", 0,
                     id="nothing"),
        pytest.param(["--limit", "1"], "3 quarantined row(s); the newest 1 (--limit):", 1, id="limit"),
    ],
)
def test_quarantine_filters_by_stream_and_day(tmp_path, args, first_line, shown):
    result = runner.invoke(app, ["quarantine", *args], env=_warehouse_with_quarantine(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == first_line
    assert len(lines) - 1 == 2 * shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--stream", "leads"], "--stream leads: no such stream; the streams are campaigns", id="stream"),
        pytest.param(["--since", "last week"], "--since must be a date like 2026-10-31, got 'last week'", id="since"),
    ],
)
def test_quarantine_with_wrong_arguments_exits_2(tmp_path, args, message):
    result = runner.invoke(app, ["quarantine", *args], env=_warehouse_with_quarantine(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in _flat(result.output)


def test_status_shows_quarantine_per_stream(tmp_path):
    result = runner.invoke(app, ["status"], env=_warehouse_with_quarantine(tmp_path))
    assert result.exit_code == 0, result.output
    flat = _flat(result.output)
    assert "In quarantine (3 rows; `lead-sla quarantine` lists them):" in flat
    assert "contacts 2 rows, 1 from the latest run; last at 2026-10-31 06:00 UTC" in flat
    assert "deals 1 rows, 1 from the latest run; last at 2026-10-31 06:05 UTC" in flat


def test_status_says_when_nothing_is_in_quarantine(tmp_path):
    from datetime import date

    result = runner.invoke(app, ["status"], env=_warehouse_built_for(tmp_path, date(2026, 10, 31)))
    assert result.exit_code == 0, result.output
    assert "In quarantine: nothing" in result.output


def test_the_run_summary_shows_quarantine_per_stream_and_the_warnings(tmp_path, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import lead_sla.flows.nightly as nightly_module

    _landing_with_exports_up_to(tmp_path, "2026-10-31")

    def night(run_date, force_publish, settings):  # noqa: ANN001, ANN202 - the flow's signature
        return nightly_module.DayResult(
            "2026-10-31-run", run_date, "success", as_of_date=run_date, published=True,
            rows_read={"contacts": 120, "deals": 40, "users": 9}, rows_quarantined={"contacts": 3, "deals": 0, "users": 1},
            warnings=["quarantine.rows: quarantined_share_below_warning_bound (observed 1 of 2 rows)"],
        )

    monkeypatch.setattr(nightly_module, "nightly", night)
    result = runner.invoke(app, ["run", "--date", "2026-10-31"], env=env_for(tmp_path))
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:5] == [
        "Built 2026-10-31 (run 2026-10-31-run); published: yes",
        "Quarantined: contacts 3 of 120 rows (2.5%), users 1 of 9 rows (11.1%)",
        f"  (listed by `lead-sla quarantine --since {today}`)",
        "Data-quality warnings: 1",
        "  quarantine.rows: quarantined_share_below_warning_bound (observed 1 of 2 rows)",
    ]


# --- the demo's closing lines ------------------------------------------------------------------


def test_demo_ends_with_the_demo_day_and_commands_that_fit_80_columns(tmp_path, monkeypatch):
    import lead_sla.flows.nightly as nightly_module
    import lead_sla.demo as demo_module

    monkeypatch.setattr(demo_module, "generate", lambda *args, **kwargs: None)
    monkeypatch.setattr(nightly_module, "nightly", lambda run_date, force_publish, settings: nightly_module.DayResult(
        "2026-10-31-run", run_date, "success", as_of_date=run_date, published=True,
        rows_read={"activities": 1889, "web_sessions": 92950}, rows_quarantined={"activities": 2, "web_sessions": 2}))
    (tmp_path / "landing").mkdir()
    result = runner.invoke(app, ["demo"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Demo built as of 2026-10-31 (the demo day: its exports end there)." in lines
    assert "Quarantined: activities 2 of 1,889 rows (0.1%), web_sessions 2 of 92,950 rows (<0.1%)" in lines
    commands = [line.strip() for line in lines[lines.index("Try:") + 1:] if line.startswith("  lead-sla ")]
    assert commands == [
        "lead-sla status",
        "lead-sla quarantine --limit 5",
        "lead-sla report build --date 2026-10-31",
        "lead-sla run --date 2026-10-31",
        "lead-sla score backtest --from 2026-10-01 --to 2026-10-31",
    ]
    for command in commands:
        assert len("  .venv/bin/" + command) < 80, command
        assert runner.invoke(app, [*command.split()[1:], "--help"]).exit_code == 0, command


# --- fast start: commands that run no flow import no orchestration ---------------------------

HEAVY = ("prefect", "great_expectations", "dbt", "sklearn")


@pytest.mark.parametrize(
    ("args", "env_extra", "code"),
    [
        pytest.param(["status"], {}, 0, id="status"),
        pytest.param(["quarantine"], {}, 0, id="quarantine"),
        pytest.param(["publish"], {}, 1, id="publish-nothing-built"),
        pytest.param(["report", "build"], {}, 1, id="report-nothing-published"),
        pytest.param(["run", "--date", "31/10/2026"], {}, 2, id="run-bad-date"),
        pytest.param(["extract", "--stream", "nosuchstream"], {}, 2, id="extract-unknown-stream"),
        pytest.param(["run", "--date", "2026-10-31"], {"LEAD_SLA_REPORTING_TIMEZONE": "Mars/Olympus"}, 2, id="bad-zone"),
        pytest.param(["backfill", "--start", "2026-10-01", "--end", "2026-10-31"], {}, 2, id="no-landing-folder"),
        pytest.param(["--help"], {}, 0, id="help"),
    ],
)
def test_commands_that_run_no_flow_import_no_orchestration(tmp_path, args, env_extra, code):
    import os
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from lead_sla.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='lead-sla')\n"
        "except SystemExit as exit:\n"
        f"    loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    print('HEAVY', loaded, file=sys.stderr)\n"
        "    raise\n"
    )
    env = {**os.environ, **env_for(tmp_path), **env_extra}
    done = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr


def test_run_help_names_every_stage():
    text = _flat(runner.invoke(app, ["run", "--help"]).output)
    assert "extract, build and test, validate, score, publish, report" in text


# --- errors without noise --------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_a_failed_run_prints_its_message_once_and_the_log_file_keeps_the_traceback(tmp_path, monkeypatch, debug):
    import lead_sla.flows.extract as extract_module

    def broken(settings, up_to, streams):  # noqa: ANN001, ANN202 - the flow's signature
        raise ValueError("the CRM export of 2026-10-31 has 3 columns, the contract 13")

    monkeypatch.setattr(extract_module, "extract", broken)
    (tmp_path / "landing").mkdir()
    env = env_for(tmp_path)
    result = runner.invoke(app, [*(["--debug"] if debug else []), "extract"], env=env)
    assert result.exit_code == 1, result.output
    if debug:  # rich's traceback shows the source lines too
        assert "Traceback (most recent call last)" in result.output and "ValueError" in result.output
    else:
        assert result.output.count("the CRM export of 2026-10-31 has 3 columns") == 1
        assert "Traceback" not in result.output
    log_file = tmp_path / "w" / "logs" / "lead-sla.log"
    assert f"the traceback is in {log_file}" in _flat(result.output) or debug
    kept = log_file.read_text()
    assert "Traceback (most recent call last)" in kept and "ValueError: the CRM export of 2026-10-31" in kept


@pytest.mark.parametrize("own", [None, "45"], ids=["default", "user-set"])
def test_the_pipeline_gives_prefects_temporary_server_two_minutes_unless_told_otherwise(tmp_path, monkeypatch, own):
    import lead_sla.flows.extract as extract_module

    seen = {}

    def record(settings, up_to, streams):  # noqa: ANN001, ANN202 - the flow's signature
        seen.update({name: os.environ.get(name) for name in ("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                                                              "PREFECT_SERVER_ANALYTICS_ENABLED")})
        return []

    monkeypatch.setattr(extract_module, "extract", record)
    monkeypatch.delenv("PREFECT_SERVER_ANALYTICS_ENABLED", raising=False)
    if own is None:
        monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", own)
    (tmp_path / "landing").mkdir()
    result = runner.invoke(app, ["extract"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    assert seen == {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": own or "120",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_status_shows_a_failure_until_a_later_run_succeeds(tmp_path):
    import time
    from datetime import date
    from pathlib import Path

    from lead_sla.ops.runlog import RunLog

    warehouse = Path(env_for(tmp_path)["LEAD_SLA_WAREHOUSE_PATH"])
    failed = RunLog(warehouse, "2026-10-31-failed", date(2026, 10, 31), "nightly")
    failed.start()
    failed.finish("failed", "DataQualityError: 1 critical data-quality check failed")
    assert "failed run 2026-10-31-failed" in runner.invoke(app, ["status"], env=env_for(tmp_path)).output
    time.sleep(0.01)
    fixed = RunLog(warehouse, "2026-10-31-fixed", date(2026, 10, 31), "nightly")
    fixed.start()
    fixed.finish("success")
    output = runner.invoke(app, ["status"], env=env_for(tmp_path)).output
    assert "2026-10-31-failed" in output and "failed run 2026-10-31-failed" not in output


def test_the_backfill_summary_shows_its_rebuild_and_its_quarantine(tmp_path, monkeypatch):
    from datetime import date

    import lead_sla.flows.nightly as nightly_module

    _landing_with_exports_up_to(tmp_path, "2026-10-31")

    def days(start, end, force, settings):  # noqa: ANN001, ANN202 - the flow's signature
        return [
            nightly_module.DayResult("r1", date(2026, 10, 29), "restated", as_of_date=date(2026, 10, 31)),
            nightly_module.DayResult("r1", date(2026, 10, 30), "restated", as_of_date=date(2026, 10, 31)),
            nightly_module.DayResult("r1", date(2026, 10, 31), "success", as_of_date=date(2026, 10, 31),
                                     published=True, rows_read={"deals": 40}, rows_quarantined={"deals": 2},
                                     warnings=["raw.deals: a warning"]),
        ]

    monkeypatch.setattr(nightly_module, "backfill", days)
    result = runner.invoke(app, ["backfill", "--start", "2026-10-29", "--end", "2026-10-31"], env=env_for(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert _flat(lines[0]) == "Backfill 2026-10-29..2026-10-31: one rebuild as of 2026-10-31 (run r1), 3 day(s) built; published: yes"
    assert "Quarantined: deals 2 of 40 rows (5.0%)" in lines
    assert "Data-quality warnings: 1" in lines and "  raw.deals: a warning" in lines
