"""Running one suite through Great Expectations over DuckDB data, chunk by chunk.

Each expectation reads one *input*: the guarded table (with the suite's ``where`` filter and
``derived_columns``) or a derived input (a SQL query of the suite). How it is evaluated depends on
what its verdict needs:

- schema expectations (columns present, column count, types) see the input's columns and no rows;
- row-level expectations (values between, in set, matching a pattern, not null, pair
  comparisons, ...) see the input in chunks of ``rows_per_batch`` rows streamed through Arrow;
  the verdict adds up: element, missing and unexpected counts sum over the chunks, success is
  recomputed from the sums (honouring ``mostly``), and the first few offending rows are kept;
- uniqueness expectations cannot be decided chunk by chunk in arrival order (two copies of a key
  may land in different chunks), so the input is split by a hash of the checked columns: every
  copy of a value falls in the same partition, and the partitions' counts add up exactly;
- everything else (aggregates such as a column's max, row counts, order-dependent checks) sees
  the whole input, narrowed to the columns it names. Suites keep those on small derived inputs.

Nothing here writes to the warehouse; ``validate.run_validation`` does, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.exceptions import ExpectationNotFoundError
from great_expectations.execution_engine import pandas_execution_engine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    Expectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.registry import get_expectation_impl

from lead_sla.quality import frames
from lead_sla.quality.outcomes import ExpectationOutcome
from lead_sla.quality.suites import (
    ExpectationSpec,
    ParamValue,
    Suite,
    SuiteError,
    referenced_columns,
    substitute_sql,
    substitute_value,
)

SCHEMA_ONLY = frozenset({
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal",
    "expect_table_column_count_to_be_between",
    "expect_column_to_exist",
    "expect_column_type_to_be",
})
CROSS_ROW_UNIQUE = frozenset({
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_multicolumn_values_to_be_unique",
})
# Map expectations whose verdict on a row depends on the other rows: evaluated on the whole input.
ORDER_DEPENDENT = frozenset({
    "expect_column_values_to_be_increasing",
    "expect_column_values_to_be_decreasing",
    "expect_column_value_z_scores_to_be_less_than",
    "expect_column_values_to_not_be_outliers",
})
PARTIAL_VALUES = 20          # offending values kept for Data Docs
SMALL_INPUT_ROWS = 3         # inputs this small report their rows as the observed value
_ROW_CONSTANT = "_dq_row"    # the one column fetched when a whole-input check names none


# --- binding --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoundExpectation:
    """A declared expectation with its placeholders bound and its GE object built."""

    spec: ExpectationSpec
    kwargs: dict[str, Any]
    gx: Expectation
    mode: str  # schema | rows | unique | whole

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def columns(self) -> tuple[str, ...]:
        return referenced_columns(self.kwargs)


def _mode(type_name: str, impl: type[Expectation]) -> str:
    if type_name in SCHEMA_ONLY:
        return "schema"
    if type_name in CROSS_ROW_UNIQUE:
        return "unique"
    if type_name in ORDER_DEPENDENT:
        return "whole"
    if issubclass(impl, (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)):
        return "rows"
    return "whole"


def bind_expectation(suite: Suite, spec: ExpectationSpec, params: Mapping[str, ParamValue]) -> BoundExpectation:
    """Bind ``${...}`` in the kwargs and build the GE expectation; ``SuiteError`` if GE rejects it."""
    where = f"{suite.path}: expectation {spec.label!r}"
    try:
        impl = get_expectation_impl(spec.type)
    except ExpectationNotFoundError:
        raise SuiteError(f"{where}: Great Expectations has no expectation type {spec.type!r}") from None
    kwargs = substitute_value(dict(spec.kwargs), params, where)
    if "row_condition" in kwargs:
        raise SuiteError(f"{where}: row_condition is not supported; filter in a derived input instead")
    try:
        expectation = impl(
            **kwargs,
            severity=spec.severity,
            notes=f"[{spec.severity}] {spec.why}",
            meta={"dq_label": spec.label, "severity": spec.severity, "why": spec.why},
        )
    except Exception as exc:  # noqa: BLE001 - GE raises pydantic and its own errors for bad kwargs
        raise SuiteError(f"{where}: invalid kwargs for {spec.type}: {exc}") from None
    return BoundExpectation(spec=spec, kwargs=kwargs, gx=expectation, mode=_mode(spec.type, impl))


def bind_suite(suite: Suite, params: Mapping[str, ParamValue]) -> list[BoundExpectation]:
    """Every expectation of ``suite`` bound to ``params`` (the run's built-ins, suite defaults, overrides)."""
    return [bind_expectation(suite, spec, params) for spec in suite.spec.expectations]


# --- GE runner ------------------------------------------------------------------------------

@contextmanager
def _without_batch_fingerprint() -> Iterator[None]:
    """Skip GE's pandas batch fingerprint while validating chunks.

    GE 1.24 hashes every value of a pandas batch below ``HASH_THRESHOLD`` bytes, twice per
    ``batch.validate``, only to label the batch in the result's metadata (``batch_markers``). On
    chunked validation that hashing costs several times the checks themselves (0.53 s against
    0.07 s on 100,000 rows of four text columns), so it is switched off for the duration of a
    run and restored after it.
    """
    if not hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        yield
        return
    previous = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        pandas_execution_engine.HASH_THRESHOLD = previous


class GxRunner:
    """An ephemeral GE context with one pandas datasource; validates DataFrames, keeps no state on disk."""

    def __init__(self, *, example_rows: int) -> None:
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        asset = self.context.data_sources.add_pandas("lead_sla_duckdb").add_dataframe_asset(name="frames")
        self._batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        # SUMMARY gives counts, a few offending values and their frame index; the engine looks the
        # offending rows up in the frame itself (GE's include_unexpected_rows costs ~40% more).
        self.result_format = {"result_format": "SUMMARY", "partial_unexpected_count": max(example_rows, 1)}

    def validate(
        self, frame: pd.DataFrame, expectations: Sequence[BoundExpectation], *, suite_name: str
    ) -> ExpectationSuiteValidationResult:
        """Validate ``frame`` (one chunk, partition or derived input) against ``expectations``."""
        suite = gx.ExpectationSuite(name=suite_name, expectations=[b.gx.copy(deep=True) for b in expectations])
        with _without_batch_fingerprint():
            batch = self._batch_definition.get_batch(batch_parameters={"dataframe": frame})
            return batch.validate(suite, result_format=self.result_format)


# --- aggregation ----------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A JSON-friendly version of a value pandas or GE produced."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return _plain(pd.Timestamp(value))
    if isinstance(value, (Decimal, pd.Timedelta, dt.timedelta)):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _to_json(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


def _exception_message(result: ExpectationValidationResult) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "raised an exception")
    for value in info.values():  # metric errors come keyed by metric id
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "raised an exception")
    return None


