"""The nightly export drop: day folders of JSON Lines and CSV files, and the mess of real exports.

Layout: ``<root>/<stream>/<YYYY-MM-DD>/part-NNNNN.<ext>``, a new part every 500,000 rows. CSV
files start with a header in contract order, quote per RFC 4180 (the ``csv`` module) and end lines
with ``\\n``; JSON Lines files hold one object per line keyed by the contract's column names.

Rows are buffered per stream and export day and appended to their files when the buffer is
full, so memory stays bounded whatever the scale. The writer also plays the export system: a
version is exported on the UTC day of its cursor, sometimes a few days late, sometimes again
unchanged on a later day, and a few rows are deliberately malformed. A ``LateExports`` schedule
(for property tests) delays rows of every stream further, on top of all that.
"""

from __future__ import annotations

import csv
import io
import queue
import random
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from lead_sla.demo.timefmt import EPOCH_ORDINAL
from lead_sla.sources.streams import STREAMS, get_stream

PART_ROWS = 500_000
FLUSH_ROWS = 100_000
STAGING_DIR = ".demo-generating"

# Share of versions exported late (1-3 days after their cursor day) and exported twice.
MUTABLE_MESS = (0.02, 0.015)
EVENT_MESS = (0.01, 0.005)

MALFORMED_KINDS = ("timestamp", "missing_key", "email", "enum", "integer")
# Streams that carry a malformed row of each kind, taken in turn.
MALFORMED_STREAMS: dict[str, tuple[str, ...]] = {
    "timestamp": ("web_sessions", "activities", "form_submissions", "lifecycle_changes"),
    "missing_key": ("form_submissions", "contacts", "activities", "email_events"),
    "email": ("form_submissions", "contacts", "email_events"),
    "enum": ("activities", "form_submissions", "email_events", "lifecycle_changes"),
    "integer": ("web_sessions", "companies"),
}
_BAD_TIMESTAMPS = ("2026-02-30 25:61:00", "31/02/2026 10:00", "yesterday 9am", "2026-13-01T10:00:00Z", "not a date")
_ENUM_TARGETS = {
    "form_submissions": ("form_type", "chatbot"),
    "email_events": ("event_type", "forward"),
    "activities": ("type", "sms"),
    "lifecycle_changes": ("to_stage", "evangelist"),
}
_INTEGER_TARGETS = {"web_sessions": ("pageviews", "seven"), "companies": ("employee_count", "about 200")}
_TIMESTAMP_TARGETS = {
    "web_sessions": "started_at", "activities": "occurred_at",
    "form_submissions": "submitted_at", "lifecycle_changes": "changed_at",
}


@dataclass(frozen=True)
class LateExports:
    """A late-export schedule: ``share`` of the rows of every stream are exported a uniformly drawn
    0 to ``max_delay_days`` days after the day they would be exported otherwise.

    Delays never push a row past the last day of the run: they are capped there, so no record is
    lost (a row due on the last day is not delayed at all). Malformed rows move like any other,
    and the summary's ``malformed_rows`` follow them. The draws come from the run's seed.
    """

    share: float
    max_delay_days: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"share must be between 0 and 1, got {self.share}")
        if self.max_delay_days < 0:
            raise ValueError(f"max_delay_days must be 0 or more, got {self.max_delay_days}")

    def delays(self, gen: np.random.Generator, n: int) -> np.ndarray:
        """Days of delay of ``n`` rows: 0 for those outside the share."""
        chosen = gen.random(n) < self.share
        return np.where(chosen, gen.integers(0, self.max_delay_days + 1, n), 0)


@dataclass(frozen=True)
class MalformedRow:
    """A deliberately malformed row: where it is (path relative to the export root, 1-based
    physical line, a CSV header being line 1) and what is wrong with it."""

    stream: str
    path: str
    line: int
    kind: str


@dataclass(frozen=True)
class PlannedMalformed:
    """A malformed row to inject into ``stream`` on or after export day ``day`` (epoch day)."""

    stream: str
    kind: str
    day: int


def plan_malformed(n: int, first_day: int, last_day: int, rng: random.Random) -> list[PlannedMalformed]:
    """``n`` malformed rows, kinds in turn, each kind's streams in turn, days drawn uniformly."""
    plan = []
    turn = dict.fromkeys(MALFORMED_KINDS, 0)
    for i in range(n):
        kind = MALFORMED_KINDS[i % len(MALFORMED_KINDS)]
        streams = MALFORMED_STREAMS[kind]
        stream = streams[turn[kind] % len(streams)]
        turn[kind] += 1
        plan.append(PlannedMalformed(stream, kind, rng.randint(first_day, last_day)))
    return plan


