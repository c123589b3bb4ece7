"""The raw contract written out from its one home, :mod:`lead_sla.sources.streams`.

Two kinds of files repeat what ``streams.py`` says, so both are generated from it and never edited
by hand (``lead-sla dev contract`` writes them; ``--check`` says which differ):

- the dbt sources, ``dbt_project/models/staging/<system>/_<system>__sources.yml``: every raw table
  with its columns, how each is validated, and the lineage columns the landing adds;
- the contract part of each raw data-quality suite, ``expectations/raw/contract/<stream>.yml``:
  contract columns present, key and required columns not null, timestamps in the landing's format,
  parseable and not later than their extraction, dates and times readable, enums and booleans in
  their sets, each version landed once, append-only events never rewritten. The suite's own file,
  ``expectations/raw/<stream>.yml``, names it (``contract:``) and adds the hand-written checks.

Rendering is plain text, so the files keep comments and the flow style the suites use elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from lead_sla.sources.streams import RAW_METADATA_COLUMNS, RAW_METADATA_DESCRIPTIONS, STREAMS, Column, Stream

# What each source system's exports are, for the dbt sources' description.
SYSTEMS: dict[str, str] = {
    "marketing": "Marketing exports (web analytics, landing pages, e-mail tool)",
    "crm": "CRM exports",
}

GENERATED = "lead-sla dev contract"
TIMESTAMP_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?$"
TIME_REGEX = r"^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$"
CLOCK_SKEW_MINUTES = 10
CONTRACT_SUITES_DIR = Path("expectations", "raw", "contract")

_KEY_WHY = "A version without its key cannot be deduplicated or joined; staging would merge unrelated records."
_CURSOR_WHY = "The cursor orders versions and decides what a day knew; without it the version is unplaceable."


class ContractError(ValueError):
    """``streams.py`` cannot be written out: the message names the stream and the column."""


@dataclass(frozen=True)
class GeneratedFile:
    """One generated file: where it lives (relative to the project root) and what it must hold."""

    path: Path
    text: str


def sources_path(system: str) -> Path:
    """The dbt sources file of ``system``, relative to the project root."""
    return Path("dbt_project", "models", "staging", system, f"_{system}__sources.yml")


def contract_suite_path(stream: Stream) -> Path:
    """The generated contract suite of ``stream``, relative to the project root."""
    return CONTRACT_SUITES_DIR / f"{stream.name}.yml"


def _quoted(text: str) -> str:
    """A YAML single-quoted scalar."""
    return "'" + text.replace("'", "''") + "'"


def _required_why(stream: Stream, column: Column) -> str:
    if column.name == stream.key:
        return _KEY_WHY
    if column.name == stream.cursor:
        return _CURSOR_WHY
    if not column.why:
        raise ContractError(
            f"streams.py: stream {stream.name!r}, column {column.name!r} is required but says no `why` "
            "(what breaks without a value)"
        )
    return column.why


def _check(stream: Stream) -> None:
    names = stream.column_names
    if len(set(names)) != len(names):
        raise ContractError(f"streams.py: stream {stream.name!r} declares a column twice")
    for name in (stream.key, stream.cursor):
        if name not in names:
            raise ContractError(f"streams.py: stream {stream.name!r} has no column {name!r} (its key or cursor)")
    for column in stream.columns:
        if column.kind == "enum" and not column.values:
            raise ContractError(f"streams.py: stream {stream.name!r}, enum column {column.name!r} lists no values")
        if column.kind != "enum" and column.values:
            raise ContractError(f"streams.py: stream {stream.name!r}, column {column.name!r} lists values but is no enum")
        if column.required or column.name in (stream.key, stream.cursor):
            _required_why(stream, column)
    missing = [name for name, _ in RAW_METADATA_COLUMNS if name not in RAW_METADATA_DESCRIPTIONS]
    if missing:
        raise ContractError(f"streams.py: RAW_METADATA_DESCRIPTIONS lacks {', '.join(missing)}")


def _kind_of_stream(stream: Stream) -> str:
    return "mutable" if stream.mutable else "append-only events"


def column_description(stream: Stream, column: Column) -> str:
    """A raw column in words: its kind, its values, whether it is required and why."""
    parts = [f"{column.kind} as text"]
    if column.values:
        parts.append(f"one of {', '.join(column.values)}")
    if column.required or column.name in (stream.key, stream.cursor):
        parts.append("required")
        return "; ".join(parts) + f". {_required_why(stream, column)}"
    return "; ".join(parts)


def render_sources(system: str, streams: Iterable[Stream]) -> str:
    """The dbt sources yml of ``system``: every raw table of its streams, every column described."""
    tables = []
    for stream in streams:
        _check(stream)
        columns = [{"name": c.name, "description": column_description(stream, c)} for c in stream.columns]
        columns += [{"name": name, "description": RAW_METADATA_DESCRIPTIONS[name]} for name, _ in RAW_METADATA_COLUMNS]
        tables.append({
            "name": stream.name,
            "description": (
                f"Every extracted version of {stream.name} "
                f"(key {stream.key}, cursor {stream.cursor}, {_kind_of_stream(stream)})."
            ),
            "columns": columns,
        })
    document = {
        "version": 2,
        "sources": [{
            "name": system,
            "schema": "raw",
            "description": (
                f"{SYSTEMS[system]}, landed append-only by the extract flow. All source columns are text; "
                "timestamps are already normalized to UTC."
            ),
            "tables": tables,
        }],
    }
    header = (
        f"# Generated by `{GENERATED}` from flows/lead_sla/sources/streams.py (the raw contract): do not edit;\n"
        "# change streams.py and run the command again.\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, width=110, allow_unicode=True)


def _cursor_day(stream: Stream) -> str:
    # the day of the cursor in the reporting zone, as staging's known_on has it (a version from the
    # local evening is known on its local day, not on the next UTC day)
    return f"CAST(timezone('${{reporting_timezone}}', timezone('UTC', try_cast({stream.cursor} AS TIMESTAMP))) AS DATE)"


def known_on_sql(stream: Stream) -> str:
    """The day a raw version became known, in SQL, as dbt's staging decides it (``known_on``): its
    export day, else its cursor's day in the reporting zone."""
    return f"coalesce(_export_date, {_cursor_day(stream)})"


