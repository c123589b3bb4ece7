"""Declarative suites: one YAML file per guarded table under ``expectations/<stage>/``.

A suite names the table it guards, the stage it runs in, optional derived columns and derived
inputs (SQL evaluated in DuckDB), parameters, and a list of expectations, each a Great
Expectations expectation type with its kwargs, a severity (``critical`` or ``warning``) and a
short ``why``. ``expectations/README.md`` documents the format; this module parses it, checks it
strictly (an unknown key is an error, not a silently ignored typo) and binds ``${name}``
placeholders to the values of a run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Severity = Literal["critical", "warning"]
Stage = Literal["raw", "marts", "scores"]
STAGES: tuple[str, ...] = ("raw", "marts", "scores")

ParamValue = str | int | float | bool | date | datetime
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
# Names every run provides; a suite's own ``params`` may not redefine them. Besides the run's id and
# the time of validation, the run day (lead_sla.run_day.RunDay.suite_params): the day, the reporting
# zone, and the day's first instant and end in UTC.
BUILTIN_PARAMS: tuple[str, ...] = (
    "run_id", "validated_at", "run_date", "reporting_timezone", "day_start_utc", "as_of_utc",
)


class SuiteError(ValueError):
    """A suite file is unreadable or invalid; the message names the file and the expectation."""


def check_requires_streams(value: tuple[str, ...]) -> tuple[str, ...]:
    """``requires_streams`` names optional streams of the contract: a required one (contacts,
    lifecycle changes) is never skipped, its absence stops the night."""
    from lead_sla.sources.check import REQUIRED_STREAMS
    from lead_sla.sources.streams import STREAMS

    known = {stream.name for stream in STREAMS}
    for name in value:
        if name not in known:
            raise ValueError(f"{name!r} is not a source stream; known: {', '.join(sorted(known))}")
        if name in REQUIRED_STREAMS:
            raise ValueError(f"{name!r} is a required stream: a check is never skipped for its absence")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectationSpec(_Strict):
    """One expectation of a suite, as declared."""

    type: str = Field(pattern=r"^expect_[a-z0-9_]+$")
    kwargs: dict[str, Any] = Field(default_factory=dict)
    severity: Severity
    why: str = Field(min_length=3)
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    input: str | None = None  # a derived input of the suite; None: the guarded table itself
    # optional source streams this expectation means nothing without: skipped when one holds no data
    requires_streams: tuple[str, ...] = ()

    @field_validator("requires_streams")
    @classmethod
    def _optional_streams(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_requires_streams(value)

    @property
    def label(self) -> str:
        """The name results are recorded under: ``name``, else the type and its columns."""
        if self.name:
            return self.name
        columns = referenced_columns(self.kwargs)
        return f"{self.type}({', '.join(columns)})" if columns else self.type


PUBLICATIONS = "ops.publications"
PUBLICATIONS_DDL = (
    "CREATE SCHEMA IF NOT EXISTS ops; "
    f"CREATE TABLE IF NOT EXISTS {PUBLICATIONS} (run_id VARCHAR NOT NULL, run_date DATE NOT NULL, "
    "published_at TIMESTAMP NOT NULL, table_name VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
)
ROW_COUNT_INPUT = "row_count"


class RowCountSpec(_Strict):
    """How many rows the guarded table must hold, so that an empty or half-written table fails.

    ``expected`` is SQL giving the exact number of rows the table's inputs say it must hold (e.g.
    one per handoff of the intermediate layer), ``at_least`` a lower bound where the exact number
    is not derivable. Independently, the table may not shrink below
    ``min_share_of_previous_publication`` of its rows in the previous published day
    (``ops.publications``), the baseline a table under test cannot move.
    """

    expected: str | None = None
    at_least: str | None = None
    min_share_of_previous_publication: float = Field(default=0.9, gt=0, le=1)
    why: str = Field(min_length=3)

    @model_validator(mode="after")
    def _one_bound(self) -> "RowCountSpec":
        if (self.expected is None) == (self.at_least is None):
            raise ValueError("row_count gives exactly one of `expected` or `at_least`")
        return self


class SuiteSpec(_Strict):
    """One suite file."""

    table: str
    stage: Stage
    description: str = Field(min_length=3)
    key: tuple[str, ...] = ()
    optional: bool = False
    # optional source streams the whole suite means nothing without (``quality/streams.py``)
    requires_streams: tuple[str, ...] = ()
    where: str | None = None
    derived_columns: dict[str, str] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    row_count: RowCountSpec | None = None
    expectations: tuple[ExpectationSpec, ...] = Field(min_length=1)

    @field_validator("table")
    @classmethod
    def _qualified(cls, value: str) -> str:
        if not _TABLE.match(value):
            raise ValueError(f"table must be schema.name, got {value!r}")
        return value

    @field_validator("requires_streams")
    @classmethod
    def _optional_streams(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_requires_streams(value)

    @field_validator("derived_columns", "inputs", "params")
    @classmethod
    def _identifiers(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _IDENTIFIER.match(name):
                raise ValueError(f"{name!r} is not a plain identifier")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "SuiteSpec":
        clash = set(self.params) & set(BUILTIN_PARAMS)
        if clash:
            raise ValueError(f"params may not redefine the built-in {', '.join(sorted(clash))}")
        seen: set[str] = set()
        for spec in self.expectations:
            if spec.label in seen:
                raise ValueError(f"two expectations are called {spec.label!r}; give one a `name`")
            seen.add(spec.label)
            if spec.input is not None and spec.input not in self.inputs:
                raise ValueError(f"expectation {spec.label!r} reads undeclared input {spec.input!r}")
        return self

    @property
    def name(self) -> str:
        """Suites are named after the table they guard."""
        return self.table

    def with_row_count_checks(self) -> "SuiteSpec":
        """The suite with its ``row_count`` turned into an ordinary derived input and two expectations."""
        if self.row_count is None:
            return self
        if ROW_COUNT_INPUT in self.inputs:
            raise ValueError(f"input name {ROW_COUNT_INPUT!r} is reserved for the row_count checks")
        spec = self.row_count
        bound = spec.expected if spec.expected is not None else spec.at_least
        where = f" WHERE {self.where}" if self.where else ""
        sql = (
            f"WITH counts AS (\n"
            f"    SELECT (SELECT count(*) FROM {self.table}{where}) AS table_rows,\n"
            f"           ({bound}) AS expected_rows,\n"
            f"           (SELECT row_count FROM {PUBLICATIONS} WHERE table_name = '{self.table}'\n"
            f"              AND run_date < DATE '${{run_date}}' ORDER BY run_date DESC, published_at DESC LIMIT 1)\n"
            f"             AS previously_published_rows\n"
            f")\n"
            f"SELECT table_rows, expected_rows, previously_published_rows,\n"
            f"       table_rows - expected_rows AS rows_beyond_inputs,\n"
            f"       CAST(table_rows AS DOUBLE) / nullif(previously_published_rows, 0) AS share_of_previous_publication\n"
            f"FROM counts"
        )
        exact = spec.expected is not None
        checks = (
            ExpectationSpec(
                name="rows_match_inputs" if exact else "rows_reach_inputs",
                type="expect_column_values_to_be_between",
                input=ROW_COUNT_INPUT,
                kwargs={"column": "rows_beyond_inputs", "min_value": 0, **({"max_value": 0} if exact else {})},
                severity="critical",
                why=spec.why,
            ),
            ExpectationSpec(
                name="rows_keep_previous_publication",
                type="expect_column_values_to_be_between",
                input=ROW_COUNT_INPUT,
                kwargs={"column": "share_of_previous_publication", "min_value": spec.min_share_of_previous_publication},
                severity="critical",
                why=(
                    "The table holds history, so it keeps at least "
                    f"{spec.min_share_of_previous_publication:.0%} of the rows it had in the previous published day; "
                    "fewer means rows were lost."
                ),
            ),
        )
        return self.model_copy(update={
            "inputs": {**self.inputs, ROW_COUNT_INPUT: sql},
            "expectations": (*self.expectations, *checks),
        })


@dataclass(frozen=True)
class Suite:
    """A parsed suite and the file it came from."""

    spec: SuiteSpec
    path: Path

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def stage(self) -> str:
        return self.spec.stage


def referenced_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """Columns an expectation's kwargs name (``column``, ``column_A``/``column_B``, ``column_list``)."""
    found: list[str] = []
    for key in ("column", "column_A", "column_B"):
        if isinstance(kwargs.get(key), str):
            found.append(kwargs[key])
    if isinstance(kwargs.get("column_list"), list):
        found.extend(str(c) for c in kwargs["column_list"])
    return tuple(dict.fromkeys(found))