@dataclass
class _Tally:
    """The running verdict of one expectation over the chunks (or partitions) it has seen."""

    bound: BoundExpectation
    example_rows: int
    example_columns: tuple[str, ...] = ()
    chunks: int = 0
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    all_chunks_succeeded: bool = True
    errors: list[str] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    partial_values: list[Any] = field(default_factory=list)
    observed: Any = None
    observed_rows: list[dict[str, Any]] = field(default_factory=list)
    last_result: ExpectationValidationResult | None = None

    def _shown(self, frame: pd.DataFrame) -> list[str]:
        return [c for c in self.example_columns if c in frame.columns] or list(frame.columns)

    def add(self, result: ExpectationValidationResult, frame: pd.DataFrame) -> None:
        self.chunks += 1
        self.last_result = result
        error = _exception_message(result)
        if error:
            self.errors.append(error)
            self.all_chunks_succeeded = False
            return
        self.all_chunks_succeeded = self.all_chunks_succeeded and bool(result.success)
        payload = result.result or {}
        if "observed_value" in payload:
            self.observed = payload["observed_value"]
        if "unexpected_count" in payload:
            self.element_count += int(payload.get("element_count") or 0)
            self.missing_count += int(payload.get("missing_count") or 0)
            self.unexpected_count += int(payload.get("unexpected_count") or 0)
            room = self.example_rows - len(self.examples)
            index = [i for i in payload.get("partial_unexpected_index_list") or [] if i in frame.index]
            if room > 0 and index:
                self.examples.extend(frame.loc[index[:room], self._shown(frame)].to_dict(orient="records"))
            if self.chunks == 1 and 0 < len(frame) <= SMALL_INPUT_ROWS:
                # a derived input of a row or two: its values are the observation, pass or fail
                self.observed_rows = frame[self._shown(frame)].to_dict(orient="records")
            room = PARTIAL_VALUES - len(self.partial_values)
            if room > 0:
                self.partial_values.extend(list(payload.get("partial_unexpected_list") or [])[:room])

    def fail(self, message: str) -> None:
        self.errors.append(message)
        self.all_chunks_succeeded = False

    @property
    def counted(self) -> bool:
        return self.bound.mode in ("rows", "unique") or (
            self.last_result is not None and "unexpected_count" in (self.last_result.result or {})
        )

    @property
    def success(self) -> bool:
        if self.errors:
            return False
        mostly = self.bound.kwargs.get("mostly")
        if mostly is None or not self.counted:
            return self.all_chunks_succeeded
        considered = self.element_count - self.missing_count
        if considered <= 0:
            return True
        return (considered - self.unexpected_count) / considered >= float(mostly) - 1e-12

    def observed_text(self) -> str:
        if self.errors:
            return "error: " + "; ".join(dict.fromkeys(self.errors))
        if self.counted:
            considered = self.element_count - self.missing_count
            text = f"{self.unexpected_count} of {self.element_count} rows unexpected"
            if self.unexpected_count and considered > 0:
                text += f" ({100.0 * self.unexpected_count / considered:.3g}% of non-null)"
            if self.observed_rows:
                text += f"; rows {_to_json(self.observed_rows)}"
            elif self.partial_values:
                text += f"; values {_to_json(self.partial_values[:5])}"
            return text
        return _to_json(self.observed)

    def outcome(self, suite: Suite) -> ExpectationOutcome:
        spec = self.bound.spec
        return ExpectationOutcome(
            suite=suite.name,
            table_name=suite.spec.table,
            expectation=spec.label,
            expectation_type=spec.type,
            severity=spec.severity,
            success=self.success,
            observed_value=self.observed_text(),
            unexpected_count=self.unexpected_count if self.counted and not self.errors else None,
            unexpected_examples=_to_json(self.examples[: self.example_rows]) if self.counted else None,
            why=spec.why,
        )

    def docs_result(self) -> ExpectationValidationResult:
        """The aggregated verdict in GE's own shape, for Data Docs."""
        config = self.bound.gx.configuration
        if self.errors:
            return ExpectationValidationResult(
                success=False,
                expectation_config=config,
                result={},
                exception_info={"raised_exception": True, "exception_message": self.observed_text(),
                                "exception_traceback": self.observed_text()},
            )
        if self.counted:
            considered = self.element_count - self.missing_count
            result: dict[str, Any] = {
                "element_count": self.element_count,
                "missing_count": self.missing_count,
                "unexpected_count": self.unexpected_count,
                "unexpected_percent": (100.0 * self.unexpected_count / considered) if considered else 0.0,
                "partial_unexpected_list": _plain(self.partial_values),
            }
        else:
            base = dict((self.last_result.result or {}) if self.last_result else {})
            base.pop("unexpected_rows", None)
            result = _plain(base)
        return ExpectationValidationResult(success=self.success, expectation_config=config, result=result)


