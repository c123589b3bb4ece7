"""Declarative source mappings: how someone else's export becomes our streams.

A mapping file (YAML, under ``config/sources/``) says, per target stream, which files to
read and how to turn their columns into the stream's columns:

```yaml
name: olist
timezone: America/Sao_Paulo          # zone of timestamps that carry no offset
encoding: utf-8                      # of the text files: a codec name, or auto (utf-8, cp1252, latin-1)
missing_values: ["", "unknown"]      # placeholders that mean "missing", for every column
loads:
  - stream: contacts
    files: "olist_marketing_qualified_leads_dataset.csv"   # glob under the landing folder
    date_columns: [created_at]        # calendar dates, stored at 12:00 UTC of the day
    where: "origin <> 'test'"         # rows to keep (DuckDB SQL over source columns)
    columns:                          # target column: DuckDB SQL expression over source columns
      contact_id: mql_id
      source: origin
      created_at: first_contact_date
      lifecycle_stage: "'mql'"
    values:                           # value maps applied after the expressions
      source: {paid_search: paid}
  - stream: users
    files: "reps/*/reps.csv"
    lookups:                          # another file set of the export, joined on a key
      teams: {files: "teams/*/teams.csv", key: Team, on: team_name}
    columns:
      manager_id: teams.Manager       # <lookup>.<column>
  - stream: companies
    files: "accounts/*/accounts.csv"
    snapshot: true                    # each file is the whole stream on its export day: versions by difference
```

Columns not named under ``columns`` are taken from the source column of the same name
(identity, case-insensitive), so the demo exports need no ``columns`` at all. Source columns
that no load of the file maps land too, as extra raw columns of one stream (a new column never
gets lost): the first load of the file, or those with ``extra_columns: true``. The file is read as text: ``NO`` stays ``NO``. Every key is described in
``docs/mappings.md``.
"""

from __future__ import annotations

import codecs
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator,
)

from lead_sla.sources.streams import STREAMS_BY_NAME, Stream

FileFormat = Literal["csv", "jsonl", "parquet"]
AUTO_ENCODING = "auto"
_FORMAT_BY_SUFFIX: dict[str, FileFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_DAY_IN_PATH = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


class MappingError(ValueError):
    """A mapping file is invalid; the message names the file and the place."""


class _TextLoader(yaml.SafeLoader):
    """YAML that keeps every plain scalar as the text typed, except ``null``, ``~`` and empty.

    Every value of a mapping is text (names, globs, SQL, values to match), and YAML 1.1's
    guesses lose what was typed: ``NO`` becomes false (Norway's country code), ``007`` becomes 7,
    ``1.10`` becomes 1.1. Quoting is not needed; only null stays null, meaning "not set".
    """


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError(
            "null (or nothing) where text is expected: to match or write the text null, quote it (\"null\"); "
            "to make a value missing, list it under missing_values"
        )
    return value


# Text in value maps and missing values: null there is almost always a slip, so it is refused.
Text = Annotated[str, BeforeValidator(_not_null)]


def _check_zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {zone!r}") from None
    return zone


def _check_encoding(name: str) -> str:
    """``auto``, or a Python codec that reads ASCII bytes as ASCII (so line breaks, commas and quotes
    are found in the bytes before decoding): utf-8, cp1252, latin-1, iso-8859-15 and the like."""
    if name.strip().lower() == AUTO_ENCODING:
        return AUTO_ENCODING
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}; use auto or a codec name such as utf-8, cp1252 or latin-1") from None
    ascii_bytes = bytes(range(128))
    try:
        keeps_ascii = ascii_bytes.decode(name) == ascii_bytes.decode("ascii")
    except UnicodeDecodeError:
        keeps_ascii = False
    if not keeps_ascii:
        raise ValueError(
            f"encoding {name!r} is not supported: an export's encoding must keep ASCII bytes as ASCII "
            "(as utf-8, cp1252 and latin-1 do); convert the file to UTF-8 first"
        )
    return name


_LOOKUP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Lookup(BaseModel):
    """Another file set of the same export, joined to each record: ``<name>.<column>`` in SQL."""

    model_config = ConfigDict(extra="forbid")

    files: str = Field(description="glob, relative to the landing folder")
    key: str = Field(min_length=1, description="the lookup files' column that identifies a row")
    on: str = Field(min_length=1, description="DuckDB SQL over the load's source columns: the key to look up")
    format: FileFormat | None = None
    encoding: str | None = Field(default=None, description="text encoding of the lookup files; the load's when unset")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, name: str | None) -> str | None:
        return None if name is None else _check_encoding(name)


