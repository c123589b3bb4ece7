"""The benchmark's pure pieces and its measurement of a child process (bench/run.py).

The benchmark itself is not part of the test suite (it takes minutes to hours); these tests
keep what it computes from a run honest: dependency order of the floor, pass/miss rules,
the markdown, and peak-RSS capture of a child that allocates a known amount of memory.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lead_sla.settings import find_project_root

RUN_PY = find_project_root(Path(__file__).parent) / "bench" / "run.py"
MiB = 1024**2


def _load_bench():
    spec = importlib.util.spec_from_file_location("lead_sla_bench_run", RUN_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


# --- topological order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dependencies", "expected"),
    [
        pytest.param({"c": ["b"], "b": ["a"], "a": []}, ["a", "b", "c"], id="chain"),
        pytest.param({"d": ["b", "c"], "c": ["a"], "b": ["a"], "a": []}, ["a", "b", "c", "d"], id="diamond-ties-by-name"),
        pytest.param({"m": ["source.raw.x", "seed.y"], "n": ["m", "test.t"]}, ["m", "n"], id="non-model-inputs-ignored"),
        pytest.param({"z": [], "y": [], "x": ["z"]}, ["y", "z", "x"], id="independent-nodes-sorted"),
        pytest.param({"a": ["a"]}, ["a"], id="self-reference-ignored"),
    ],
)
def test_topological_order(dependencies, expected):
    assert bench.topological_order(dependencies) == expected


def test_topological_order_names_the_cycle():
    with pytest.raises(ValueError, match="cycle among: a, b"):
        bench.topological_order({"a": ["b"], "b": ["a"], "c": []})


# --- floor statements from a manifest ---------------------------------------------------------


def _model(name, materialized, depends=(), schema="marts", sql="select 1 as x"):
    return {
        "resource_type": "model", "name": name, "alias": name, "schema": schema,
        "relation_name": f'"lead_sla"."{schema}"."{name}"', "config": {"materialized": materialized},
        "depends_on": {"nodes": list(depends)}, "compiled_code": sql,
    }


FAKE_MANIFEST = {
    "nodes": {
        "model.p.fct_daily": _model("fct_daily", "incremental", ["model.p.int_joined", "model.p.stg_a"], sql="select * from x;\n"),
        "model.p.int_joined": _model("int_joined", "table", ["model.p.int_inline", "model.p.stg_b"], schema="intermediate"),
        "model.p.int_inline": _model("int_inline", "ephemeral", ["model.p.stg_a"], schema="intermediate"),
        "model.p.stg_a": _model("stg_a", "view", ["source.p.raw.a"], schema="staging"),
        "model.p.stg_b": _model("stg_b", "view", ["seed.p.holidays"], schema="staging"),
        "test.p.not_null_stg_a_id": {"resource_type": "test", "depends_on": {"nodes": ["model.p.stg_a"]}},
        "unit_test.p.fct_daily.case": {"resource_type": "unit_test", "depends_on": {"nodes": ["model.p.fct_daily"]}},
        "seed.p.holidays": {"resource_type": "seed", "depends_on": {"nodes": []}},
    }
}


def test_floor_statements_follow_dependencies_and_skip_non_models():
    plan = bench.floor_statements(FAKE_MANIFEST)
    assert [s.name for s in plan] == ["stg_a", "stg_b", "int_joined", "fct_daily"]  # int_inline is inlined
    assert [s.kind for s in plan] == ["VIEW", "VIEW", "TABLE", "TABLE"]
    daily = plan[-1]
    assert daily.ddl == 'CREATE OR REPLACE TABLE "lead_sla"."marts"."fct_daily" AS\nselect * from x'


@pytest.mark.parametrize(
    ("node", "message"),
    [
        pytest.param(_model("odd", "materialized_view"), "no floor equivalent", id="unknown-materialization"),
        pytest.param(_model("empty", "table", sql=""), "no compiled_code", id="not-compiled"),
    ],
)
def test_floor_statements_refuse_what_they_cannot_reproduce(node, message):
    with pytest.raises(ValueError, match=message):
        bench.floor_statements({"nodes": {f"model.p.{node['name']}": node}})


# --- pass / miss ------------------------------------------------------------------------------


def _record(*, floor=100.0, build=150.0, full=400.0, incremental=30.0, peaks=(1e9, 2e9, 1e9), generate=200.0):
    def step(seconds, peak, **extra):
        return {"seconds": seconds, "peak_bytes": peak, **extra}

    return {
        "leads": 1_000_000,
        "generate": step(generate, peaks[0]),
        "full_build": step(full, peaks[1], stage_seconds={"extract": 200.0, "build": build}),
        "incremental": step(incremental, peaks[2]),
        "floor": {"seconds": floor},
    }


def _verdicts(record):
    return {c.key: c.verdict for c in bench.check_targets(record)}


@pytest.mark.parametrize(
    ("record", "key", "verdict"),
    [
        pytest.param(_record(floor=100, build=165), "full_build_dbt_vs_floor", "pass", id="dbt-stage-exactly-at-limit"),
        pytest.param(_record(floor=100, build=165.1), "full_build_dbt_vs_floor", "miss", id="dbt-stage-over-limit"),
        pytest.param(_record(floor=10, build=30), "full_build_dbt_vs_floor", "pass", id="slack-covers-small-floor"),
        pytest.param(_record(floor=100, full=400), "full_build_end_to_end_vs_floor", "miss", id="end-to-end-over"),
        pytest.param(_record(incremental=60), "incremental_seconds", "pass", id="incremental-60s"),
        pytest.param(_record(incremental=61), "incremental_seconds", "miss", id="incremental-61s"),
        pytest.param(_record(full=400, incremental=40), "incremental_share", "pass", id="incremental-10pct"),
        pytest.param(_record(full=400, incremental=41), "incremental_share", "miss", id="incremental-over-10pct"),
        pytest.param(_record(peaks=(1e9, 7.9e9, 1e9)), "peak_memory", "pass", id="memory-under"),
        pytest.param(_record(peaks=(8.1e9, 1e9, 1e9)), "peak_memory", "miss", id="memory-generator-over"),
        pytest.param(_record(generate=300), "generator_seconds", "pass", id="generator-5min"),
        pytest.param(_record(generate=301), "generator_seconds", "miss", id="generator-over"),
    ],
)
def test_check_targets(record, key, verdict):
    assert _verdicts(record)[key] == verdict


def test_missing_measurements_are_not_applicable():
    record = _record()
    del record["floor"], record["incremental"]
    verdicts = _verdicts(record)
    assert verdicts["full_build_dbt_vs_floor"] == "n/a"
    assert verdicts["incremental_seconds"] == verdicts["incremental_share"] == "n/a"
    assert verdicts["peak_memory"] == "n/a"  # one of the three processes was never measured
    assert verdicts["generator_seconds"] == "pass"


def test_a_failed_run_measures_nothing():
    record = _record(incremental=5.0)
    record["incremental"]["ok"] = False  # e.g. a dbt test failed: the 5 s are not a nightly run's time
    verdicts = _verdicts(record)
    assert verdicts["incremental_seconds"] == verdicts["incremental_share"] == verdicts["peak_memory"] == "n/a"
    assert bench.ratios(record)["incremental_over_full"] is None


# --- markdown ---------------------------------------------------------------------------------


def test_render_markdown_has_one_column_per_scale_and_the_verdicts():
    complete = _record()
    complete["full_build"]["stages"] = [{"stage": "extract"}, {"stage": "build"}]
    complete["full_build"]["dbt"] = {"slowest_models": [
        {"name": "int_sessions_attributed", "materialized": "table", "seconds": 30.0, "floor_seconds": 20.0}]}
    complete["ratios"] = bench.ratios(complete)
    failed = {"leads": 10_000, "generate": {"seconds": 2.0, "peak_bytes": 100 * MiB},
              "full_build": {"seconds": 50.0, "ok": False}, "error": "the full build failed"}
    meta = {"started_at": "2026-11-26T18:00:00+00:00", "days": 365, "machine": {"cpus": 2}, "commit": {"head": "abc"}}

    text = bench.render_markdown([failed, complete], meta)

    assert "| measurement | 10,000 leads | 1,000,000 leads |" in text
    assert "| **full build: end to end** | 50.0 s (failed) | 400 s (6.7 min) |" in text
    assert "| peak memory < 8 GB (generate, full, incremental) | n/a | **pass** (2.00 GB vs 8.00 GB) |" in text
    assert "| full build: stage `build` (time · peak memory) | – | 150 s (2.5 min) |" in text
    assert "| full build dbt stage ÷ floor | – | 1.50× |" in text
    assert "| full build, dbt stage ≤ 1.5 × floor + 15 s | n/a | **pass** (150 s (2.5 min) vs 165 s (2.8 min)) |" in text
    assert "| incremental day ≤ 10% of the full build | n/a | **pass** (7.5% vs 10.0%) |" in text
    assert "| `int_sessions_attributed` | table | 30.0 s | 20.0 s | 1.50× |" in text
    assert "## Failures" in text and "the full build failed" in text


def test_results_name_no_folder_of_the_measuring_machine(tmp_path):
    checkout, work = tmp_path / "checkout", tmp_path / "checkout" / "bench-work"
    config = bench.BenchConfig(scales=[10_000], days=365, end_date=datetime(2026, 10, 31).date(), seed=42,
                               out=tmp_path / "results", work_dir=work, keep=False, timeout=60.0, project_root=checkout)
    meta = {"started_at": "2026-11-26T18:00:00+00:00", "commit": {"project_root": str(checkout), "head": "abc"}}
    failed = {"leads": 10_000, "full_build": {"seconds": 5.0, "ok": False,
                                              "command": [f"{checkout}/.venv/bin/lead-sla", "run"],
                                              "stderr_path": f"{work}/leads-10000/logs/full_build.stderr"},
              "error": f"the full build failed: {checkout}/.venv/bin/lead-sla run (see {work}/leads-10000/logs)"}

    bench.write_results(config, "stamp", meta, [failed])

    for name in ("stamp.json", "stamp.md"):
        text = (config.out / name).read_text()
        assert str(tmp_path) not in text, name
    document = json.loads((config.out / "stamp.json").read_text())
    assert document["records"][0]["full_build"]["command"][0] == "<checkout>/.venv/bin/lead-sla"
    assert document["records"][0]["full_build"]["stderr_path"] == "<work>/leads-10000/logs/full_build.stderr"
    assert "(see <work>/leads-10000/logs)" in document["records"][0]["error"]


@pytest.mark.parametrize(
    ("text", "scales"),
    [
        pytest.param("10000,100000,1000000", [10_000, 100_000, 1_000_000], id="plain"),
        pytest.param("10k, 1M", [10_000, 1_000_000], id="suffixes"),
        pytest.param("1_000", [1_000], id="underscores"),
    ],
)
def test_parse_scales(text, scales):
    assert bench.parse_scales(text) == scales


@pytest.mark.parametrize("text", [pytest.param("ten", id="word"), pytest.param("0", id="zero"), pytest.param(",", id="empty")])
def test_parse_scales_refuses(text):
    with pytest.raises(ValueError):
        bench.parse_scales(text)


def test_summarize_run_results_sums_by_type_and_ranks_models():
    run_results = {"elapsed_time": 12.0, "results": [
        {"unique_id": "model.p.a", "execution_time": 1.0, "status": "success", "adapter_response": {"rows_affected": 5}},
        {"unique_id": "model.p.b", "execution_time": 3.0, "status": "success", "adapter_response": {}},
        {"unique_id": "test.p.t1", "execution_time": 0.5, "status": "pass"},
        {"unique_id": "unit_test.p.b.case", "execution_time": 0.25, "status": "pass"},
    ]}
    manifest = {"nodes": {"model.p.b": {"config": {"materialized": "incremental"}}}}
    summary = bench.summarize_run_results(run_results, manifest)
    assert summary["seconds_by_type"] == {"model": 4.0, "test": 0.5, "unit_test": 0.25}
    assert [(m["name"], m["materialized"]) for m in summary["slowest_models"]] == [("b", "incremental"), ("a", None)]


# --- measuring a child ------------------------------------------------------------------------


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


@pytest.mark.parametrize("mib", [pytest.param(200, id="200MiB"), pytest.param(400, id="400MiB")])
def test_measure_captures_the_peak_rss_of_a_child(tmp_path, mib):
    # bytes * n writes every page, so all of it is resident; freed before the child sleeps.
    code = f"""
        import time
        block = b"x" * ({mib} * 1024 * 1024)
        time.sleep(0.6)
        del block
        time.sleep(0.3)
    """
    measured = bench.measure("alloc", _python(code), log_dir=tmp_path)
    assert measured.ok
    assert mib * MiB <= measured.peak_rss_bytes <= (mib + 120) * MiB  # plus the interpreter itself
    assert 0.9 * mib * MiB <= measured.peak_tree_rss_bytes <= (mib + 120) * MiB


def test_measure_does_not_charge_the_parents_memory_to_a_small_child(tmp_path):
    # Linux carries the parent's RSS high-water mark into a (v)forked child's ru_maxrss across
    # exec, so a small child measured from a big process (a long pytest run) looked big.
    ballast = b"x" * (600 * MiB)  # this process's high-water mark is now at least 600 MiB
    del ballast
    code = """
        import time
        block = b"x" * (50 * 1024 * 1024)
        time.sleep(0.6)
    """
    measured = bench.measure("small", _python(code), log_dir=tmp_path)
    assert measured.ok
    assert 50 * MiB <= measured.peak_bytes <= 170 * MiB


def test_measure_sees_memory_of_a_grandchild(tmp_path):
    grandchild = 'import time; block = b"x" * (250 * 1024 * 1024); time.sleep(0.8)'
    code = f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {grandchild!r}], check=True)
    """
    measured = bench.measure("tree", _python(code), log_dir=tmp_path)
    assert measured.ok
    assert measured.peak_tree_rss_bytes >= 250 * MiB
    assert measured.peak_bytes >= 250 * MiB


