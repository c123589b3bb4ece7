"""Suite files: the committed ones are valid and follow the raw contract; broken ones are refused."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from lead_sla.quality import SuiteError, ValidationReport, load_suites
from lead_sla.quality.suites import load_suite
from lead_sla.quality.engine import bind_suite
from lead_sla.quality.suites import substitute_sql, substitute_value
from lead_sla.quality.validate import run_parameters
from lead_sla.sources.streams import RAW_METADATA_COLUMNS, STREAMS

from .conftest import RUN_DAY, SUITES_DIR

MARTS = (
    "dim_leads", "dim_lead_profiles", "dim_lead_profile_history", "dim_reps", "fct_sales_sla", "fct_sales_sla_daily",
    "fct_marketing_sla", "fct_marketing_sla_daily", "fct_lead_funnel_daily", "fct_icp_evidence", "fct_late_data_daily",
    "fct_followup_evidence", "fct_sales_sla_weekly", "fct_content_conversion",
    "fct_icp_proposal", "fct_icp_proposal_leads", "fct_icp_proposal_tiers", "fct_lead_next_question",
    "fct_mql_missing_attributes",
)


def test_committed_suites_load_and_bind() -> None:
    suites = load_suites(SUITES_DIR)
    assert sorted(s.name for s in suites if s.stage == "raw") == sorted(
        [*(f"raw.{s.name}" for s in STREAMS), "quarantine.rows"]
    )
    assert sorted(s.name for s in suites if s.stage == "marts") == sorted(f"marts.{m}" for m in MARTS)
    assert [(s.name, s.path.relative_to(SUITES_DIR).as_posix()) for s in suites if s.stage == "scores"] == [
        ("scoring.lead_scores", "scores/lead_scores.yml")
    ]
    # what is published carries a row count: no published table passes empty or half written
    assert [s.name for s in suites if s.stage != "raw" and s.spec.row_count is None] == []
    for suite in suites:
        params = run_parameters(suite, run_id="r", day=RUN_DAY, validated_at=datetime(2026, 10, 29, 3))
        bound = bind_suite(suite, params)
        assert bound, suite.name
        for b in bound:
            assert b.spec.severity in ("critical", "warning")
            assert len(b.spec.why) > 10, f"{suite.name}: {b.label} needs a real why"


def _expectations(stream_name: str) -> list[dict]:
    """The expectations a run validates for the stream: its suite joined with its contract file."""
    suite = load_suite(SUITES_DIR / "raw" / f"{stream_name}.yml")
    return [e.model_dump(exclude_none=True) for e in suite.spec.expectations]


@pytest.mark.parametrize("stream", [pytest.param(s, id=s.name) for s in STREAMS])
def test_raw_suites_follow_the_stream_contract(stream) -> None:
    expectations = _expectations(stream.name)

    def having(type_: str, **kwargs) -> list[dict]:
        return [e for e in expectations if e["type"] == type_ and all(e["kwargs"].get(k) == v for k, v in kwargs.items())]

    schema = having("expect_table_columns_to_match_set")
    assert len(schema) == 1 and schema[0]["severity"] == "critical"
    assert schema[0]["kwargs"]["column_set"] == [*stream.column_names, *(n for n, _ in RAW_METADATA_COLUMNS)]
    for name in {stream.key, *stream.required_columns}:
        assert [e["severity"] for e in having("expect_column_values_to_not_be_null", column=name)] == ["critical"], name
    for column in stream.columns:
        if column.kind == "enum":
            found = having("expect_column_values_to_be_in_set", column=column.name)
            assert [e["kwargs"]["value_set"] for e in found] == [list(column.values)], column.name
        if column.kind == "timestamp":
            assert having("expect_column_values_to_match_regex", column=column.name), column.name
            assert having("expect_column_values_to_be_null", column=f"{column.name}__unparseable"), column.name
            future = having("expect_column_pair_values_a_to_be_greater_than_b", column_B=f"{column.name}__utc")
            assert [e["severity"] for e in future] == ["critical"], column.name


SUITE = """\
table: marts.example
stage: marts
description: A suite for the loader tests.
params:
  band: 2