# --- one suite ------------------------------------------------------------------------------

@dataclass
class SuiteRun:
    """What validating one suite produced."""

    outcomes: list[ExpectationOutcome]
    docs_result: ExpectationSuiteValidationResult | None
    notes: list[str]


def _select(columns: Sequence[str]) -> str:
    return ", ".join(frames.quote(c) for c in columns) if columns else f"1 AS {_ROW_CONSTANT}"


def table_sql(suite: Suite) -> str:
    """The guarded table as declared: the columns schema expectations judge."""
    schema, name = suite.spec.table.split(".", 1)
    return f"SELECT * FROM {frames.quote(schema)}.{frames.quote(name)}"


def table_input_sql(suite: Suite, params: Mapping[str, ParamValue]) -> str:
    """The guarded table with the suite's derived columns, filtered by its ``where``."""
    spec = suite.spec
    where_text = f"{suite.path}"
    derived = "".join(
        f", ({substitute_sql(expr, params, where_text)}) AS {frames.quote(name)}"
        for name, expr in spec.derived_columns.items()
    )
    schema, name = spec.table.split(".", 1)
    sql = f"SELECT *{derived} FROM {frames.quote(schema)}.{frames.quote(name)}"
    if spec.where:
        sql += f" WHERE {substitute_sql(spec.where, params, where_text)}"
    return sql