def test_measure_stops_a_command_at_its_timeout(tmp_path):
    measured = bench.measure("slow", _python("import time; time.sleep(60)"), log_dir=tmp_path, timeout=0.5)
    assert measured.timed_out and not measured.ok
    assert measured.seconds < 15
    with pytest.raises(bench.CommandFailed, match="timed out"):
        bench.require_ok(measured, "the slow step", 0.5)


def test_a_failed_command_reports_its_stderr_tail(tmp_path):
    code = """
        import sys
        for i in range(100):
            print(f"line {i}", file=sys.stderr)
        sys.exit(3)
    """
    measured = bench.measure("fails", _python(code), log_dir=tmp_path)
    assert measured.exit_code == 3
    with pytest.raises(bench.CommandFailed) as failure:
        bench.require_ok(measured, "the failing step", None)
    message = str(failure.value)
    assert "the failing step failed with exit code 3" in message
    assert "line 99" in message and "line 59" not in message  # only the tail


# --- dbt's run_results.json, which later dbt invocations of the same run overwrite -------------


@pytest.mark.parametrize(
    ("whiches", "expected"),
    [
        pytest.param(["build", "generate"], 0, id="build-then-docs"),
        pytest.param(["build", "build"], 1, id="last-build-wins"),
        pytest.param(["generate"], None, id="no-build"),
        pytest.param([], None, id="nothing-written"),
    ],
)
def test_pick_invocation(whiches, expected):
    versions = [{"args": {"which": which}, "n": n} for n, which in enumerate(whiches)]
    picked = bench.pick_invocation(versions, "build")
    assert (picked or {}).get("n") == expected