expectations:
  - type: expect_column_values_to_be_between
    kwargs: {column: amount, min_value: 0, max_value: '${band}'}
    severity: critical
    why: amounts are bounded
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda s: s.replace("description:", "descripton:"), "descripton: Extra inputs are not permitted", id="unknown-key"),
        pytest.param(lambda s: s.replace("severity: critical", "severity: fatal"), "severity: Input should be 'critical' or 'warning'", id="bad-severity"),
        pytest.param(lambda s: s.replace("    why: amounts are bounded\n", ""), "why: Field required", id="missing-why"),
        pytest.param(lambda s: s.replace("table: marts.example", "table: marts.other"), "expected marts/other.yml", id="file-not-named-after-table"),
        pytest.param(lambda s: s.replace("expect_column_values_to_be_between", "expect_column_values_to_be_lovely"),
                     "Great Expectations has no expectation type 'expect_column_values_to_be_lovely'", id="unknown-expectation-type"),
        pytest.param(lambda s: s.replace("'${band}'", "'${bandwidth}'"), "unknown parameter ${bandwidth}", id="unknown-parameter"),
        pytest.param(lambda s: s.replace("min_value: 0, ", "min_value: zero, "), "invalid kwargs for expect_column_values_to_be_between", id="kwargs-rejected-by-ge"),
        pytest.param(lambda s: s.replace("severity: critical", "severity: critical\n    input: daily"), "reads undeclared input 'daily'", id="undeclared-input"),
        pytest.param(lambda s: s + s[s.index("  - type"):], "two expectations are called", id="duplicate-expectation"),
        pytest.param(lambda s: s.replace("  band: 2", "  run_date: 2"), "may not redefine the built-in run_date", id="builtin-param-redefined"),
        pytest.param(lambda s: s.replace("expectations:", "row_count:\n  expected: SELECT 2\n  at_least: SELECT 1\n  why: two rows\nexpectations:"),
                     "row_count: Value error, row_count gives exactly one of `expected` or `at_least`", id="row-count-two-bounds"),
        pytest.param(lambda s: s.replace("expectations:", "row_count:\n  expected: SELECT 2\n  why: two rows\n"
                                                          "inputs:\n  row_count: SELECT 1 AS n\nexpectations:"),
                     "input name 'row_count' is reserved for the row_count checks", id="row-count-input-name-taken"),
    ],
)
def test_an_invalid_suite_is_refused_before_anything_runs(
    tmp_path: Path,
    validate: Callable[..., ValidationReport],
    change: Callable[[str], str],
    message: str,
) -> None:
    folder = tmp_path / "expectations" / "marts"
    folder.mkdir(parents=True)
    (folder / "example.yml").write_text(change(SUITE))
    conn = duckdb.connect()
    with pytest.raises(SuiteError) as raised:
        validate(conn, "marts", tmp_path / "expectations", docs_dir=None)
    assert str(raised.value).startswith(str(folder / "example.yml"))
    assert message in str(raised.value)
    assert conn.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'dq'").fetchall() == [(0,)]


def test_the_valid_example_suite_runs(tmp_path: Path, validate: Callable[..., ValidationReport]) -> None:
    folder = tmp_path / "expectations" / "marts"
    folder.mkdir(parents=True)
    (folder / "example.yml").write_text(SUITE)
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA marts; CREATE TABLE marts.example AS SELECT * FROM (VALUES (1.0), (2.5)) AS t(amount)")
    report = validate(conn, "marts", tmp_path / "expectations", docs_dir=None)
    assert [(o.expectation, o.success, o.unexpected_count) for o in report.outcomes] == [
        ("expect_column_values_to_be_between(amount)", False, 1)
    ]
    assert report.warnings == [] and len(report.critical_failures) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("${run_date}", date(2026, 10, 28), id="whole-placeholder-keeps-type"),
        pytest.param("-${band}", "-0.25", id="embedded-placeholder-is-text"),
        pytest.param(["${band}", {"x": "${run_date}"}], [0.25, {"x": date(2026, 10, 28)}], id="nested"),
        pytest.param("^\\d{4}$", "^\\d{4}$", id="regex-braces-untouched"),
    ],
)
def test_placeholders_bind_to_run_values(value, expected) -> None:
    params = {"run_date": date(2026, 10, 28), "band": 0.25}
    assert substitute_value(value, params, "here") == expected


def test_sql_placeholders_render_dates_and_timestamps() -> None:
    params = {"run_date": date(2026, 10, 28), "validated_at": datetime(2026, 10, 29, 3, 4, 5, 678)}
    sql = "SELECT DATE '${run_date}', TIMESTAMP '${validated_at}'"
    assert substitute_sql(sql, params, "here") == "SELECT DATE '2026-10-28', TIMESTAMP '2026-10-29 03:04:05'"
    with pytest.raises(SuiteError, match=r"here: unknown parameter \$\{nope\}"):
        substitute_sql("${nope}", params, "here")


