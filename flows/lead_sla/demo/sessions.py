"""Web sessions: the anonymous crowd, generated day by day, merged with the leads' own visits.

Anonymous traffic is drawn per day with numpy from a generator seeded by (seed, day), so a day
never depends on the others and memory holds only the few days being rendered. Leads' sessions (before their
first form, the form visits, and later visits such as the pricing page) are logged compactly by
the CRM simulation and merged into their day. Visitor and session ids are bijective scrambles
of serial numbers: unique, stable, and not revealing which visitors became leads.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult

import numpy as np
import orjson

from lead_sla.demo.campaigns import TrafficBook
from lead_sla.demo.timefmt import MARKETING_OFFSET_WEIGHTS, TimeText, epoch
from lead_sla.demo.vocabulary import LANDING_PAGES
from lead_sla.demo.writer import ExportWriter, inject_lines

MASK48 = (1 << 48) - 1
VISITOR_SALT = 0x5DEECE66D1
SESSION_SALT = 0x9E3779B97F4B
LEAD_SESSION_BASE = 1 << 44  # lead session serials; anonymous ones are day * 2**24 + n
SESSIONS_PER_LEAD = 31.0  # total web sessions per lead: 30M sessions for 1M leads
NEW_VISITOR_SHARE = 0.92  # most anonymous visits come from a cookie never seen before
HOUR_WEIGHTS_UTC = np.array([0.9, 0.7, 0.6, 0.6, 0.7, 0.9, 1.3, 1.9, 2.6, 3.0, 3.1, 3.0, 3.0, 3.3, 3.7,
                             3.9, 3.8, 3.5, 3.0, 2.6, 2.2, 1.8, 1.4, 1.1])
_LINE = ('{"session_id":"%012x","visitor_id":"%012x","started_at":"%sT%s%s","ended_at":"%sT%s%s",'
         '"landing_page":%s%s,"pageviews":%d}\n')
PARALLEL_FROM_SESSIONS = 2_000_000  # below this a process pool costs more than it saves
PAGE_JSON = np.array([orjson.dumps(p).decode() for p in LANDING_PAGES], dtype=object)


def scramble(x: int, salt: int) -> int:
    """A bijection of 48-bit serials: distinct serials give distinct, random-looking ids."""
    return ((x + 1) * salt) & MASK48


def scramble_array(x: np.ndarray, salt: int) -> np.ndarray:
    """Vectorised ``scramble`` (uint64 arithmetic wraps modulo 2**64, a multiple of 2**48)."""
    return ((x.astype(np.uint64) + np.uint64(1)) * np.uint64(salt)) & np.uint64(MASK48)


class LeadSessionLog:
    """Compact columns of the leads' own sessions, appended by the CRM simulation."""

    def __init__(self) -> None:
        self.visitor = array("q")
        self.start = array("q")
        self.duration = array("i")
        self.page = array("h")
        self.combo = array("i")
        self.pageviews = array("h")

    def add(self, visitor: int, start: int, duration: int, page: int, combo: int, pageviews: int) -> None:
        self.visitor.append(visitor)
        self.start.append(start)
        self.duration.append(duration)
        self.page.append(page)
        self.combo.append(combo)
        self.pageviews.append(pageviews)

    def __len__(self) -> int:
        return len(self.start)

    def clear(self) -> None:
        """Release the log's memory (the session writer consumes it)."""
        self.__init__()  # type: ignore[misc]

    def columns(self) -> dict[str, np.ndarray]:
        """The columns as numpy arrays sharing the log's memory."""
        dtypes = {"visitor": np.int64, "start": np.int64, "duration": np.int32, "page": np.int16,
                  "combo": np.int32, "pageviews": np.int16}
        return {name: np.frombuffer(getattr(self, name), dtype=dt) if len(self) else np.zeros(0, dtype=dt)
                for name, dt in dtypes.items()}