# Keys a suite takes from its contract file and may not set itself: the contract says what is guarded.
_CONTRACT_OWNS = ("table", "stage", "description", "key", "where")
# Keys both may set: mappings are merged (a name defined twice is an error), expectations appended.
_MERGED = ("params", "derived_columns", "inputs")


def _read_mapping(path: Path, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"{path}: cannot read {what}: {exc}") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file is a mapping with `table`, `stage` and `expectations`")
    return data


def with_contract(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The suite ``data`` of ``path`` joined with the generated contract file its ``contract:`` names.

    The contract file (``lead-sla dev contract`` writes it from ``streams.py``) gives the table,
    stage, description, key, ``where`` and the contract checks; the suite's own file adds
    parameters, derived columns, inputs and expectations, and may not redefine any of them.
    """
    if "contract" not in data:
        return data
    own = dict(data)
    reference = own.pop("contract")
    if not isinstance(reference, str) or not reference.endswith(".yml"):
        raise SuiteError(f"{path}: `contract` names a .yml file beside the suite, got {reference!r}")
    contract_path = path.parent / reference
    if not contract_path.is_file():
        raise SuiteError(f"{path}: contract file {contract_path} does not exist (run `lead-sla dev contract`)")
    contract = _read_mapping(contract_path, "contract file")
    if "contract" in contract:
        raise SuiteError(f"{contract_path}: a contract file cannot name another contract")
    merged = dict(contract)
    for key, value in own.items():
        if key in _CONTRACT_OWNS:
            raise SuiteError(f"{path}: `{key}` comes from the contract file {reference}; do not set it here")
        if key in _MERGED:
            if not isinstance(value, dict):
                raise SuiteError(f"{path}: `{key}` is a mapping")
            clash = sorted(set(value) & set(contract.get(key) or {}))
            if clash:
                raise SuiteError(f"{path}: {key} {', '.join(clash)} already defined by the contract file {reference}")
            merged[key] = {**(contract.get(key) or {}), **value}
        elif key == "expectations":
            if not isinstance(value, list):
                raise SuiteError(f"{path}: `expectations` is a list")
            merged[key] = [*(contract.get(key) or []), *value]
        else:
            merged[key] = value
    return merged


def load_suite(path: Path) -> Suite:
    """Parse one suite file (joined with its contract file, if it names one); raises ``SuiteError``
    naming the file and what is wrong."""
    data = with_contract(path, _read_mapping(path, "suite"))
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()
        )
        raise SuiteError(f"{path}: {problems}") from None
    try:
        spec = spec.with_row_count_checks()
    except ValueError as exc:
        raise SuiteError(f"{path}: {exc}") from None
    expected_stem = spec.table.split(".", 1)[1]
    if path.stem != expected_stem or path.parent.name != spec.stage:
        raise SuiteError(
            f"{path}: a suite is named after the table it guards; expected {spec.stage}/{expected_stem}.yml"
        )
    return Suite(spec=spec, path=path)


def load_suites(suites_dir: Path, stage: str | None = None) -> list[Suite]:
    """Every suite under ``suites_dir`` (``<stage>/<table>.yml``), of ``stage`` if given, by name."""
    if not suites_dir.is_dir():
        raise SuiteError(f"no suites folder at {suites_dir}")
    stages = [stage] if stage else list(STAGES)
    suites: list[Suite] = []
    for name in stages:
        folder = suites_dir / name
        if folder.is_dir():
            suites.extend(load_suite(path) for path in sorted(folder.glob("*.yml")))
    names = [s.name for s in suites]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SuiteError(f"{suites_dir}: more than one suite guards {', '.join(sorted(duplicates))}")
    return suites


def _text(value: ParamValue) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def substitute_sql(sql: str, params: Mapping[str, ParamValue], where: str) -> str:
    """Replace ``${name}`` in SQL by the parameter's text (dates ISO, timestamps ``YYYY-MM-DD HH:MM:SS``).

    Suites are code reviewed like the dbt models, so values are inserted as text; quote them in
    the SQL where a literal is meant (``DATE '${run_date}'``).
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise SuiteError(f"{where}: unknown parameter ${{{name}}}; known: {', '.join(sorted(params))}")
        return _text(params[name])

    return _PLACEHOLDER.sub(replace, sql)


def substitute_value(value: Any, params: Mapping[str, ParamValue], where: str) -> Any:
    """Bind placeholders inside kwargs: a value that is exactly ``${name}`` keeps the parameter's type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            name = whole.group(1)
            if name not in params:
                raise SuiteError(f"{where}: unknown parameter ${{{name}}}; known: {', '.join(sorted(params))}")
            return params[name]
        return substitute_sql(value, params, where) if "${" in value else value
    if isinstance(value, list):
        return [substitute_value(v, params, where) for v in value]
    if isinstance(value, dict):
        return {k: substitute_value(v, params, where) for k, v in value.items()}
    return value