def test_run_params_cannot_override_builtins(tmp_path: Path, validate: Callable[..., ValidationReport]) -> None:
    with pytest.raises(SuiteError, match="may not override the built-in run_date"):
        validate(duckdb.connect(), "marts", SUITES_DIR, docs_dir=None, params={"run_date": "2020-01-01"})


def test_suite_file_must_be_yaml_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "users.yml").write_text(textwrap.dedent("- just\n- a list\n"))
    with pytest.raises(SuiteError, match="a suite file is a mapping"):
        load_suites(tmp_path)


CONTRACT = """\
table: raw.example
stage: raw
description: The contract part of a raw suite.
key: [example_id]
params:
  skew: 10
derived_columns:
  _late: _extracted_at
expectations:
  - type: expect_column_values_to_not_be_null
    kwargs: {column: example_id}
    severity: critical
    why: a version needs its key
"""

OWN = """\
contract: contract/example.yml
params:
  max_days_behind: 3
expectations:
  - type: expect_column_values_to_be_between
    kwargs: {column: amount, min_value: 0, max_value: '${max_days_behind}'}
    severity: warning
    why: amounts are bounded
"""


def _contract_suite(tmp_path: Path, own: str = OWN, contract: str | None = CONTRACT) -> Path:
    folder = tmp_path / "raw"
    (folder / "contract").mkdir(parents=True)
    if contract is not None:
        (folder / "contract" / "example.yml").write_text(contract)
    (folder / "example.yml").write_text(own)
    return folder / "example.yml"


def test_a_suite_joins_the_contract_file_it_names(tmp_path: Path) -> None:
    _contract_suite(tmp_path)
    suites = load_suites(tmp_path)
    assert [s.name for s in suites] == ["raw.example"], "a contract file is no suite of its own"
    spec = suites[0].spec
    assert (spec.table, spec.key, spec.description) == ("raw.example", ("example_id",), "The contract part of a raw suite.")
    assert spec.params == {"skew": 10, "max_days_behind": 3}
    assert list(spec.derived_columns) == ["_late"]
    assert [e.label for e in spec.expectations] == [
        "expect_column_values_to_not_be_null(example_id)", "expect_column_values_to_be_between(amount)"
    ]


@pytest.mark.parametrize(
    ("own", "contract", "message"),
    [
        pytest.param(OWN.replace("contract/example.yml", "contract/other.yml"), CONTRACT,
                     "contract/other.yml does not exist (run `lead-sla dev contract`)", id="missing-contract-file"),
        pytest.param("table: raw.example\n" + OWN, CONTRACT,
                     "`table` comes from the contract file contract/example.yml; do not set it here", id="table-redefined"),
        pytest.param(OWN.replace("max_days_behind: 3", "skew: 3"), CONTRACT,
                     "params skew already defined by the contract file contract/example.yml", id="param-redefined"),
        pytest.param(OWN, CONTRACT.replace("  skew: 10", "  max_days_behind: 1"),
                     "params max_days_behind already defined by the contract file", id="param-defined-by-both"),
        pytest.param(OWN.replace("contract/example.yml", "contract/example.json"), CONTRACT,
                     "`contract` names a .yml file beside the suite", id="contract-not-yaml"),
    ],
)
def test_a_suite_cannot_redefine_its_contract(tmp_path: Path, own: str, contract: str, message: str) -> None:
    path = _contract_suite(tmp_path, own, contract)
    with pytest.raises(SuiteError) as raised:
        load_suites(tmp_path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_no_committed_suite_works_the_as_of_instant_out_itself() -> None:
    """The end of the run day is the built-in ``${as_of_utc}`` (and its start ``${day_start_utc}``),
    from the run's one RunDay: a suite converting the run date into an instant itself is a second copy."""
    converting = re.compile(r"timezone\(\s*'UTC'\s*,\s*timezone\(\s*'\$\{reporting_timezone\}'\s*,\s*CAST\(\s*DATE\s*'\$\{run_date\}'")
    copies = [path.relative_to(SUITES_DIR).as_posix() for path in sorted(SUITES_DIR.rglob("*.yml"))
              if converting.search(path.read_text())]
    assert copies == []