@dataclass
class _Block:
    """Sessions of one export day, as arrays."""

    serial: np.ndarray
    visitor: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    page: np.ndarray
    combo: np.ndarray
    pageviews: np.ndarray
    no_end: np.ndarray

    @staticmethod
    def concat(blocks: list["_Block"]) -> "_Block":
        return _Block(*(np.concatenate([getattr(b, f) for b in blocks]) for f in _Block.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> "_Block":
        return _Block(*(getattr(self, f)[idx] for f in _Block.__dataclass_fields__))


def _anonymous_day(
    day_no: int, day_index: int, n: int, n_new: int, visitor_base: int, visitor_floor: int,
    traffic: TrafficBook, seed: int,
) -> _Block:
    gen = np.random.default_rng([seed, 101, day_index])
    hour = gen.choice(24, size=n, p=HOUR_WEIGHTS_UTC / HOUR_WEIGHTS_UTC.sum())
    start = day_no * 86400 + hour * 3600 + gen.integers(0, 3600, n)
    visitor = gen.integers(max(visitor_floor, visitor_base + n_new - 2_000_000), visitor_base + n_new, n)
    new_rows = gen.permutation(n)[:n_new]
    visitor[new_rows] = visitor_base + np.arange(n_new)
    combo = traffic.pick_many(day_no, n, gen)
    page = traffic.page_table[combo, gen.integers(0, 1 << 30, n) % traffic.page_count[combo]]
    bounce = gen.random(n) < 0.45
    duration = np.where(bounce, gen.integers(2, 40, n), np.exp(gen.normal(np.log(180), 1.0, n)).astype(np.int64) + 20)
    duration = np.minimum(duration, 4 * 3600)
    pageviews = np.where(bounce, 1, 1 + np.minimum(gen.poisson(duration / 90.0), 40))
    no_end = gen.random(n) < 0.01
    serial = day_index * (1 << 24) + np.arange(n)
    return _Block(serial, visitor, start, duration, page.astype(np.int64), combo, pageviews, no_end)


@dataclass(frozen=True)
class _Day:
    """Everything needed to render one day's sessions file, independent of every other day."""

    index: int
    day_no: int
    n_anon: int
    n_new: int
    visitor_base: int
    leads: _Block
    malformed: tuple[str, ...]
    serial: int


@dataclass(frozen=True)
class _Shared:
    traffic: TrafficBook
    tt: TimeText
    seed: int
    visitor_floor: int


_SHARED: list[_Shared] = []  # a worker process's copy of the shared context


def _init_worker(shared: _Shared) -> None:
    _SHARED[:] = [shared]


def _render_in_worker(day: _Day) -> tuple[bytes, int, list[tuple[int, str]]]:
    return _render(day, _SHARED[0])


def _render(day: _Day, shared: _Shared) -> tuple[bytes, int, list[tuple[int, str]]]:
    """One day's sessions as a UTF-8 payload of JSON lines sorted by start, with its malformed rows."""
    traffic, tt, seed = shared.traffic, shared.tt, shared.seed
    anon = _anonymous_day(day.day_no, day.index, day.n_anon, day.n_new, day.visitor_base, shared.visitor_floor,
                          traffic, seed)
    block = _Block.concat([day.leads, anon])
    block = block.take(np.argsort(block.start, kind="stable"))
    n = len(block.start)
    if n == 0:
        return b"", 0, []
    gen = np.random.default_rng([seed, 102, day.index])
    form = gen.choice(len(MARKETING_OFFSET_WEIGHTS), size=n, p=np.array(MARKETING_OFFSET_WEIGHTS))
    s_date, s_time, suffix = tt.iso_columns(block.start, form)
    e_date, e_time, _ = tt.iso_columns(block.start + block.duration, form)
    lines = [
        _LINE % row for row in zip(
            scramble_array(block.serial, SESSION_SALT).tolist(), scramble_array(block.visitor, VISITOR_SALT).tolist(),
            s_date, s_time, suffix, e_date, e_time, suffix,
            PAGE_JSON[block.page].tolist(), traffic.tags[block.combo].tolist(), block.pageviews.tolist(),
        )
    ]
    for i in np.flatnonzero(block.no_end).tolist():
        # The tool lost the end of a few sessions: ended_at is null.
        row = orjson.loads(lines[i])
        row["ended_at"] = None
        lines[i] = orjson.dumps(row).decode() + "\n"
    lines, bad = inject_lines("web_sessions", lines, day.malformed, day.serial)
    return "".join(lines).encode(), len(lines), bad


def write_sessions(
    log: LeadSessionLog, n_leads: int, traffic: TrafficBook, writer: ExportWriter, tt: TimeText,
    first_day: date, last_day: date, seed: int, workers: int | None = None,
) -> None:
    """Write every day's web sessions: anonymous traffic plus the leads' visits, sorted by start.

    Days are rendered independently (in ``workers`` processes for large runs; the files are the
    same whatever the number) and written in day order. Consumes ``log`` (it is cleared once its
    sessions are taken over).
    """
    n_days = (last_day - first_day).days + 1
    first_no = epoch(first_day) // 86400
    end_ts = epoch(last_day) + 86400
    master = np.random.default_rng([seed, 100])

    # Leads' sessions inside the period, with the export system's mess: a few exported a day
    # late, a few exported again on the next day. Each day gathers its rows through an index
    # sorted by export day, so no second copy of all lead sessions is ever made.
    cols = log.columns()
    inside = np.flatnonzero((cols["start"] >= epoch(first_day)) & (cols["start"] < end_ts))
    lead_all = _Block(
        serial=LEAD_SESSION_BASE + inside, visitor=cols["visitor"][inside], start=cols["start"][inside],
        duration=cols["duration"][inside], page=cols["page"][inside], combo=cols["combo"][inside],
        pageviews=cols["pageviews"][inside], no_end=master.random(len(inside)) < 0.01,
    )
    del cols
    log.clear()
    day = lead_all.start // 86400
    r = master.random(len(inside))
    day = np.where(r < 0.004, np.minimum(first_no + n_days - 1, day + 1), day)
    dup = np.flatnonzero((r > 0.997) & (day + 1 < first_no + n_days))
    row_of = np.concatenate([np.arange(len(inside)), dup])
    day = np.concatenate([day, day[dup] + 1])
    order = np.argsort(day, kind="stable")
    row_of = row_of[order]
    day_bounds = np.searchsorted(day[order], first_no + np.arange(n_days + 1))
    del day, order, r

    # Anonymous volume per day: weekday-heavy, growing a little; new cookies counted up front so
    # every day knows its visitor serials without generating the days before it.
    anon_total = max(0.0, SESSIONS_PER_LEAD * n_leads - len(inside))
    weekday = (first_day.weekday() + np.arange(n_days)) % 7
    w = np.where(weekday >= 5, 0.55, 1.0) * (1.0 + 0.2 * np.arange(n_days) / max(1, n_days))
    n_anon = master.poisson(anon_total * w / w.sum())
    n_new = master.binomial(n_anon, NEW_VISITOR_SHARE)
    visitor_base = 2 * n_leads + np.concatenate([[0], np.cumsum(n_new)[:-1]])
    shared = _Shared(traffic, tt, seed, 2 * n_leads)

    def days() -> Iterator[_Day]:
        for d in range(n_days):
            kinds = tuple(writer.take_malformed("web_sessions", first_no + d))
            yield _Day(d, first_no + d, int(n_anon[d]), int(n_new[d]), int(visitor_base[d]),
                       lead_all.take(row_of[day_bounds[d]:day_bounds[d + 1]]), kinds, writer.reserve_serials(len(kinds)))

    if workers is None:
        big = anon_total + len(inside) >= PARALLEL_FROM_SESSIONS
        workers = min(2, os.cpu_count() or 1) if big else 1
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        # Forked workers: "spawn" would re-run the caller's main module, which hangs the pool
        # when a script lacks the __main__ guard. The children only render days; they never
        # touch the writer, whose I/O thread is drained first so none of ours runs at the fork.
        writer.drain()
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_init_worker, initargs=(shared,)) as pool:
            # At most two days per worker in flight: rendered days never pile up in memory.
            in_flight: deque = deque()
            for plan in days():
                in_flight.append((plan.day_no, pool.apply_async(_render_in_worker, (plan,))))
                if len(in_flight) >= 2 * workers:
                    _write_rendered(writer, *in_flight.popleft())
            while in_flight:
                _write_rendered(writer, *in_flight.popleft())
    else:
        for d, plan in enumerate(days()):
            payload, n, bad = _render(plan, shared)
            if n:
                writer.write_payload("web_sessions", first_no + d, payload, n, bad)


def _write_rendered(writer: ExportWriter, day_no: int, result: AsyncResult) -> None:
    payload, n, bad = result.get()
    if n:
        writer.write_payload("web_sessions", day_no, payload, n, bad)