def _examples_columns(bound: BoundExpectation, key: Sequence[str], available: set[str]) -> list[str]:
    return [c for c in dict.fromkeys([*key, *bound.columns]) if c in available]


def validate_suite(
    conn: duckdb.DuckDBPyConnection,
    suite: Suite,
    bound: Sequence[BoundExpectation],
    runner: GxRunner,
    params: Mapping[str, ParamValue],
    *,
    rows_per_batch: int,
    example_rows: int,
) -> SuiteRun:
    """Validate ``suite`` (its expectations ``bound`` to ``params``) against the connected warehouse.

    Never raises for data problems: a missing table, an unreadable input or a GE error becomes a
    failed outcome with the reason as its observed value.
    """
    spec = suite.spec
    if not frames.relation_exists(conn, spec.table):
        if spec.optional:
            note = f"{spec.table} does not exist; optional suite {suite.name} skipped"
            skipped = [
                ExpectationOutcome(suite.name, spec.table, e.label, e.type, e.severity, None,
                                   f"skipped: {spec.table} does not exist", None, None, e.why)
                for e in spec.expectations
            ]
            return SuiteRun(outcomes=skipped, docs_result=None, notes=[note])
        missing = ExpectationOutcome(
            suite.name, spec.table, "table_exists", "precondition", "critical", False,
            f"{spec.table} does not exist", None, None,
            "A table readers rely on is missing: the build did not produce it.",
        )
        return SuiteRun(outcomes=[missing], docs_result=None, notes=[])

    # Examples show the table's key and the checked columns; a derived input's rows are shown whole.
    tallies = {
        b.label: _Tally(b, example_rows, tuple(dict.fromkeys([*spec.key, *b.columns])) if b.spec.input is None else ())
        for b in bound
    }
    first_meta: dict[str, Any] | None = None

    def run(frame: pd.DataFrame, group: Sequence[BoundExpectation]) -> None:
        nonlocal first_meta
        result = runner.validate(frame, group, suite_name=suite.name)
        if first_meta is None:
            first_meta = dict(result.meta)
        by_label = {r.expectation_config.meta.get("dq_label"): r for r in result.results}
        for b in group:
            if b.label in by_label:
                tallies[b.label].add(by_label[b.label], frame)
            else:
                tallies[b.label].fail("Great Expectations returned no result")

    inputs: dict[str | None, list[BoundExpectation]] = {}
    for b in bound:
        inputs.setdefault(b.spec.input, []).append(b)

    for input_name, group in inputs.items():
        asset = spec.table if input_name is None else f"{spec.table}:{input_name}"
        try:
            if input_name is None:
                input_sql = table_input_sql(suite, params)
                schema_sql = table_sql(suite)
            else:
                input_sql = substitute_sql(spec.inputs[input_name], params, f"{suite.path}: input {input_name!r}")
                schema_sql = input_sql
            columns = frames.relation_columns(conn, input_sql)
        except duckdb.Error as exc:
            for b in group:
                tallies[b.label].fail(f"cannot read {asset}: {exc}")
            continue
        available = set(columns)
        # a derived input is small by design: keep all its columns, they explain its verdicts
        key = [c for c in spec.key if c in available] if input_name is None else columns
        try:
            _run_input(conn, input_sql, schema_sql, group, available, key, run, rows_per_batch)
        except duckdb.Error as exc:
            for b in group:  # a verdict on part of the input is no verdict
                tallies[b.label].fail(f"cannot read {asset}: {exc}")
        except Exception as exc:  # noqa: BLE001 - recorded as failed expectations, which the gate reports
            for b in group:
                tallies[b.label].fail(f"cannot validate {asset}: {type(exc).__name__}: {exc}")

    outcomes = [tallies[b.label].outcome(suite) for b in bound]
    docs_results = [tallies[b.label].docs_result() for b in bound]
    statistics = {
        "evaluated_expectations": len(docs_results),
        "successful_expectations": sum(1 for r in docs_results if r.success),
        "unsuccessful_expectations": sum(1 for r in docs_results if not r.success),
        "success_percent": 100.0 * sum(1 for r in docs_results if r.success) / len(docs_results),
    }
    meta = dict(first_meta or {})
    meta["batch_spec"] = {"batch_data": "DuckDB via Arrow, validated as pandas chunks", "data_asset_name": spec.table}
    meta["active_batch_definition"] = {
        "datasource_name": "lead_sla_duckdb", "data_connector_name": "fluent",
        "data_asset_name": spec.table, "batch_identifiers": {"inputs": ", ".join(n or "table" for n in inputs)},
    }
    docs = ExpectationSuiteValidationResult(
        success=all(r.success for r in docs_results),
        results=docs_results,
        suite_name=suite.name,
        statistics=statistics,
        meta=meta,
    )
    return SuiteRun(outcomes=outcomes, docs_result=docs, notes=[])


