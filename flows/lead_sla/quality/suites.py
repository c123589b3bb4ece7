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
Stage = Literal["raw", "marts"]
STAGES: tuple[str, ...] = ("raw", "marts")

ParamValue = str | int | float | bool | date | datetime
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
# Names every run provides; a suite's own ``params`` may not redefine them.
BUILTIN_PARAMS: tuple[str, ...] = ("run_id", "run_date", "validated_at")


class SuiteError(ValueError):
    """A suite file is unreadable or invalid; the message names the file and the expectation."""


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

    @property
    def label(self) -> str:
        """The name results are recorded under: ``name``, else the type and its columns."""
        if self.name:
            return self.name
        columns = referenced_columns(self.kwargs)
        return f"{self.type}({', '.join(columns)})" if columns else self.type


class SuiteSpec(_Strict):
    """One suite file."""

    table: str
    stage: Stage
    description: str = Field(min_length=3)
    key: tuple[str, ...] = ()
    optional: bool = False
    where: str | None = None
    derived_columns: dict[str, str] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict)
    params: dict[str, ParamValue] = Field(default_factory=dict)
    expectations: tuple[ExpectationSpec, ...] = Field(min_length=1)

    @field_validator("table")
    @classmethod
    def _qualified(cls, value: str) -> str:
        if not _TABLE.match(value):
            raise ValueError(f"table must be schema.name, got {value!r}")
        return value

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


def load_suite(path: Path) -> Suite:
    """Parse one suite file; raises ``SuiteError`` naming the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"{path}: cannot read suite: {exc}") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite file is a mapping with `table`, `stage` and `expectations`")
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()
        )
        raise SuiteError(f"{path}: {problems}") from None
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