def test_json_snapshots_keep_every_complete_version(tmp_path):
    target = tmp_path / "run_results.json"
    snapshots = bench.JsonSnapshots(target, tmp_path, "run")
    snapshots()  # not written yet
    target.write_text('{"args": {"which": "build"}}')
    snapshots()
    snapshots()  # unchanged: no new copy
    target.write_text('{"args": {"which": "gen')  # caught mid-write: skipped until complete
    snapshots()
    target.write_text('{"args": {"which": "generate"}}')
    snapshots()
    assert [v["args"]["which"] for v in snapshots.load()] == ["build", "generate"]


def test_json_snapshots_ignore_the_version_already_there(tmp_path):
    target = tmp_path / "run_results.json"
    target.write_text('{"args": {"which": "generate"}}')  # left by the previous run
    snapshots = bench.JsonSnapshots(target, tmp_path, "run")
    snapshots()
    assert snapshots.load() == []


def test_measure_catches_a_file_the_child_overwrites(tmp_path):
    target = tmp_path / "out" / "run_results.json"
    target.parent.mkdir()
    code = f"""
        import json, time
        path = {str(target)!r}
        for which in ("build", "generate"):
            with open(path, "w") as handle:
                json.dump({{"args": {{"which": which}}}}, handle)
            time.sleep(0.8)
    """
    snapshots = bench.JsonSnapshots(target, tmp_path, "child")
    measured = bench.measure("writer", _python(code), log_dir=tmp_path / "logs", on_tick=snapshots)
    assert measured.ok
    assert bench.pick_invocation(snapshots.load(), "build") == {"args": {"which": "build"}}
    assert [v["args"]["which"] for v in snapshots.load()] == ["build", "generate"]


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        pytest.param([(0.0, 5), (10.0, 7), (20.0, 9), (30.0, 4)], {"extract": 7, "build": 9}, id="each-stage-its-own-max"),
        pytest.param([(10.0, 7)], {"extract": 7, "build": None}, id="no-sample-in-a-stage"),
    ],
)
def test_stage_peaks(samples, expected):
    def at(seconds):  # naive UTC ISO, the run log's convention
        return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None).isoformat()

    stages = [{"stage": "extract", "started_at": at(5), "finished_at": at(15)},
              {"stage": "build", "started_at": at(15.5), "finished_at": at(25)}]
    assert bench.stage_peaks(samples, stages) == expected