class StreamLoad(BaseModel):
    """How one target stream is read from a set of files."""

    model_config = ConfigDict(extra="forbid")

    stream: str
    files: str = Field(description="glob, relative to the landing folder")
    name: str | None = Field(
        default=None, min_length=1,
        description="stable name of this load's file bookkeeping; default <stream>:<files>[#n]",
    )
    format: FileFormat | None = None
    encoding: str | None = Field(default=None, description="text encoding of the files; the mapping's when unset")
    timezone: str | None = None
    timestamp_format: str | None = Field(
        default=None, description="strptime format of naive timestamps; ISO-8601 when unset"
    )
    date_columns: list[str] = Field(
        default_factory=list, description="timestamp columns whose values are calendar dates (stored at 12:00 UTC)"
    )
    date_format: str | None = Field(default=None, description="strptime format of date_columns; ISO-8601 when unset")
    missing_values: list[Text] | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[Text, Text]] = Field(default_factory=dict)
    where: str | None = Field(
        default=None, description="DuckDB SQL condition over the source columns; rows it does not accept are skipped"
    )
    lookups: dict[str, Lookup] = Field(
        default_factory=dict,
        description="name -> another file set joined on a key; its columns are <name>.<column> in columns and where",
    )
    snapshot: bool = Field(
        default=False,
        description="each file is the whole stream as of its export day: versions are derived by difference",
    )
    extra_columns: bool | None = Field(
        default=None,
        description="land the file's unmapped columns as extra raw columns of this stream; default: only the "
                    "first load of the file does (or the loads that say true)",
    )

    @field_validator("stream")
    @classmethod
    def _known_stream(cls, name: str) -> str:
        if name not in STREAMS_BY_NAME:
            raise ValueError(f"unknown stream {name!r}; known: {', '.join(STREAMS_BY_NAME)}")
        return name

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        return None if zone is None else _check_zone(zone)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, name: str | None) -> str | None:
        return None if name is None else _check_encoding(name)

    @field_validator("lookups")
    @classmethod
    def _lookup_names(cls, lookups: dict[str, Lookup]) -> dict[str, Lookup]:
        for name in lookups:
            if not _LOOKUP_NAME.match(name) or name.startswith("_"):
                raise ValueError(f"lookup name {name!r} must be a plain SQL name (letters, digits, _; not starting with _)")
        return lookups

    @field_validator("date_columns")
    @classmethod
    def _date_columns_are_timestamps(cls, names: list[str], info: ValidationInfo) -> list[str]:
        stream = STREAMS_BY_NAME.get(info.data.get("stream", ""))
        if stream is None:
            return names  # an unknown stream is reported on its own
        for name in names:
            if name not in stream.column_names:
                raise ValueError(f"stream {stream.name!r} has no column {name!r}")
            if stream.column(name).kind != "timestamp":
                raise ValueError(f"{name!r} is not a timestamp column of stream {stream.name!r}")
        return names

    @model_validator(mode="after")
    def _targets_exist(self) -> "StreamLoad":
        stream = STREAMS_BY_NAME[self.stream]
        for target in [*self.columns, *self.values]:
            if target not in stream.column_names:
                raise ValueError(f"stream {self.stream!r} has no column {target!r}")
        if self.snapshot and not stream.mutable:
            raise ValueError(f"snapshot: stream {self.stream!r} keeps every record once (its records never change); "
                             "only streams of versioned records can be read from snapshots")
        if self.snapshot and (stream.cursor in self.columns or stream.cursor in self.date_columns):
            raise ValueError(f"snapshot: {stream.cursor} is the snapshot's export day (12:00 UTC), not a column "
                             "to map; remove it from columns")
        return self

    @property
    def contract(self) -> Stream:
        return STREAMS_BY_NAME[self.stream]