def corrupt(stream_name: str, kind: str, row: Any, serial: int) -> Any:
    """A copy of ``row`` (tuple in contract order, or dict) broken in the way ``kind`` names."""
    stream = get_stream(stream_name)
    names = stream.column_names
    values = dict(row) if isinstance(row, dict) else dict(zip(names, row))
    if kind == "timestamp":
        values[_TIMESTAMP_TARGETS.get(stream_name, stream.cursor)] = _BAD_TIMESTAMPS[serial % len(_BAD_TIMESTAMPS)]
    elif kind == "missing_key":
        if isinstance(row, dict):
            del values[stream.key]
        else:
            values[stream.key] = None
    elif kind == "email":
        email = str(values.get("email") or "someone@example.com").strip()
        values["email"] = email.replace("@", " at ") if "@" in email else email + " at example.com"
    elif kind == "enum":
        column, bad = _ENUM_TARGETS[stream_name]
        values[column] = bad
    elif kind == "integer":
        column, bad = _INTEGER_TARGETS[stream_name]
        values[column] = bad
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    if isinstance(row, dict):
        return values
    return tuple(values.get(n) for n in names)


def inject_lines(stream: str, lines: list[str], kinds: Sequence[str], serial: int) -> tuple[list[str], list[tuple[int, str]]]:
    """Add a malformed row of each of ``kinds`` to a block of JSON lines.

    Each is a broken copy of a different, evenly spaced line, placed right after it; ``serial``
    numbers them (it picks the variant of a bad value). Returns the lines and the (index, kind)
    of every inserted row.
    """
    if not kinds or not lines:
        return lines, []
    n = len(lines)
    extra: dict[int, list[tuple[str, str]]] = {}
    for k, kind in enumerate(kinds):
        at = min(n - 1, (k + 1) * n // (len(kinds) + 1))
        bad = corrupt(stream, kind, orjson.loads(lines[at]), serial + k)
        extra.setdefault(at, []).append((kind, orjson.dumps(bad).decode() + "\n"))
    out: list[str] = []
    marks: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        out.append(line)
        for kind, broken in extra.get(i, ()):
            marks.append((len(out), kind))
            out.append(broken)
    return out, marks


class _Appender:
    """Appends payloads to files on a background thread, in submission order.

    File writes release the GIL, so the disk works while the simulation computes. The queue is
    short, which bounds the memory held by payloads not yet written.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Path, bytes] | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-export-appender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    with open(item[0], "ab") as f:
                        f.write(item[1])
                except BaseException as exc:  # noqa: BLE001 - re-raised in the producer
                    self._error = exc

    def append(self, path: Path, payload: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((path, payload))

    def close(self) -> None:
        """Wait until everything is written; raise the first write error, if any."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class ExportWriter:
    """Writes the export tree into a staging folder; ``finish`` moves it into place."""

    def __init__(
        self,
        root: Path,
        first_day: date,
        last_day: date,
        malformed_plan: Sequence[PlannedMalformed],
        rng: random.Random,
        late_exports: LateExports | None = None,
        late_rng: np.random.Generator | None = None,
    ) -> None:
        if (late_exports is None) != (late_rng is None):
            raise ValueError("a late-export schedule needs its random generator, and only then")
        self.root = root
        self.staging = root / STAGING_DIR
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self.first_day = first_day.toordinal() - EPOCH_ORDINAL
        self.last_day = last_day.toordinal() - EPOCH_ORDINAL
        self.end_ts = (self.last_day + 1) * 86400
        self._rng = rng
        self._buffers: dict[tuple[str, int], list[Any]] = {}
        self._bad_in_buffer: dict[tuple[str, int], list[tuple[int, str]]] = {}
        self._buffered = 0
        self._parts: dict[tuple[str, int], tuple[int, int]] = {}  # (stream, day) -> (part, rows in part)
        self.files: list[str] = []
        self.rows = dict.fromkeys((s.name for s in STREAMS), 0)
        self.malformed: list[MalformedRow] = []
        self._pending: dict[str, list[PlannedMalformed]] = {}
        for item in sorted(malformed_plan, key=lambda p: (p.stream, p.day)):
            self._pending.setdefault(item.stream, []).append(item)
        self._serial = 0
        self._last: dict[str, tuple[int, Any]] = {}
        self._appender: _Appender | None = None
        self._late = None if late_exports is None or late_rng is None else (late_exports, late_rng)

    # --- export policy ------------------------------------------------------------------------

    def export_day(self, t: int) -> int:
        """The folder day of a version whose cursor is instant ``t`` (older versions: the first day)."""
        return max(self.first_day, t // 86400)

    def emit(self, stream: str, t: int, row: Any, mutable: bool = True) -> None:
        """Export one record version with cursor instant ``t``; versions after the period are dropped."""
        if t >= self.end_ts:
            return
        day = t // 86400
        if day < self.first_day:
            day = self.first_day
        late, dup = MUTABLE_MESS if mutable else EVENT_MESS
        r = self._rng.random()
        if r < late:
            day = min(self.last_day, day + 1 + int(3 * self._rng.random()))
        self.add(stream, day, row)
        if r > 1.0 - dup:
            again = day + 1 + int(5 * self._rng.random())
            if again <= self.last_day:
                self.add(stream, again, row)

    # --- buffering ----------------------------------------------------------------------------

    def add(self, stream: str, day: int, row: Any) -> None:
        """Append a row to a day's export: for CSV a tuple in contract order (booleans as the
        strings ``true``/``false``, None for empty), for JSON Lines a dict."""
        key = (stream, day)
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = []
        is_json = isinstance(row, dict)
        buf.append(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) if is_json else row)
        self._buffered += 1
        pending = self._pending.get(stream)
        if pending:
            self._last[stream] = (day, row)  # the fallback carrier of malformed rows still due
            if pending[0].day <= day:
                item = pending.pop(0)
                self._bad_in_buffer.setdefault(key, []).append((len(buf), item.kind))
                bad = corrupt(stream, item.kind, row, self._serial)
                buf.append(orjson.dumps(bad, option=orjson.OPT_APPEND_NEWLINE) if is_json else bad)
                self._serial += 1
                self._buffered += 1
        if self._buffered >= FLUSH_ROWS:
            self.flush()

    def take_malformed(self, stream: str, day: int) -> list[str]:
        """Kinds of the malformed rows due in ``stream`` by ``day``, for callers writing whole blocks."""
        pending = self._pending.get(stream)
        kinds = []
        while pending and pending[0].day <= day:
            kinds.append(pending.pop(0).kind)
        return kinds

    def reserve_serials(self, n: int) -> int:
        """Number ``n`` malformed rows made outside the writer; returns the first number."""
        first = self._serial
        self._serial += n
        return first

    def inject(self, stream: str, day: int, lines: list[str]) -> tuple[list[str], list[tuple[int, str]]]:
        """Add the malformed rows due in ``stream`` by ``day`` to a block of JSON lines (see
        ``inject_lines``)."""
        kinds = self.take_malformed(stream, day)
        return inject_lines(stream, lines, kinds, self.reserve_serials(len(kinds)))

    def flush(self) -> None:
        """Append every buffered row to its file."""
        for (stream, day), rows in self._buffers.items():
            self._write(stream, day, rows, self._bad_in_buffer.get((stream, day), []))
        self._buffers.clear()
        self._bad_in_buffer.clear()
        self._buffered = 0

    def write_lines(self, stream: str, day: int, lines: list[str], bad: Sequence[tuple[int, str]] = ()) -> None:
        """Append pre-formatted JSON lines (each ending in a newline) to a day's export."""
        self._write(stream, day, lines, bad)

    def write_payload(self, stream: str, day: int, payload: bytes, n_lines: int,
                      bad: Sequence[tuple[int, str]] = ()) -> None:
        """Append ``n_lines`` pre-formatted JSON lines given as one UTF-8 payload."""
        part, in_part = self._parts.get((stream, day), (0, 0))
        if in_part + n_lines > PART_ROWS:
            self._write(stream, day, payload.decode().splitlines(keepends=True), bad)
        else:
            self._write(stream, day, [payload], bad, n_rows=n_lines)

    def _path(self, stream: str, day: int, part: int) -> str:
        ext = get_stream(stream).file_format
        d = date.fromordinal(day + EPOCH_ORDINAL).isoformat()
        return f"{stream}/{d}/part-{part:05d}.{ext}"

    def _write(self, stream: str, day: int, rows: Sequence[Any], bad: Sequence[tuple[int, str]],
               n_rows: int | None = None) -> None:
        """Append rows to the day's export (see ``_append``); under a late-export schedule, each row
        to the day its delay gives. Every row passes here once, whichever way it was handed over."""
        if self._late is None:
            self._append(stream, day, rows, bad, n_rows)
            return
        for late_day, late_rows, late_bad in self._delayed(day, rows, bad, n_rows):
            self._append(stream, late_day, late_rows, late_bad)

    def _delayed(self, day: int, rows: Sequence[Any], bad: Sequence[tuple[int, str]],
                 n_rows: int | None) -> list[tuple[int, list[Any], list[tuple[int, str]]]]:
        """The rows grouped by their day under the late-export schedule (capped at the last day),
        each group in the rows' order, with the malformed marks renumbered within it."""
        assert self._late is not None
        schedule, gen = self._late
        items: list[Any] = list(rows) if n_rows is None else rows[0].splitlines(keepends=True)
        days = np.minimum(self.last_day, day + schedule.delays(gen, len(items)))
        kinds = dict(bad)
        groups = []
        for target in np.unique(days).tolist():
            picked = np.flatnonzero(days == target).tolist()
            marks = [(j, kinds[i]) for j, i in enumerate(picked) if i in kinds]
            groups.append((int(target), [items[i] for i in picked], marks))
        return groups

    def _append(self, stream: str, day: int, rows: Sequence[Any], bad: Sequence[tuple[int, str]],
                n_rows: int | None = None) -> None:
        """Append rows to the day's current part, opening new parts as they fill up.

        ``rows`` are CSV tuples, JSON lines (str or bytes), or, with ``n_rows``, a single payload
        already known to fit in the current part.
        """
        spec = get_stream(stream)
        is_csv = spec.file_format == "csv"
        part, in_part = self._parts.get((stream, day), (0, 0))
        total = len(rows) if n_rows is None else n_rows
        done = 0
        while done < total:
            take = min(total - done, PART_ROWS - in_part)
            rel = self._path(stream, day, part)
            path = self.staging / rel
            new = in_part == 0
            if new:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.files.append(rel)
            if n_rows is not None:
                payload = rows[0]
            elif is_csv:
                text = io.StringIO()
                out = csv.writer(text, lineterminator="\n")
                if new:
                    out.writerow(spec.column_names)
                out.writerows(rows[done:done + take])
                payload = text.getvalue().encode()
            else:
                chunk = rows[done:done + take]
                payload = b"".join(chunk) if isinstance(chunk[0], bytes) else "".join(chunk).encode()
            if self._appender is None:
                self._appender = _Appender()
            self._appender.append(path, payload)
            header = 1 if is_csv else 0
            for i, kind in bad:
                if done <= i < done + take:
                    self.malformed.append(MalformedRow(stream, rel, header + in_part + (i - done) + 1, kind))
            in_part += take
            done += take
            self.rows[stream] += take
            if in_part >= PART_ROWS:
                part, in_part = part + 1, 0
        self._parts[(stream, day)] = (part, in_part)

    # --- the end ------------------------------------------------------------------------------

    def finish(self) -> None:
        """Place leftover malformed rows, flush, and move the staged streams into ``root``."""
        for stream, pending in self._pending.items():
            while pending and stream in self._last:
                item = pending.pop(0)
                day, row = self._last[stream]
                key = (stream, day)
                buf = self._buffers.setdefault(key, [])
                self._bad_in_buffer.setdefault(key, []).append((len(buf), item.kind))
                bad = corrupt(stream, item.kind, row, self._serial)
                buf.append(orjson.dumps(bad, option=orjson.OPT_APPEND_NEWLINE) if isinstance(bad, dict) else bad)
                self._serial += 1
        self.flush()
        self.drain()
        for spec in STREAMS:
            target = self.root / spec.name
            if target.exists():
                shutil.rmtree(target)
            staged = self.staging / spec.name
            if staged.exists():
                staged.rename(target)
        shutil.rmtree(self.staging)


    def drain(self) -> None:
        """Wait until every payload handed over is on disk and stop the I/O thread (the next
        write starts a new one). Raises the first write error, if any."""
        appender, self._appender = self._appender, None
        if appender is not None:
            appender.close()

    def abort(self) -> None:
        """Stop writing and remove the staging folder (after a failure); the old export stays."""
        try:
            self.drain()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