def _run_input(
    conn: duckdb.DuckDBPyConnection,
    input_sql: str,
    schema_sql: str,
    group: Sequence[BoundExpectation],
    available: set[str],
    key: Sequence[str],
    run: Callable[[pd.DataFrame, Sequence[BoundExpectation]], None],
    rows_per_batch: int,
) -> None:
    by_mode: dict[str, list[BoundExpectation]] = {}
    for b in group:
        by_mode.setdefault(b.mode, []).append(b)

    if by_mode.get("schema"):
        run(frames.empty_frame(conn, schema_sql), by_mode["schema"])

    rows = by_mode.get("rows", [])
    uniques = by_mode.get("unique", [])
    whole = by_mode.get("whole", [])
    data_checks = [*rows, *uniques, *whole]
    if not data_checks:
        return
    total = frames.count_rows(conn, input_sql)
    if total <= rows_per_batch:
        # Small enough for one frame: one GE run decides every data check of the input.
        columns = [c for c in dict.fromkeys([*key, *(c for b in data_checks for c in b.columns)]) if c in available]
        run(frames.whole_frame(conn, f"SELECT {_select(columns)} FROM ({input_sql}) AS _input"), data_checks)
        return

    if rows:
        columns = [c for c in dict.fromkeys([*key, *(c for b in rows for c in b.columns)]) if c in available]
        sql = f"SELECT {_select(columns)} FROM ({input_sql}) AS _input"
        # The reader holds the connection's pending result: materialize each chunk's GE run
        # before asking DuckDB for the next one, and run no other statement meanwhile.
        for frame in frames.iter_frames(conn, sql, rows_per_batch):
            run(frame, rows)

    if uniques:
        partitions = max(1, math.ceil(total / rows_per_batch))
        for b in uniques:
            checked = [c for c in b.columns if c in available]
            columns = _examples_columns(b, key, available)
            base = f"SELECT {_select(columns)} FROM ({input_sql}) AS _input"
            if not checked:
                run(frames.whole_frame(conn, base), [b])
                continue
            hashed = ", ".join(frames.quote(c) for c in checked)
            for part in range(partitions):
                run(frames.whole_frame(conn, f"{base} WHERE hash({hashed}) % {partitions} = {part}"), [b])

    if whole:
        columns = [c for c in dict.fromkeys(c for b in whole for c in b.columns) if c in available]
        run(frames.whole_frame(conn, f"SELECT {_select(columns)} FROM ({input_sql}) AS _input"), whole)