def render_contract_suite(stream: Stream) -> str:
    """The generated part of ``stream``'s raw suite (see the module docstring)."""
    _check(stream)
    known_on = known_on_sql(stream)
    timestamps = [c for c in stream.columns if c.kind == "timestamp"]
    dates = [c for c in stream.columns if c.kind == "date"]
    lines = [
        f"# Generated by `{GENERATED}` from flows/lead_sla/sources/streams.py (the raw contract): do not edit.",
        f"# The contract checks on raw.{stream.name}; expectations/raw/{stream.name}.yml names this file and adds",
        "# the hand-written checks.",
        f"table: raw.{stream.name}",
        "stage: raw",
        f"description: Every landed version of {stream.label} known by the run day "
        f"(key {stream.key}, cursor {stream.cursor}, {'mutable' if stream.mutable else 'append-only'}).",
        f"key: [{stream.key}]",
        "# Versions known by the run day: what the run's dbt build reads (a version with an unreadable",
        "# cursor is kept, so that the parse checks see it).",
        f"where: coalesce(_export_date, {_cursor_day(stream)}, DATE '${{run_date}}') <= DATE '${{run_date}}'",
        "params:",
        f"  clock_skew_minutes: {CLOCK_SKEW_MINUTES}     # how far a source clock may run ahead of ours",
        "derived_columns:",
        "  _latest_possible_at: _extracted_at + to_minutes(CAST(${clock_skew_minutes} AS BIGINT))",
    ]
    for c in timestamps:
        lines += [
            f"  {c.name}__utc: try_cast({c.name} AS TIMESTAMP)",
            f"  {c.name}__unparseable: CASE WHEN {c.name} IS NOT NULL AND try_cast({c.name} AS TIMESTAMP) IS NULL "
            f"THEN {c.name} END",
        ]
    for c in dates:
        lines.append(
            f"  {c.name}__unparseable: CASE WHEN {c.name} IS NOT NULL AND try_cast({c.name} AS DATE) IS NULL "
            f"THEN {c.name} END"
        )
    lines += [
        "inputs:",
        "  # the newest version known by the run day, for a freshness check of the suite's own file",
        "  freshness: |",
        f"    SELECT max({known_on}) AS latest_known_on,",
        "           -- no version at all counts as infinitely stale",
        f"           coalesce(DATE '${{run_date}}' - max({known_on}), 99999) AS days_behind",
        f"    FROM raw.{stream.name}",
        f"    WHERE {known_on} <= DATE '${{run_date}}'",
        "expectations:",
        "  - name: contract_columns_present",
        "    type: expect_table_columns_to_match_set",
        "    kwargs:",
        f"      column_set: [{', '.join([*stream.column_names, *(n for n, _ in RAW_METADATA_COLUMNS)])}]",
        "      exact_match: false     # the landing may add columns a mapping brings beyond the contract",
        "    severity: critical",
        "    why: 'Staging selects every contract column; a missing one fails the build or silently drops a field.'",
    ]

    def expectation(type_: str, kwargs: str, severity: str, why: str, name: str | None = None) -> None:
        if name:
            lines.append(f"  - name: {name}")
            lines.append(f"    type: {type_}")
        else:
            lines.append(f"  - type: {type_}")
        lines.append(f"    kwargs: {kwargs}" if not kwargs.startswith("\n") else f"    kwargs:{kwargs}")
        lines.append(f"    severity: {severity}")
        lines.append(f"    why: {_quoted(why)}")

    for c in stream.columns:
        if c.required or c.name in (stream.key, stream.cursor):
            expectation("expect_column_values_to_not_be_null", f"{{column: {c.name}}}", "critical",
                        _required_why(stream, c))
    for c in stream.columns:
        if c.kind == "timestamp":
            expectation("expect_column_values_to_match_regex", f"{{column: {c.name}, regex: {_quoted(TIMESTAMP_REGEX)}}}",
                        "warning", "The landing normalizes timestamps to UTC text YYYY-MM-DD HH:MM:SS[.ffffff]; "
                        "another shape means a source changed format.")
            expectation("expect_column_values_to_be_null", f"{{column: {c.name}__unparseable}}", "critical",
                        f"Staging casts {c.name} to a timestamp; a value that does not parse fails the build or "
                        "loses the event time.", name=f"{c.name}_parseable")
            expectation("expect_column_pair_values_a_to_be_greater_than_b",
                        f"{{column_A: _latest_possible_at, column_B: {c.name}__utc, or_equal: true, "
                        "ignore_row_if: either_value_is_missing}", "critical",
                        "A time later than the extraction that read it is in the future; usually a wrong source "
                        "time zone, which shifts every SLA clock.", name=f"{c.name}_not_after_extraction")
    for c in dates:
        expectation("expect_column_values_to_be_null", f"{{column: {c.name}__unparseable}}", "critical",
                    f"Staging casts {c.name} to a date; a value that does not parse fails the build.",
                    name=f"{c.name}_parseable")
    for c in stream.columns:
        if c.kind == "time":
            expectation("expect_column_values_to_match_regex", f"{{column: {c.name}, regex: {_quoted(TIME_REGEX)}}}",
                        "critical", "Working hours drive every business-minute clock; an unreadable time breaks "
                        "the calendar of the rep.")
    for c in stream.columns:
        if c.kind == "enum":
            expectation("expect_column_values_to_be_in_set",
                        f"\n      column: {c.name}\n      value_set: [{', '.join(c.values)}]", "critical",
                        f"{c.name} is an enum of the contract; an unknown value falls outside every rule that reads "
                        "it (handoffs, touches, priorities).")
        elif c.kind == "bool":
            expectation("expect_column_values_to_be_in_set", f"{{column: {c.name}, value_set: ['true', 'false']}}",
                        "critical", "The landing normalizes booleans to true/false; anything else is read as "
                        "unknown by staging.")
    expectation("expect_column_values_to_be_unique", "{column: _row_hash}", "warning",
                "The landing adds a version only once (by row hash); a repeat means a re-extraction was not "
                "idempotent. Staging deduplicates, so readers are safe.", name="versions_landed_once")
    if not stream.mutable:
        expectation("expect_column_values_to_be_unique", f"{{column: {stream.key}}}", "warning",
                    "An append-only event arrived again with different content; staging keeps the first version "
                    "and ignores the rewrite.", name="events_not_rewritten")
    return "\n".join(lines) + "\n"