class SourceMapping(BaseModel):
    """A whole mapping file: defaults plus one ``StreamLoad`` per target stream and file set."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    timezone: str = "UTC"
    timezones: dict[Literal["marketing", "crm"], str] = Field(default_factory=dict)
    encoding: str = "utf-8"
    missing_values: list[Text] = Field(default_factory=lambda: [""])
    loads: list[StreamLoad]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str) -> str:
        return _check_zone(zone)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, name: str) -> str:
        return _check_encoding(name)

    @model_validator(mode="after")
    def _load_keys_differ(self) -> "SourceMapping":
        first_of: dict[str, int] = {}
        for index, key in enumerate(self.load_keys):
            if key in first_of:
                raise ValueError(f"loads.{index}: load name {key!r} is already used by loads.{first_of[key]}")
            first_of[key] = index
        return self

    @property
    def load_keys(self) -> list[str]:
        """Each load's bookkeeping key, in order: its ``name``, else ``<stream>:<files>``, with ``#2``,
        ``#3``… for the second and later loads of the same stream and files."""
        keys: list[str] = []
        seen: dict[str, int] = {}
        for load in self.loads:
            derived = f"{load.stream}:{load.files}"
            seen[derived] = seen.get(derived, 0) + 1
            keys.append(load.name or (derived if seen[derived] == 1 else f"{derived}#{seen[derived]}"))
        return keys

    def load_key(self, load: StreamLoad) -> str:
        """The bookkeeping key of ``load`` (one of this mapping's loads): which files it has landed."""
        for candidate, key in zip(self.loads, self.load_keys):
            if candidate is load:
                return key
        raise ValueError(f"load {load.stream}:{load.files} is not one of mapping {self.name!r}'s loads")

    @field_validator("timezones")
    @classmethod
    def _zones(cls, zones: dict[str, str]) -> dict[str, str]:
        return {system: _check_zone(zone) for system, zone in zones.items()}

    def zone_for(self, load: StreamLoad) -> str:
        """Zone of naive timestamps for ``load``: its own, else its system's, else the file default."""
        return load.timezone or self.timezones.get(load.contract.system) or self.timezone

    def encoding_for(self, load: StreamLoad) -> str:
        """Text encoding of ``load``'s files: its own, else the mapping's (UTF-8 unless set)."""
        return load.encoding or self.encoding

    def missing_for(self, load: StreamLoad) -> list[str]:
        return load.missing_values if load.missing_values is not None else self.missing_values

    def keeps_extras(self, load: StreamLoad, readers: list[StreamLoad]) -> bool:
        """Whether ``load`` lands the unmapped columns of a file that ``readers`` (this mapping's loads
        reading it, in mapping order, ``load`` among them) all read: its own ``extra_columns``, else
        true only for the first reader that does not say false, and only when no reader says true."""
        if load.extra_columns is not None:
            return load.extra_columns
        if any(reader.extra_columns for reader in readers):
            return False
        first = next((reader for reader in readers if reader.extra_columns is not False), None)
        return first is load

    def loads_for(self, stream: str) -> list[StreamLoad]:
        return [load for load in self.loads if load.stream == stream]

    @property
    def streams(self) -> list[str]:
        """Target streams in contract order, each once."""
        wanted = {load.stream for load in self.loads}
        return [name for name in STREAMS_BY_NAME if name in wanted]


def load_mapping(path: Path) -> SourceMapping:
    """Read and validate a mapping file, raising ``MappingError`` that names the file and field."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextLoader)  # noqa: S506 - a SafeLoader
    except FileNotFoundError:
        raise MappingError(f"{path}: mapping file not found") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from None
    try:
        return SourceMapping.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_place(err['loc'])}: {err['msg']}" if err["loc"] else err["msg"] for err in exc.errors()
        )
        raise MappingError(f"{path}: {problems}") from None


def _place(loc: tuple[int | str, ...]) -> str:
    """Where in the mapping an error is: ``loads.0.values.country``, and ``(key …)`` when a key is wrong."""
    if loc and loc[-1] == "[key]":
        key = "null" if loc[-2] in (None, "None") else repr(loc[-2])
        return f"{'.'.join(str(p) for p in loc[:-2])} (key {key})"
    return ".".join(str(p) for p in loc)


def file_format(load: StreamLoad | Lookup, path: Path) -> FileFormat:
    """The declared format of ``load`` (or lookup), else the one the file's suffix implies."""
    if load.format:
        return load.format
    try:
        return _FORMAT_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise MappingError(f"{path}: cannot tell the file format from its suffix; set `format` in the mapping") from None


def export_date_of(relative_path: str) -> date | None:
    """The export day of a file, from the last ``YYYY-MM-DD`` folder or name part in its path."""
    found = _DAY_IN_PATH.findall(relative_path)
    return date.fromisoformat(found[-1]) if found else None