# --- the hand-written floor -------------------------------------------------------------------


def test_run_hand_floor_times_each_query_and_reports_a_failing_one_without_stopping():
    import duckdb

    conn = duckdb.connect()
    conn.execute("create schema raw; create table raw.t as select range % 3 as k from range(10)")
    queries = [
        bench.HandQuery("grouped", "some_model", "three groups", "select k, count(*) as n from raw.t group by k"),
        bench.HandQuery("broken", None, "names a missing column", "select no_such_column from raw.t"),
        bench.HandQuery("all", None, "every row", "select * from raw.t"),
    ]
    timings = bench.run_hand_floor(conn, queries)

    assert [(t["name"], t["rows"]) for t in timings] == [("grouped", 3), ("broken", None), ("all", 10)]
    assert timings[0]["seconds"] > 0 and timings[0]["error"] is None
    assert timings[1]["seconds"] is None and "no_such_column" in timings[1]["error"]
    # The floor database is left as it was: the tables the queries made are gone.
    assert conn.execute("select count(*) from duckdb_schemas() where schema_name = 'hand_floor'").fetchone() == (0,)


def test_hand_floor_times_sit_beside_their_models_in_the_markdown():
    record = _record()
    record["floor"]["statements"] = [{"unique_id": "model.lead_sla.int_sessions_attributed",
                                      "name": "int_sessions_attributed", "seconds": 20.0}]
    record["floor"]["hand_floor"] = [
        {"name": "sessions_attributed", "beside": "int_sessions_attributed", "what": "sessions with their lead",
         "seconds": 4.0, "rows": 10, "error": None},
        {"name": "latest_contact_versions", "beside": None, "what": "dedupe", "seconds": 0.5, "rows": 3, "error": None},
        {"name": "sla_daily", "beside": "fct_sales_sla_daily", "what": "per rep and day", "seconds": None,
         "rows": None, "error": "BinderException: no column"},
    ]
    record["full_build"]["dbt"] = {"slowest_models": [
        {"unique_id": "model.lead_sla.int_sessions_attributed", "name": "int_sessions_attributed",
         "materialized": "table", "seconds": 30.0}]}
    bench.attach_floor_times(record)
    meta = {"started_at": "2026-11-26T18:00:00+00:00", "days": 365, "machine": {"cpus": 2}, "commit": {"head": "abc"}}

    text = bench.render_markdown([record], meta)

    assert "| `int_sessions_attributed` | table | 30.0 s | 20.0 s | 1.50× | 4.00 s | 5.00× |" in text
    assert "| `sessions_attributed` → `int_sessions_attributed` (sessions with their lead) | 4.00 s · 20.0 s |" in text
    assert "| `latest_contact_versions` (dedupe) | 0.50 s |" in text
    assert "| `sla_daily` → `fct_sales_sla_daily` (per rep and day) | failed |" in text


def test_every_hand_query_runs_on_a_built_warehouse_and_stands_beside_a_real_model(published, tmp_path):
    """The hand floor reads the project's raw, intermediate and mart tables by name: a renamed column
    or model must fail here, not silently in a benchmark hours long."""
    import shutil

    import duckdb

    copy = tmp_path / "lead_sla.duckdb"  # same file name: same catalog name as the warehouse
    shutil.copy2(published.settings.warehouse_path, copy)
    conn = duckdb.connect(str(copy))
    try:
        models = {name for (name,) in conn.execute(
            "select table_name from duckdb_tables() where schema_name in ('intermediate', 'marts') "
            "union select view_name from duckdb_views() where schema_name = 'staging'").fetchall()}
        timings = bench.run_hand_floor(conn)
    finally:
        conn.close()
    assert [t for t in timings if t["error"]] == []
    assert all(t["rows"] > 0 for t in timings), timings
    assert {q.beside for q in bench.HAND_FLOOR if q.beside} <= models