def generated_files(streams: Iterable[Stream] = STREAMS) -> list[GeneratedFile]:
    """Every file the contract generates, in a stable order; raises ``ContractError`` for a bad contract."""
    streams = tuple(streams)
    unknown = sorted({s.system for s in streams} - set(SYSTEMS))
    if unknown:
        raise ContractError(f"streams.py: unknown system(s) {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    files = [
        GeneratedFile(sources_path(system), render_sources(system, [s for s in streams if s.system == system]))
        for system in SYSTEMS
    ]
    files += [GeneratedFile(contract_suite_path(s), render_contract_suite(s)) for s in streams]
    return files


def _stale(project_root: Path, files: list[GeneratedFile]) -> list[Path]:
    """Contract suites no stream generates any more (a stream removed from streams.py)."""
    folder = project_root / CONTRACT_SUITES_DIR
    wanted = {f.path for f in files}
    return sorted(p.relative_to(project_root) for p in folder.glob("*.yml") if p.relative_to(project_root) not in wanted)


def differing_files(project_root: Path, streams: Iterable[Stream] = STREAMS) -> list[Path]:
    """The generated files (relative to ``project_root``) whose committed text differs, is missing, or
    that no stream generates any more."""
    files = generated_files(streams)
    differing = []
    for generated in files:
        target = project_root / generated.path
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != generated.text:
            differing.append(generated.path)
    return differing + _stale(project_root, files)


def write_files(project_root: Path, streams: Iterable[Stream] = STREAMS) -> list[Path]:
    """Write every generated file under ``project_root`` and remove stale contract suites; returns
    the files changed or removed."""
    files = generated_files(streams)
    changed = []
    for generated in files:
        target = project_root / generated.path
        if target.is_file() and target.read_text(encoding="utf-8") == generated.text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated.text, encoding="utf-8")
        changed.append(generated.path)
    for stale in _stale(project_root, files):
        (project_root / stale).unlink()
        changed.append(stale)
    return changed
