"""Benchmark: how fast, how big, and how far from the engine's own floor.

For each scale (number of leads; the demo generator writes about 30 web sessions per lead):

1. ``lead-sla generate`` writes ``--days`` + 1 days of exports (the last day is left for step 3);
2. the **full build**: ``lead-sla run --date <day before last>`` on an empty warehouse;
3. one **incremental** nightly day on top: ``lead-sla run --date <last day>``;
4. the **engine floor**: the dbt project's compiled models run as plain ``CREATE OR REPLACE
   VIEW/TABLE ... AS <compiled SQL>`` statements, in dependency order, in ONE DuckDB
   connection, on a copy of the raw, config and reference schemas the full build started from.

Every measured command runs as a child process with ``LEAD_SLA_*`` pointing into a per-scale
work folder (never the repository's ``warehouse/``); its wall time comes from the clock, its
peak RSS from ``os.wait4`` (the kernel's high-water mark of the child and the descendants it
reaped) and from sampling the RSS of the whole process tree (Prefect's temporary API server is
a separate process). Stage times come from the run log, ``ops.run_stages``; per-model dbt times
from ``<warehouse dir>/dbt_target/run_results.json``.

The machine is shared and noisy: the numbers that matter are the ratios measured in the same
run (dbt stage / floor, end to end / floor, incremental / full). Results go to
``<out>/<timestamp>.json`` and ``<out>/<timestamp>.md``; the table is also printed.

Usage: ``.venv/bin/python bench/run.py --scales 10000,100000,1000000 --days 365 --out bench/results``
(see ``bench/README.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MEMORY_LIMIT = "6GB"  # the pipeline's default LEAD_SLA_DUCKDB_MEMORY_LIMIT; the floor gets the same
FLOOR_WORKER = "_floor-worker"  # hidden first argument: run the floor plan in this (child) process

# The targets of the issue, at TARGET_LEADS leads (30 M web sessions over 365 days).
TARGET_LEADS = 1_000_000
FULL_BUILD_FLOOR_FACTOR = 1.5
FULL_BUILD_FLOOR_SLACK_SECONDS = 15.0
INCREMENTAL_MAX_SECONDS = 60.0
INCREMENTAL_MAX_SHARE_OF_FULL = 0.10
PEAK_MEMORY_MAX_BYTES = 8 * 10**9  # "8 GB", read strictly (not 8 GiB)
GENERATOR_MAX_SECONDS = 300.0

SAMPLE_INTERVAL_SECONDS = 0.2
STDERR_TAIL_LINES = 25
SLOWEST_MODELS = 12
BENCH_MARKER = ".lead-sla-bench"  # marks a per-scale folder this script created (safe to wipe)
REPORTING_TIMEZONE = "America/New_York"  # set for the runs and passed to the floor's compile alike


# --------------------------------------------------------------------------------------------
# The dbt manifest -> the engine floor's statements (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorStatement:
    """One model of the floor: ``CREATE OR REPLACE <kind> <relation> AS <sql>``."""

    unique_id: str
    name: str
    materialized: str
    kind: str  # "VIEW" or "TABLE"
    schema: str
    alias: str
    relation: str
    sql: str

    @property
    def ddl(self) -> str:
        return f"CREATE OR REPLACE {self.kind} {self.relation} AS\n{self.sql}"


# dbt materialization -> what the floor creates; ``None`` = inlined into its users (ephemeral).
# An incremental model built from scratch is a table: that is what a full build computes.
FLOOR_KIND: dict[str, str | None] = {"view": "VIEW", "table": "TABLE", "incremental": "TABLE", "ephemeral": None}


def topological_order(dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """Every key of ``dependencies`` after all the keys it depends on; ties broken by name.

    Dependencies that are not keys (sources, seeds, tests) are ignored: they exist before the
    first model runs. Raises ``ValueError`` naming the nodes of a cycle.
    """
    pending = {node: {d for d in deps if d in dependencies and d != node} for node, deps in dependencies.items()}
    users: dict[str, list[str]] = {node: [] for node in pending}
    for node, deps in pending.items():
        for dep in deps:
            users[dep].append(node)
    ready = sorted(node for node, deps in pending.items() if not deps)
    order: list[str] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for user in users[node]:
            pending[user].discard(node)
            if not pending[user]:
                ready.append(user)
        ready.sort()
    if len(order) != len(pending):
        stuck = sorted(node for node, deps in pending.items() if deps)
        raise ValueError(f"dependency cycle among: {', '.join(stuck)}")
    return order


def floor_statements(manifest: Mapping[str, Any]) -> list[FloorStatement]:
    """The models of a compiled ``manifest.json`` as floor statements, in dependency order.

    Tests, unit tests, seeds and snapshots are skipped; ephemeral models are ordered (their
    own inputs must exist first) but not created, since dbt inlines them as CTEs.
    """
    models = {uid: node for uid, node in manifest["nodes"].items() if node.get("resource_type") == "model"}
    order = topological_order({uid: node.get("depends_on", {}).get("nodes", []) for uid, node in models.items()})
    statements: list[FloorStatement] = []
    for uid in order:
        node = models[uid]
        materialized = node.get("config", {}).get("materialized", "")
        if materialized not in FLOOR_KIND:
            raise ValueError(f"{uid}: materialization {materialized!r} has no floor equivalent")
        kind = FLOOR_KIND[materialized]
        if kind is None:
            continue
        sql = (node.get("compiled_code") or "").strip().rstrip(";").strip()
        if not sql:
            raise ValueError(f"{uid}: no compiled_code in the manifest (was it compiled?)")
        schema = node["schema"]
        alias = node.get("alias") or node["name"]
        relation = node.get("relation_name") or f'"{schema}"."{alias}"'
        statements.append(FloorStatement(uid, node["name"], materialized, kind, schema, alias, relation, sql))
    return statements


# --------------------------------------------------------------------------------------------
# The hand-written floor: what DuckDB needs for the same results, written by hand
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandQuery:
    """A hand-written query over the benchmark's data, timed as ``CREATE TABLE hand_floor.<name> AS``.

    ``beside`` names the dbt model whose result (grain and meaning) it gives, or None for the
    building blocks the issue asked for; the results put its time beside that model's floor time.
    It reads what that model reads: raw text tables (cast here, as staging does), or the model's
    own inputs as the floor built them.
    """

    name: str
    beside: str | None
    what: str
    sql: str


# Naive UTC text -> the day in the reporting zone (what the models' reporting_date() gives).
_LOCAL_DAY = "cast(timezone('{zone}', timezone('UTC', cast({column} as timestamp))) as date)"


def _local_day(column: str) -> str:
    return _LOCAL_DAY.format(zone=REPORTING_TIMEZONE, column=column)


HAND_FLOOR: tuple[HandQuery, ...] = (
    HandQuery(
        "visitors_by_day_and_channel", "fct_lead_funnel_daily",
        "count-distinct visitors per day and channel (UTM medium) over every session",
        f"""select {_local_day('started_at')} as session_date, coalesce(lower(utm_medium), 'direct') as channel,
               count(distinct visitor_id) as visitors
            from raw.web_sessions group by all""",
    ),
    HandQuery(
        "first_touch_per_visitor", "int_leads_attributed",
        "first session of every visitor and its UTM medium and campaign (arg_min)",
        """select visitor_id, min(cast(started_at as timestamp)) as first_touch_at,
               arg_min(lower(utm_medium), cast(started_at as timestamp)) as first_medium,
               arg_min(utm_campaign, cast(started_at as timestamp)) as first_campaign
            from raw.web_sessions group by visitor_id""",
    ),
    HandQuery(
        "sessions_by_lead", None,
        "sessions joined to the lead identity map and aggregated per lead",
        """select i.lead_id, count(*) as sessions, min(cast(s.started_at as timestamp)) as first_session_at,
               sum(cast(s.pageviews as integer)) as pageviews
            from raw.web_sessions as s
            join intermediate.int_identities_stitched as i
                on i.identifier_type = 'visitor' and i.identifier = s.visitor_id and i.lead_id is not null
            group by i.lead_id""",
    ),
    HandQuery(
        "latest_contact_versions", None,
        "latest version of every contact (dedupe of every landed contact row)",
        """select * from raw.contacts
            qualify row_number() over (partition by contact_id order by updated_at desc, _row_hash desc) = 1""",
    ),
    HandQuery(
        "sessions_attributed", "int_sessions_attributed",
        "every session once (its first landed copy), typed, with its day, a channel, its lead and its number "
        "among the visitor's sessions",
        f"""with copies as (
                select session_id, arg_min(struct_pack(visitor_id, started_at, utm_medium, referrer),
                                           (_export_date, _row_hash)) as s
                from raw.web_sessions group by session_id
            ),
            sessions as (
                select session_id, s.visitor_id, cast(s.started_at as timestamp) as started_at, s.utm_medium, s.referrer
                from copies
            )
            select s.session_id, s.visitor_id, v.lead_id, v.contact_id, s.started_at,
                   {_local_day('s.started_at')} as session_date,
                   case when s.utm_medium is not null then lower(s.utm_medium)
                        when s.referrer is null then 'direct' else 'referral' end as channel,
                   (v.identified_at is null or s.started_at < v.identified_at) as is_anonymous,
                   row_number() over (partition by s.visitor_id order by s.started_at, s.session_id)
                       as visitor_session_number
            from sessions as s
            left join intermediate.int_identities_stitched as v
                on v.identifier_type = 'visitor' and v.identifier = s.visitor_id""",
    ),
    HandQuery(
        "identities_stitched", "int_identities_stitched",
        "every normalized e-mail (forms, contacts, e-mail events) and every visitor with its lead",
        """with contact_emails as (
                select lower(trim(email)) as email, arg_min(contact_id, updated_at) as contact_id,
                       min(cast(updated_at as timestamp)) as first_at
                from raw.contacts where nullif(trim(email), '') is not null group by 1
            ),
            form_emails as (
                select lower(trim(email)) as email, min(cast(submitted_at as timestamp)) as first_at
                from raw.form_submissions where nullif(trim(email), '') is not null group by 1
            ),
            emails as (
                select email from contact_emails union select email from form_emails
                union select lower(trim(email)) from raw.email_events where nullif(trim(email), '') is not null
            ),
            email_ids as (
                select e.email, c.contact_id,
                       coalesce(c.contact_id, case when f.email is not null then 'email:' || md5(e.email) end) as lead_id,
                       least(c.first_at, f.first_at) as identified_at
                from emails as e left join contact_emails as c using (email) left join form_emails as f using (email)
            ),
            visitor_forms as (
                select visitor_id, arg_min(lower(trim(email)), submitted_at) as email,
                       min(cast(submitted_at as timestamp)) as identified_at
                from raw.form_submissions where visitor_id is not null and nullif(trim(email), '') is not null
                group by visitor_id
            ),
            visitors as (
                select visitor_id from raw.web_sessions
                union select visitor_id from raw.form_submissions where visitor_id is not null
            )
            select 'email' as identifier_type, email as identifier, lead_id, contact_id, identified_at from email_ids
            union all
            select 'visitor', v.visitor_id, e.lead_id, e.contact_id, f.identified_at
            from visitors as v left join visitor_forms as f using (visitor_id) left join email_ids as e using (email)""",
    ),
    HandQuery(
        "profile_observations", "int_profile_observations_unpivoted",
        "every form field a known lead filled in, one row per field (unpivot)",
        """unpivot (
                select i.lead_id, f.submission_id, cast(f.submitted_at as timestamp) as observed_at,
                       f.company_size, f.industry, f.need, f.annual_revenue, f.country, f.job_title
                from raw.form_submissions as f
                join intermediate.int_identities_stitched as i
                    on i.identifier_type = 'email' and i.identifier = lower(trim(f.email)) and i.lead_id is not null
            ) on company_size, industry, need, annual_revenue, country, job_title
            into name attribute value attribute_value""",
    ),
    HandQuery(
        "attributes_summarized", "int_lead_attributes_summarized",
        "per lead and attribute: latest value (arg_max), first and last seen, times seen, distinct values",
        """select lead_id, attribute, arg_max(attribute_value, observed_at) as attribute_value,
               min(observed_at) as first_seen_at, max(observed_at) as last_seen_at, count(*) as times_seen,
               count(distinct attribute_value) as distinct_values_seen
            from intermediate.int_profile_observations_unpivoted group by lead_id, attribute""",
    ),
    HandQuery(
        "sla_daily", "fct_sales_sla_daily",
        "per rep and day: received, touched, due, met, breached, pending (a running sum of starts and "
        "ends) and response percentiles, from fct_sales_sla",
        f"""with d as (
                select rep_owner_id as owner_id, rep_sla_status as status, rep_response_business_minutes as minutes,
                       {_local_day('rep_clock_started_at')} as received, {_local_day('first_touch_at')} as touched,
                       {_local_day('rep_sla_due_at')} as due, {_local_day('excluded_at')} as excluded
                from marts.fct_sales_sla where rep_owner_id is not null
            ),
            events as (
                select owner_id, received as day, 1 as received, 0 as touched, 0 as due, status, null as minutes,
                       0 as pending_change from d
                union all select owner_id, touched, 0, 1, 0, status, minutes, 0 from d where touched is not null
                union all select owner_id, due, 0, 0, 1, status, null, 0 from d where due is not null
                union all select owner_id, received, 0, 0, 0, status, null, 1 from d
                union all select owner_id, least(touched, due, excluded), 0, 0, 0, status, null, -1
                from d where least(touched, due, excluded) is not null
            )
            select owner_id, day, sum(received) as received,
                   count(*) filter (where touched = 1 and status = 'met') as touched_within_sla,
                   count(*) filter (where due = 1 and status <> 'excluded') as due,
                   count(*) filter (where due = 1 and status = 'met') as met,
                   sum(sum(pending_change)) over (partition by owner_id order by day) as pending,
                   median(minutes) filter (where touched = 1 and status in ('met', 'late')) as median_minutes,
                   quantile_cont(minutes, 0.9) filter (where touched = 1 and status in ('met', 'late')) as p90_minutes
            from events group by owner_id, day""",
    ),
)


def run_hand_floor(conn: Any, queries: Sequence[HandQuery] = HAND_FLOOR) -> list[dict[str, Any]]:
    """Time every hand query on ``conn`` (a DuckDB connection holding the data) as a table it creates.

    A query that fails (a column since renamed, say) is reported with its error, not raised: the
    hand floor sits beside the floor, whose own measurements must not depend on it.
    """
    conn.execute("CREATE SCHEMA IF NOT EXISTS hand_floor")
    timings = []
    for query in queries:
        entry: dict[str, Any] = {"name": query.name, "beside": query.beside, "what": query.what,
                                 "seconds": None, "rows": None, "error": None}
        t0 = time.perf_counter()
        try:
            conn.execute(f'CREATE OR REPLACE TABLE hand_floor."{query.name}" AS\n{query.sql}')
            entry["seconds"] = time.perf_counter() - t0
            entry["rows"] = conn.execute(f'SELECT count(*) FROM hand_floor."{query.name}"').fetchone()[0]
        except Exception as exc:  # noqa: BLE001 - reported in the results instead
            entry["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        timings.append(entry)
    conn.execute("DROP SCHEMA hand_floor CASCADE")
    return timings


# --------------------------------------------------------------------------------------------
# Running a command and measuring it
# --------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One child process: wall time, exit code, peak memory, where its output went."""

    name: str
    command: list[str]
    seconds: float
    exit_code: int | None
    timed_out: bool
    peak_rss_bytes: int  # the child's own high-water mark (VmHWM), read while it runs
    peak_tree_rss_bytes: int  # sampled: largest sum of RSS over the child's whole process tree
    load_average_before: tuple[float, float, float]
    started_at: str  # UTC wall clock, naive ISO (the run log's convention), to place ops.* times in the run
    finished_at: str
    stdout_path: str
    stderr_path: str
    # (UTC epoch seconds, tree RSS bytes) at every sample: peak memory per stage (not in the JSON)
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def peak_bytes(self) -> int:
        return max(self.peak_rss_bytes, self.peak_tree_rss_bytes)


class CommandFailed(RuntimeError):
    """A measured command failed or timed out; the message carries its output's tail."""

    def __init__(self, message: str, measured: Measured | None = None):
        super().__init__(message)
        self.measured = measured


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, RSS pages) for every process we can read."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # Fields after "(comm)": state ppid ... rss is field 24, i.e. index 21 after comm.
        fields = stat[stat.rfind(b")") + 2 :].split()
        try:
            table[int(entry.name)] = (int(fields[1]), int(fields[21]))
        except (IndexError, ValueError):
            continue
    return table


def tree_rss_bytes(root: int) -> int:
    """Current RSS summed over ``root`` and all its descendants (0 when it is gone)."""
    table = _proc_table()
    if root not in table:
        return 0
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += table[pid][1]
        stack.extend(children.get(pid, ()))
    return total * os.sysconf("SC_PAGE_SIZE")


def high_water_rss_bytes(pid: int) -> int | None:
    """The process's own RSS high-water mark (``VmHWM``), or None when it cannot be read.

    Not ``wait4``'s ``ru_maxrss``: Linux carries the parent's high-water mark into a (v)forked
    child across exec, so a small child started from a big process reports the parent's peak.
    ``VmHWM`` belongs to the child's own address space, which exec created fresh.
    """
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _stop_group(pid: int, grace: float = 10.0) -> tuple[int, Any]:
    """Stop the process group we started for ``pid`` and reap ``pid``: (wait status, rusage).

    TERM first, so the pipeline can release its lock and stop its Prefect server; KILL after
    ``grace`` seconds; then KILL whatever of the group is left (a server it started).
    """
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while True:
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped:
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            break
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return status, usage


def measure(
    name: str,
    command: Sequence[str],
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    on_tick: Callable[[], None] | None = None,
) -> Measured:
    """Run ``command`` to completion (or until ``timeout``), measuring wall time and peak RSS.

    The child runs in its own session so that a timeout stops it and everything it started.
    stdout and stderr go to ``<log_dir>/<name>.stdout|.stderr``. ``on_tick`` is called at every
    sample and once after the child ended (to catch files the child writes and later overwrites).
    Never raises for a failed command: the caller looks at ``exit_code`` and ``timed_out``.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    load = os.getloadavg()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        wall_start = _utc_now()
        started = time.perf_counter()
        proc = subprocess.Popen(list(command), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None, cwd=cwd, start_new_session=True)
        peak_tree, peak_own, timed_out, status, usage = 0, 0, False, 0, None
        samples: list[tuple[float, int]] = []
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                peak_own = max(peak_own, high_water_rss_bytes(proc.pid) or 0)
                rss = tree_rss_bytes(proc.pid)
                samples.append((time.time(), rss))
                peak_tree = max(peak_tree, rss)
                if on_tick is not None:
                    on_tick()
                if timeout is not None and time.perf_counter() - started > timeout:
                    timed_out = True
                    status, usage = _stop_group(proc.pid)
                    break
                time.sleep(SAMPLE_INTERVAL_SECONDS)
        except BaseException:  # Ctrl-C of the benchmark: leave nothing of ours running
            _stop_group(proc.pid)
            proc.returncode = -1
            raise
        seconds = time.perf_counter() - started
        wall_end = _utc_now()
        if on_tick is not None:
            on_tick()
        # We reaped the child ourselves (wait4 gives its rusage); tell Popen so it never waits.
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        name=name,
        command=list(command),
        seconds=seconds,
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        peak_rss_bytes=peak_own,
        peak_tree_rss_bytes=peak_tree,
        load_average_before=load,
        started_at=wall_start.isoformat(),
        finished_at=wall_end.isoformat(),
        stdout_path=str(out_path),
        stderr_path=str(err_path),
        samples=samples,
    )


class JsonSnapshots:
    """Keeps every complete version of a JSON file another process rewrites (polled, see ``measure``).

    The nightly run writes ``dbt_target/run_results.json`` for ``dbt build`` and overwrites it
    with later dbt invocations (``dbt docs generate``); each version is copied as it appears.
    """

    def __init__(self, path: Path, keep_in: Path, label: str):
        self.path, self.keep_in, self.label = path, keep_in, label
        self.versions: list[Path] = []
        self._seen: tuple[int, int] | None = None
        try:  # a version already there is an earlier run's
            stat = path.stat()
            self._seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            pass

    def __call__(self) -> None:
        try:
            stat = self.path.stat()
            if (stat.st_mtime_ns, stat.st_size) == self._seen:
                return
            data = self.path.read_bytes()
            json.loads(data)  # half-written: try again at the next tick
        except (OSError, ValueError):
            return
        self._seen = (stat.st_mtime_ns, stat.st_size)
        copy = self.keep_in / f"{self.label}.{len(self.versions) + 1}.{self.path.name}"
        copy.write_bytes(data)
        self.versions.append(copy)

    def load(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in self.versions]


def pick_invocation(versions: Sequence[Mapping[str, Any]], which: str = "build") -> Mapping[str, Any] | None:
    """The last ``run_results.json`` version written by ``dbt <which>`` (its ``args.which``)."""
    found = [v for v in versions if (v.get("args") or {}).get("which") == which]
    return found[-1] if found else None


def tail(path: str | Path, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a text file (empty when missing)."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def require_ok(measured: Measured, what: str, timeout: float | None) -> Measured:
    """Raise ``CommandFailed`` with the command, its exit and its stderr (or stdout) tail."""
    if measured.ok:
        return measured
    command = " ".join(measured.command)
    if measured.timed_out:
        head = f"{what} timed out after {measured.seconds:.0f} s (limit {timeout:.0f} s): {command}"
    else:
        head = f"{what} failed with exit code {measured.exit_code} after {measured.seconds:.1f} s: {command}"
    output = tail(measured.stderr_path) or tail(measured.stdout_path)
    raise CommandFailed(f"{head}\n--- last lines of its output ({measured.stderr_path}) ---\n{output}", measured)


# --------------------------------------------------------------------------------------------
# Targets: pass / miss (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One target: the measured value against its limit; ``passed`` is None when not measured."""

    key: str
    title: str
    value: float | None
    limit: float | None
    unit: str  # "s", "bytes" or "ratio"

    @property
    def passed(self) -> bool | None:
        if self.value is None or self.limit is None:
            return None
        return self.value <= self.limit

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "miss", None: "n/a"}[self.passed]


def _get(record: Mapping[str, Any], *path: str) -> Any:
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping) or value.get(key) is None:
            return None
        value = value[key]
    return value


def _succeeded(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without the steps whose command failed: a failed run measures nothing."""
    return {key: value for key, value in record.items() if not (isinstance(value, Mapping) and value.get("ok") is False)}


def check_targets(record: Mapping[str, Any]) -> list[Check]:
    """The issue's targets for one scale's record (missing or failed measurements give ``n/a``)."""
    record = _succeeded(record)
    floor = _get(record, "floor", "seconds")
    floor_limit = None if floor is None else FULL_BUILD_FLOOR_FACTOR * floor + FULL_BUILD_FLOOR_SLACK_SECONDS
    full = _get(record, "full_build", "seconds")
    incremental = _get(record, "incremental", "seconds")
    peaks = [_get(record, step, "peak_bytes") for step in ("generate", "full_build", "incremental")]
    measured_peaks = [p for p in peaks if p is not None]
    factor, slack = f"{FULL_BUILD_FLOOR_FACTOR:g}", f"{FULL_BUILD_FLOOR_SLACK_SECONDS:g}"
    return [
        Check("full_build_dbt_vs_floor", f"full build, dbt stage ≤ {factor} × floor + {slack} s",
              _get(record, "full_build", "stage_seconds", "build"), floor_limit, "s"),
        Check("full_build_end_to_end_vs_floor", f"full build, end to end ≤ {factor} × floor + {slack} s",
              full, floor_limit, "s"),
        Check("incremental_seconds", f"incremental day, end to end ≤ {INCREMENTAL_MAX_SECONDS:g} s",
              incremental, INCREMENTAL_MAX_SECONDS, "s"),
        Check("incremental_share", f"incremental day ≤ {INCREMENTAL_MAX_SHARE_OF_FULL:.0%} of the full build",
              None if incremental is None or not full else incremental / full, INCREMENTAL_MAX_SHARE_OF_FULL, "ratio"),
        Check("peak_memory", f"peak memory < {PEAK_MEMORY_MAX_BYTES / 1e9:g} GB (generate, full, incremental)",
              max(measured_peaks) if len(measured_peaks) == len(peaks) else None, PEAK_MEMORY_MAX_BYTES, "bytes"),
        Check("generator_seconds", f"generator ≤ {GENERATOR_MAX_SECONDS / 60:g} min",
              _get(record, "generate", "seconds"), GENERATOR_MAX_SECONDS, "s"),
    ]


# --------------------------------------------------------------------------------------------
# Rendering (pure)
# --------------------------------------------------------------------------------------------


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 120:
        return f"{value:,.0f} s ({value / 60:.1f} min)"
    return f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value:.0f} B"


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def fmt_count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def fmt_value(value: float | None, unit: str) -> str:
    if unit == "bytes":  # the memory target is stated in decimal GB
        return "–" if value is None else f"{value / 1e9:.2f} GB"
    if unit == "ratio":
        return "–" if value is None else f"{value:.1%}"
    return fmt_seconds(value)


def _stage_names(records: Sequence[Mapping[str, Any]], step: str) -> list[str]:
    names: list[str] = []
    for record in records:
        for stage in _get(record, step, "stages") or []:
            if stage["stage"] not in names:
                names.append(stage["stage"])
    return names


def _failed_mark(step: Mapping[str, Any] | None) -> str:
    if not step or step.get("ok") is not False:
        return ""
    return " (timed out)" if step.get("timed_out") else " (failed)"


def _row(label: str, cells: Iterable[str]) -> str:
    return "| " + " | ".join([label, *cells]) + " |"


def render_markdown(records: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    """The results as markdown: measurements per scale, the targets, the slowest models."""
    heads = [f"{r['leads']:,} leads" for r in records]
    lines = [f"# lead-sla benchmark, {meta.get('started_at', '')}", ""]
    machine, commit = meta.get("machine", {}), meta.get("commit", {})
    lines.append(
        f"Checkout at commit `{str(commit.get('head', '?'))[:10]}` "
        f"({commit.get('uncommitted_files', '?')} uncommitted files; "
        f"dbt project digest `{str(commit.get('dbt_project_digest', '?'))[:12]}`); "
        f"{machine.get('cpus', '?')} CPUs ({machine.get('cpu_model', '?')}), "
        f"{fmt_bytes(machine.get('memory_bytes'))} RAM; DuckDB {machine.get('duckdb', '?')}, "
        f"dbt-core {machine.get('dbt_core', '?')}, dbt-duckdb {machine.get('dbt_duckdb', '?')}, "
        f"Prefect {machine.get('prefect', '?')}. {meta.get('days', '?')} days of history plus 1 incremental day; "
        f"DuckDB memory limit {meta.get('memory_limit', 'default (80% of RAM)')} for the pipeline and the floor. "
        "The machine is shared: compare ratios within a run; the load average before each command is in the JSON."
    )
    lines += ["", _row("measurement", heads), "|" + "---|" + "---:|" * len(records)]

    def add(label: str, values: Iterable[str]) -> None:
        lines.append(_row(label, values))

    def cells(fmt: Any, *path: str) -> list[str]:
        return [fmt(_get(r, *path)) for r in records]

    add("web sessions (raw rows of the history)", cells(fmt_count, "raw_rows", "web_sessions"))
    add("raw rows of the history, all streams", cells(fmt_count, "raw_rows_total"))
    add("generate: wall time", cells(fmt_seconds, "generate", "seconds"))
    add("generate: peak memory", cells(fmt_bytes, "generate", "peak_bytes"))
    add("exports on disk", cells(fmt_bytes, "generate", "landing_bytes"))
    for step, title in (("full_build", "full build"), ("incremental", "incremental day")):
        add(f"**{title}: end to end**", [fmt_seconds(_get(r, step, "seconds")) + _failed_mark(r.get(step))
                                          for r in records])
        add(f"{title}: peak memory", cells(fmt_bytes, step, "peak_bytes"))
        add(f"{title}: before the run log opens (start-up, Prefect server)", cells(fmt_seconds, step, "before_run_seconds"))
        for stage in _stage_names(records, step):
            add(f"{title}: stage `{stage}` (time · peak memory)",
                [fmt_seconds(_get(r, step, "stage_seconds", stage))
                 + (f" · {fmt_bytes(peak)}" if (peak := _get(r, step, "stage_peak_bytes", stage)) else "") for r in records])
        add(f"{title}: after the run log closes", cells(fmt_seconds, step, "after_run_seconds"))
        add(f"{title}: extraction rate (rows/s)", cells(fmt_count, step, "extract_rows_per_second"))
        add(f"{title}: build stage minus dbt elapsed (agreement, dbt parse, run-log counts)", cells(fmt_seconds, step, "build_outside_dbt_seconds"))
        add(f"{title}: dbt elapsed (run_results)", cells(fmt_seconds, step, "dbt", "elapsed_seconds"))
        for kind, label in (("model", "models"), ("test", "data tests"), ("unit_test", "unit tests")):
            add(f"{title}: dbt Σ {label}", cells(fmt_seconds, step, "dbt", "seconds_by_type", kind))
        if step == "full_build":
            add("**engine floor**", cells(fmt_seconds, "floor", "seconds"))
            add("engine floor: peak memory", cells(fmt_bytes, "floor", "peak_bytes"))
            add("full build dbt stage ÷ floor", cells(fmt_ratio, "ratios", "build_stage_over_floor"))
            add("full build end to end ÷ floor", cells(fmt_ratio, "ratios", "full_build_over_floor"))
    add("incremental ÷ full build", [fmt_value(_get(r, "ratios", "incremental_over_full"), "ratio") for r in records])
    add("warehouse file after both runs", cells(fmt_bytes, "incremental", "warehouse_bytes"))
    lines += ["", "Σ rows add up dbt's node times; dbt runs its nodes on parallel threads, so they can exceed its "
              "elapsed time. The floor is the compiled models only, in one DuckDB connection (see bench/README.md)."]
    failed = [r for r in records if r.get("error")]

    lines += ["", f"## Targets (defined at {TARGET_LEADS:,} leads; smaller scales are indicative)", "",
              _row("target", heads), "|---|" + "---|" * len(records)]
    per_record = [check_targets(r) for r in records]
    for index, first in enumerate(per_record[0] if per_record else []):
        cells = []
        for checks in per_record:
            check = checks[index]
            if check.passed is None:
                cells.append("n/a")
            else:
                cells.append(f"**{check.verdict}** ({fmt_value(check.value, check.unit)} vs {fmt_value(check.limit, check.unit)})")
        add(first.title, cells)

    largest = next((r for r in reversed(records) if _get(r, "full_build", "dbt", "slowest_models")), None)
    if largest is not None:
        lines += ["", f"## Slowest dbt models of the full build at {largest['leads']:,} leads", "",
                  "| model | materialized | dbt | floor | dbt ÷ floor | hand floor | floor ÷ hand |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for model in largest["full_build"]["dbt"]["slowest_models"]:
            floor_s, hand_s = model.get("floor_seconds"), model.get("hand_seconds")
            ratio = model["seconds"] / floor_s if floor_s else None
            hand_ratio = floor_s / hand_s if floor_s and hand_s else None
            lines.append(f"| `{model['name']}` | {model.get('materialized') or '?'} | {fmt_seconds(model['seconds'])} | "
                         f"{fmt_seconds(floor_s)} | {fmt_ratio(ratio)} | {fmt_seconds(hand_s)} | {fmt_ratio(hand_ratio)} |")
    lines += render_hand_floor(records)
    if failed:
        lines += ["", "## Failures", ""]
        for record in failed:
            lines += [f"- {record['leads']:,} leads:", "", "```", str(record["error"]).strip(), "```"]
    return "\n".join(lines) + "\n"


def render_hand_floor(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The hand-written queries per scale, beside the floor time of the model each stands for."""
    names: dict[str, Mapping[str, Any]] = {}
    for record in records:
        for query in _get(record, "floor", "hand_floor") or []:
            names.setdefault(query["name"], query)
    if not names:
        return []
    floors = [{s["name"]: s["seconds"] for s in _get(r, "floor", "statements") or []} for r in records]
    per_record = [{q["name"]: q for q in _get(r, "floor", "hand_floor") or []} for r in records]
    lines = ["", "## Hand-written floor", "",
             "The same results written by hand in one DuckDB connection after the floor (bench/README.md): "
             "query time, and beside it the floor time of the model it stands for.", "",
             _row("query (what it computes)", [f"{r['leads']:,} leads: hand · model floor" for r in records]),
             "|---|" + "---:|" * len(records)]
    for name, query in names.items():
        label = f"`{name}`" + (f" → `{query['beside']}`" if query.get("beside") else "") + f" ({query['what']})"
        cells = []
        for floor, hand in zip(floors, per_record):
            entry = hand.get(name)
            if entry is None:
                cells.append("–")
            elif entry.get("error"):
                cells.append("failed")
            else:
                model = floor.get(query["beside"]) if query.get("beside") else None
                cells.append(fmt_seconds(entry["seconds"]) + (f" · {fmt_seconds(model)}" if model is not None else ""))
        lines.append(_row(label, cells))
    return lines


# --------------------------------------------------------------------------------------------
# Reading what a run left behind
# --------------------------------------------------------------------------------------------


def read_run_log(warehouse: Path, run_date: date) -> dict[str, Any]:
    """The latest run of ``run_date`` and its stages, from ``ops.runs`` / ``ops.run_stages``."""
    import duckdb

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        run = conn.execute(
            "SELECT run_id, started_at, finished_at, status, error FROM ops.runs "
            "WHERE run_date = ? ORDER BY started_at DESC LIMIT 1", [run_date]).fetchone()
        if run is None:
            return {}
        stages = conn.execute(
            "SELECT stage, started_at, finished_at, status, rows_in, rows_out, error FROM ops.run_stages "
            "WHERE run_id = ? ORDER BY started_at", [run[0]]).fetchall()
    finally:
        conn.close()

    def span(start: datetime | None, end: datetime | None) -> float | None:
        return None if start is None or end is None else (end - start).total_seconds()

    return {
        "run_id": run[0], "status": run[3], "error": run[4], "seconds": span(run[1], run[2]),
        "started_at": run[1].isoformat() if run[1] else None, "finished_at": run[2].isoformat() if run[2] else None,
        "stages": [
            {"stage": s[0], "seconds": span(s[1], s[2]), "status": s[3], "rows_in": s[4], "rows_out": s[5], "error": s[6],
             "started_at": s[1].isoformat() if s[1] else None, "finished_at": s[2].isoformat() if s[2] else None}
            for s in stages
        ],
    }


def summarize_run_results(run_results: Mapping[str, Any], manifest: Mapping[str, Any] | None,
                          top: int = SLOWEST_MODELS) -> dict[str, Any]:
    """dbt's own timings: Σ execution time per resource type and the slowest models."""
    nodes = (manifest or {}).get("nodes", {})
    by_type: dict[str, float] = {}
    counts: dict[str, int] = {}
    models = []
    for result in run_results.get("results", []):
        uid = result["unique_id"]
        kind = uid.split(".", 1)[0]
        seconds = float(result.get("execution_time") or 0.0)
        by_type[kind] = by_type.get(kind, 0.0) + seconds
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "model":
            models.append({"unique_id": uid, "name": uid.rsplit(".", 1)[-1], "seconds": seconds,
                           "status": result.get("status"),
                           "rows_affected": (result.get("adapter_response") or {}).get("rows_affected"),
                           "materialized": nodes.get(uid, {}).get("config", {}).get("materialized")})
    models.sort(key=lambda m: m["seconds"], reverse=True)
    slowest_tests = sorted(
        ({"unique_id": r["unique_id"], "seconds": float(r.get("execution_time") or 0.0)}
         for r in run_results.get("results", []) if r["unique_id"].startswith(("test.", "unit_test."))),
        key=lambda t: t["seconds"], reverse=True)[:5]
    return {"elapsed_seconds": run_results.get("elapsed_time"), "seconds_by_type": by_type, "nodes_by_type": counts,
            "slowest_models": models[:top], "models": models, "slowest_tests": slowest_tests}


def read_dbt_build(snapshots: JsonSnapshots, warehouse: Path) -> dict[str, Any] | None:
    """Summarize the ``dbt build`` version of ``run_results.json`` the run wrote (None if none)."""
    results = pick_invocation(snapshots.load(), "build")
    if results is None:
        return None
    manifest_path = warehouse.parent / "dbt_target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    summary = summarize_run_results(results, manifest)
    summary["invocations"] = [(v.get("args") or {}).get("which") for v in snapshots.load()]
    return summary


def table_counts(warehouse: Path, schemas: Sequence[str]) -> dict[str, int]:
    """``schema.table`` -> row count for the base tables of ``schemas`` (views are not run)."""
    import duckdb

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        marks = ", ".join("?" for _ in schemas)
        tables = conn.execute(
            f"SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            f"AND schema_name IN ({marks}) ORDER BY 1, 2", list(schemas)).fetchall()
        return {f"{s}.{t}": conn.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        conn.close()


def folder_bytes(folder: Path) -> tuple[int, int]:
    """(total bytes, number of files) under ``folder``."""
    total = files = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def file_bytes(path: Path) -> int:
    """A DuckDB file's size including its write-ahead log."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())


# --------------------------------------------------------------------------------------------
# The engine floor
# --------------------------------------------------------------------------------------------

FLOOR_SCHEMAS = ("raw", "config", "reference")


def copy_inputs(warehouse: Path, floor_db: Path, schemas: Sequence[str] = FLOOR_SCHEMAS) -> dict[str, int]:
    """Copy the tables (and views) of ``schemas`` from the warehouse into a new DuckDB file."""
    import duckdb

    floor_db.parent.mkdir(parents=True, exist_ok=True)
    floor_db.unlink(missing_ok=True)
    conn = duckdb.connect(str(floor_db))
    copied: dict[str, int] = {}
    try:
        quoted = str(warehouse).replace("'", "''")
        conn.execute(f"ATTACH '{quoted}' AS src (READ_ONLY)")
        marks = ", ".join("?" for _ in schemas)
        tables = conn.execute(f"SELECT schema_name, table_name, estimated_size FROM duckdb_tables() "
                              f"WHERE database_name = 'src' AND schema_name IN ({marks}) ORDER BY 1, 2",
                              list(schemas)).fetchall()
        views = conn.execute(f"SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = 'src' "
                             f"AND NOT internal AND schema_name IN ({marks}) ORDER BY 1, 2", list(schemas)).fetchall()
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for schema, table, rows in tables:
            conn.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM src."{schema}"."{table}"')
            copied[f"{schema}.{table}"] = rows
        conn.execute("DETACH src")
        for schema, view, sql in views:
            conn.execute(f'SET schema = \'{schema}\'; {sql}')
            copied[f"{schema}.{view}"] = -1
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return copied


def run_floor_plan(plan_path: Path, db_path: Path, out_path: Path) -> None:
    """The floor worker (a child process): run every statement of the plan in ONE connection."""
    import duckdb

    plan = [FloorStatement(**s) for s in json.loads(plan_path.read_text())]
    conn = duckdb.connect(str(db_path))
    # The pipeline's memory limit, so that the floor and dbt work within the same budget.
    conn.execute(f"SET memory_limit = '{os.environ.get('LEAD_SLA_DUCKDB_MEMORY_LIMIT', DEFAULT_MEMORY_LIMIT)}'")
    timings = []
    try:
        for schema in sorted({s.schema for s in plan}):
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        started = time.perf_counter()
        for statement in plan:
            t0 = time.perf_counter()
            try:
                conn.execute(statement.ddl)
            except Exception as exc:  # noqa: BLE001 - say which model, then fail the worker
                print(f"floor: {statement.unique_id} failed: {exc}", file=sys.stderr)
                raise SystemExit(1) from None
            timings.append({"unique_id": statement.unique_id, "name": statement.name,
                            "kind": statement.kind, "seconds": time.perf_counter() - t0})
        conn.execute("CHECKPOINT")  # dbt's build ends with its tables on disk too
        total = time.perf_counter() - started
        counts = {}
        for statement in plan:
            if statement.kind == "TABLE":
                counts[f"{statement.schema}.{statement.alias}"] = \
                    conn.execute(f"SELECT count(*) FROM {statement.relation}").fetchone()[0]
        # Same connection, same memory limit, same data: the hand-written queries after the models.
        hand = run_hand_floor(conn)
    finally:
        conn.close()
    out_path.write_text(json.dumps({"seconds": total, "statements": timings, "table_rows": counts,
                                    "hand_floor": hand}, indent=1))


# --------------------------------------------------------------------------------------------
# One scale, end to end
# --------------------------------------------------------------------------------------------


@dataclass
class BenchConfig:
    """What the command line asked for."""

    scales: list[int]
    days: int
    end_date: date
    seed: int
    out: Path
    work_dir: Path
    keep: bool
    timeout: float
    project_root: Path = REPO_ROOT
    made_work_dir: bool = False
    lead_sla: list[str] = field(default_factory=list)
    dbt: list[str] = field(default_factory=list)
    memory_limit: str = DEFAULT_MEMORY_LIMIT


def parse_scales(text: str) -> list[int]:
    """``"10000,100k,1M"`` -> ``[10000, 100000, 1000000]`` (positive, in the given order)."""
    scales = []
    for part in text.split(","):
        token = part.strip().replace("_", "").lower()
        if not token:
            continue
        factor = {"k": 1_000, "m": 1_000_000}.get(token[-1], 1)
        number = token[:-1] if factor > 1 else token
        try:
            value = int(float(number) * factor)
        except ValueError:
            raise ValueError(f"not a number of leads: {part!r}") from None
        if value < 1:
            raise ValueError(f"a scale must be at least 1 lead, got {part!r}")
        scales.append(value)
    if not scales:
        raise ValueError("no scales given")
    return scales


def scale_env(folder: Path, project_root: Path = REPO_ROOT, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> dict[str, str]:
    """The environment of a measured command: ``LEAD_SLA_*`` only from us, into ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_SLA_")}
    env.update({
        "LEAD_SLA_PROJECT_ROOT": str(project_root),
        "LEAD_SLA_LANDING_DIR": str(folder / "landing"),
        "LEAD_SLA_WAREHOUSE_PATH": str(folder / "warehouse" / "lead_sla.duckdb"),
        "LEAD_SLA_PUBLISHED_DIR": str(folder / "warehouse" / "published"),
        "LEAD_SLA_SOURCE_MAPPING": str(project_root / "config" / "sources" / "demo.yml"),
        "LEAD_SLA_REPORTING_TIMEZONE": REPORTING_TIMEZONE,
        "LEAD_SLA_DUCKDB_MEMORY_LIMIT": memory_limit,  # the floor worker reads it too
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def prepare_scale_folder(work_dir: Path, leads: int) -> Path:
    """An empty per-scale folder; refuses to wipe a non-empty folder this script did not create."""
    folder = work_dir / f"leads-{leads}"
    if folder.exists() and any(folder.iterdir()):
        if not (folder / BENCH_MARKER).exists():
            raise SystemExit(f"error: {folder} exists and was not made by bench/run.py; choose another --work-dir")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BENCH_MARKER).write_text("made by bench/run.py; removed unless --keep\n")
    return folder


def _measured_dict(measured: Measured) -> dict[str, Any]:
    data = asdict(measured)
    data.pop("samples")
    data["ok"] = measured.ok
    data["peak_bytes"] = measured.peak_bytes
    return data


def stage_peaks(samples: Sequence[tuple[float, int]], stages: Sequence[Mapping[str, Any]]) -> dict[str, int | None]:
    """Largest sampled tree RSS within each stage's [started_at, finished_at] (naive UTC ISO times)."""
    def epoch(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()

    peaks: dict[str, int | None] = {}
    for stage in stages:
        if not stage.get("started_at") or not stage.get("finished_at"):
            peaks[stage["stage"]] = None
            continue
        start, end = epoch(stage["started_at"]), epoch(stage["finished_at"])
        inside = [rss for at, rss in samples if start <= at <= end]
        peaks[stage["stage"]] = max(inside) if inside else None
    return peaks


def _add_run_log(step: dict[str, Any], warehouse: Path, run_date: date, samples: Sequence[tuple[float, int]] = ()) -> None:
    try:
        log = read_run_log(warehouse, run_date)
    except Exception:  # noqa: BLE001 - a run that died early may have left no (readable) run log
        return
    step["run"] = {k: log.get(k) for k in ("run_id", "status", "error", "seconds", "started_at", "finished_at")}
    # Where the time outside the run log goes: before it opens (interpreter, imports, Prefect's
    # temporary server, the lock) and after it closes (Prefect shutting down).
    if log.get("started_at") and log.get("finished_at"):
        step["before_run_seconds"] = (datetime.fromisoformat(log["started_at"])
                                      - datetime.fromisoformat(step["started_at"])).total_seconds()
        step["after_run_seconds"] = (datetime.fromisoformat(step["finished_at"])
                                     - datetime.fromisoformat(log["finished_at"])).total_seconds()
    step["stages"] = log.get("stages", [])
    step["stage_seconds"] = {s["stage"]: s["seconds"] for s in step["stages"]}
    step["stage_peak_bytes"] = stage_peaks(samples, step["stages"])
    known = [s["seconds"] for s in step["stages"] if s["seconds"] is not None]
    step["outside_stages_seconds"] = step["seconds"] - sum(known) if known else None
    extract = next((s for s in step["stages"] if s["stage"] == "extract"), None)
    if extract and extract["seconds"] and extract["rows_in"] is not None:
        step["extract_rows_per_second"] = extract["rows_in"] / extract["seconds"]


def _add_outside_dbt(step: dict[str, Any]) -> None:
    build, elapsed = _get(step, "stage_seconds", "build"), _get(step, "dbt", "elapsed_seconds")
    if build is not None and elapsed is not None:
        step["build_outside_dbt_seconds"] = build - elapsed


def _pipeline_failure(warehouse: Path, run_date: date) -> str:
    """What the run log says failed (if the run got far enough to write it)."""
    try:
        log = read_run_log(warehouse, run_date)
    except Exception as exc:  # noqa: BLE001 - the run may have died before creating ops.*
        return f"(no run log: {exc})"
    failed = [s for s in log.get("stages", []) if s["status"] != "success"]
    if not failed:
        return f"run status: {log.get('status')}"
    return "\n".join(f"stage {s['stage']} {s['status']}: {(s['error'] or '')[:1500]}" for s in failed)


def bench_scale(config: BenchConfig, leads: int, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Generate, full build, floor, incremental day for ``leads``; returns the record (with ``error``)."""
    last_day = config.end_date
    full_day = last_day - timedelta(days=1)
    record: dict[str, Any] = {
        "leads": leads, "days": config.days, "generated_days": config.days + 1, "seed": config.seed,
        "full_build_date": full_day.isoformat(), "incremental_date": last_day.isoformat(),
        "machine": meta["machine"], "commit": meta["commit"], "error": None,
    }
    folder = prepare_scale_folder(config.work_dir, leads)
    record["work_folder"] = str(folder)
    logs = folder / "logs"
    logs.mkdir()
    env = scale_env(folder, config.project_root, config.memory_limit)
    warehouse = Path(env["LEAD_SLA_WAREHOUSE_PATH"])
    landing = Path(env["LEAD_SLA_LANDING_DIR"])
    timeout = config.timeout
    say = lambda text: print(f"[{leads:,} leads] {text}", flush=True)  # noqa: E731

    try:
        # 1. The exports: --days of history plus the fresh day the incremental run lands.
        say(f"generate {config.days + 1} days ending {last_day} ...")
        measured = measure("generate", [*config.lead_sla, "generate", "--leads", str(leads),
                                        "--days", str(config.days + 1), "--end-date", last_day.isoformat(),
                                        "--seed", str(config.seed), "--out", str(landing)],
                           log_dir=logs, env=env, cwd=folder, timeout=timeout)
        record["generate"] = _measured_dict(measured)
        require_ok(measured, "the generator", timeout)
        record["generate"]["landing_bytes"], record["generate"]["landing_files"] = folder_bytes(landing)
        say(f"  {measured.seconds:.1f} s, peak {fmt_bytes(measured.peak_bytes)}")

        # 2. The full build of the history on an empty warehouse.
        say(f"full build: lead-sla run --date {full_day} ...")
        results = JsonSnapshots(warehouse.parent / "dbt_target" / "run_results.json", logs, "full_build")
        measured = measure("full_build", [*config.lead_sla, "run", "--date", full_day.isoformat()],
                           log_dir=logs, env=env, cwd=folder, timeout=timeout, on_tick=results)
        record["full_build"] = _measured_dict(measured)
        _add_run_log(record["full_build"], warehouse, full_day, measured.samples)  # also what a failed run got through
        require_pipeline_ok(measured, "the full build", warehouse, full_day, timeout)
        record["full_build"]["dbt"] = read_dbt_build(results, warehouse)
        _add_outside_dbt(record["full_build"])
        record["full_build"]["warehouse_bytes"] = file_bytes(warehouse)
        full_tables = table_counts(warehouse, ("intermediate", "marts"))
        raw = table_counts(warehouse, ("raw",))  # what the full build processed (the history)
        record["raw_rows"] = {k.split(".", 1)[1]: v for k, v in raw.items() if not k.split(".", 1)[1].startswith("_")}
        record["raw_rows_total"] = sum(record["raw_rows"].values())
        say(f"  {measured.seconds:.1f} s, peak {fmt_bytes(measured.peak_bytes)}, "
            f"stages {_stage_summary(record['full_build'])}")

        # 4. The engine floor on a copy of what the full build started from.
        record["floor"] = floor_for(config, folder, warehouse, full_day, env, logs, full_tables, say)

        # 3. One nightly day on top of the full build.
        say(f"incremental day: lead-sla run --date {last_day} ...")
        results = JsonSnapshots(warehouse.parent / "dbt_target" / "run_results.json", logs, "incremental")
        measured = measure("incremental", [*config.lead_sla, "run", "--date", last_day.isoformat()],
                           log_dir=logs, env=env, cwd=folder, timeout=timeout, on_tick=results)
        record["incremental"] = _measured_dict(measured)
        _add_run_log(record["incremental"], warehouse, last_day, measured.samples)
        require_pipeline_ok(measured, "the incremental day", warehouse, last_day, timeout)
        record["incremental"]["dbt"] = read_dbt_build(results, warehouse)
        _add_outside_dbt(record["incremental"])
        record["incremental"]["warehouse_bytes"] = file_bytes(warehouse)
        say(f"  {measured.seconds:.1f} s, peak {fmt_bytes(measured.peak_bytes)}, "
            f"stages {_stage_summary(record['incremental'])}")
        record["published_bytes"] = folder_bytes(Path(env["LEAD_SLA_PUBLISHED_DIR"]))[0]
    except CommandFailed as exc:
        record["error"] = str(exc)
        print(f"\n[{leads:,} leads] FAILED: {exc}\n", file=sys.stderr, flush=True)
    finally:
        record["ratios"] = ratios(record)
        record["checks"] = [dict(asdict(c), passed=c.passed) for c in check_targets(record)]
        if not config.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return record


def require_pipeline_ok(measured: Measured, what: str, warehouse: Path, run_date: date, timeout: float) -> None:
    """Like ``require_ok``, with the failed stage and its error from the run log first."""
    try:
        require_ok(measured, what, timeout)
    except CommandFailed as exc:
        head, _, output = str(exc).partition("\n")
        raise CommandFailed(f"{head}\n--- what the run log says ---\n{_pipeline_failure(warehouse, run_date)}\n{output}",
                            measured) from None


def _stage_summary(step: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {fmt_seconds(s)}" for name, s in (step.get("stage_seconds") or {}).items())


def floor_for(config: BenchConfig, folder: Path, warehouse: Path, run_date: date, env: Mapping[str, str],
              logs: Path, full_tables: Mapping[str, int], say: Any) -> dict[str, Any]:
    """Copy the inputs, compile the project against the copy, run the models in one connection."""
    floor_dir = folder / "floor"
    floor_db = floor_dir / "lead_sla.duckdb"  # same file name: same database name in relation names
    say("engine floor: copy raw, config, reference ...")
    t0 = time.perf_counter()
    copied = copy_inputs(warehouse, floor_db)
    result: dict[str, Any] = {"copy_seconds": time.perf_counter() - t0, "copied_relations": len(copied)}

    target = floor_dir / "target"
    compile_env = dict(env, LEAD_SLA_WAREHOUSE_PATH=str(floor_db))
    dbt_vars = json.dumps({"run_date": run_date.isoformat(), "reporting_timezone": REPORTING_TIMEZONE})
    compile_cmd = [*config.dbt, "compile", "--full-refresh", "--select", "resource_type:model",
                   "--project-dir", str(config.project_root / "dbt_project"),
                   "--profiles-dir", str(config.project_root / "dbt_project"),
                   "--target-path", str(target), "--log-path", str(floor_dir / "dbt_logs"), "--vars", dbt_vars, "--quiet"]
    say("engine floor: dbt compile --full-refresh ...")
    measured = measure("floor_compile", compile_cmd, log_dir=logs, env=compile_env, cwd=folder, timeout=config.timeout)
    result["compile"] = _measured_dict(measured)
    require_ok(measured, "dbt compile (for the floor)", config.timeout)

    manifest = json.loads((target / "manifest.json").read_text())
    plan = floor_statements(manifest)
    plan_path = floor_dir / "plan.json"
    plan_path.write_text(json.dumps([asdict(s) for s in plan], indent=1))
    out_path = floor_dir / "floor_result.json"
    say(f"engine floor: {len(plan)} statements in one DuckDB connection ...")
    measured = measure("floor", [sys.executable, str(Path(__file__).resolve()), FLOOR_WORKER,
                                 str(plan_path), str(floor_db), str(out_path)],
                       log_dir=logs, env=dict(env), cwd=folder, timeout=config.timeout)
    result.update(_measured_dict(measured))
    require_ok(measured, "the floor", config.timeout)
    outcome = json.loads(out_path.read_text())
    shutil.copy2(out_path, logs / "floor_result.json")
    result["process_seconds"] = result.pop("seconds")
    result["seconds"] = outcome["seconds"]
    result["statements"] = outcome["statements"]
    result["hand_floor"] = outcome.get("hand_floor", [])
    for failed in (q for q in result["hand_floor"] if q.get("error")):
        say(f"  warning: hand floor query {failed['name']} failed: {failed['error']}")
    result["kinds"] = {kind: sum(1 for s in plan if s.kind == kind) for kind in ("VIEW", "TABLE")}
    # The floor must compute what dbt computed: compare every table's row count.
    mismatches = {name: {"dbt": full_tables.get(name), "floor": rows}
                  for name, rows in outcome["table_rows"].items() if full_tables.get(name) != rows}
    result["row_count_mismatches"] = mismatches
    if mismatches:
        say(f"  warning: floor and dbt row counts differ for {sorted(mismatches)}")
    say(f"  {result['seconds']:.1f} s in the engine, peak {fmt_bytes(result['peak_bytes'])}")
    return result


def ratios(record: Mapping[str, Any]) -> dict[str, float | None]:
    """The ratios the targets talk about (None where a measurement is missing or its run failed)."""
    record = _succeeded(record)
    floor = _get(record, "floor", "seconds")
    full = _get(record, "full_build", "seconds")
    build = _get(record, "full_build", "stage_seconds", "build")
    incremental = _get(record, "incremental", "seconds")

    def div(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    return {"build_stage_over_floor": div(build, floor), "full_build_over_floor": div(full, floor),
            "incremental_over_full": div(incremental, full)}


def hand_seconds_by_model(hand_floor: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Model name -> the time of the hand query (or queries, added up) that stands beside it."""
    by_model: dict[str, float] = {}
    for query in hand_floor:
        if query.get("beside") and query.get("seconds") is not None:
            by_model[query["beside"]] = by_model.get(query["beside"], 0.0) + query["seconds"]
    return by_model


def attach_floor_times(record: dict[str, Any]) -> None:
    """Put each model's floor time next to its dbt time."""
    floor = {s["unique_id"]: s["seconds"] for s in _get(record, "floor", "statements") or []}
    hand = hand_seconds_by_model(_get(record, "floor", "hand_floor") or [])
    for step in ("full_build", "incremental"):
        dbt = _get(record, step, "dbt")
        if dbt:
            for model in dbt.get("slowest_models", []):
                model["floor_seconds"] = floor.get(model["unique_id"]) if step == "full_build" else None
                model["hand_seconds"] = hand.get(model["name"]) if step == "full_build" else None
            dbt.pop("models", None)  # the full list is in the kept run_results copy; keep the JSON small


# --------------------------------------------------------------------------------------------
# Machine and commit
# --------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    from importlib import metadata

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    cpu_model = None
    try:
        cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                          if line.startswith("model name")), None)
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"hostname": platform.node(), "platform": platform.platform(), "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)), "cpu_model": cpu_model, "memory_bytes": memory,
            "duckdb": version("duckdb"), "dbt_core": version("dbt-core"), "dbt_duckdb": version("dbt-duckdb"),
            "prefect": version("prefect"), "load_average": os.getloadavg()}


def commit_info(root: Path = REPO_ROOT) -> dict[str, Any]:
    """HEAD of the checkout at ``root``, how many files differ from it, and a digest of its dbt project."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                  timeout=30, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    # The models are being written right now: the commit alone does not say what was measured.
    digest = hashlib.sha256()
    for path in sorted((root / "dbt_project").rglob("*")):
        if path.is_file() and not any(part in {"target", "logs", "dbt_packages"} for part in path.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    status = git("status", "--porcelain")
    return {"project_root": str(root), "head": git("rev-parse", "HEAD"), "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "uncommitted_files": len(status.splitlines()) if status else 0,
            "dbt_project_digest": digest.hexdigest()}


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _tool(name: str, module: str) -> list[str]:
    # Next to this interpreter (the venv's bin), without resolving its symlink to the base Python.
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


def parse_args(argv: Sequence[str]) -> BenchConfig:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="10000,100000,1000000",
                        help="comma-separated numbers of leads (10000, 100k, 1M); default: %(default)s")
    parser.add_argument("--days", type=int, default=365, help="days of history before the incremental day (default: 365)")
    parser.add_argument("--end-date", default="2026-10-31", help="the incremental day, last of the exports (default: 2026-10-31)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default: 42)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results", help="results folder (default: bench/results)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="where the per-scale folders go (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folders (exports, warehouse, logs, floor)")
    parser.add_argument("--project-root", type=Path, default=REPO_ROOT,
                        help="checkout whose dbt_project/ and config/ the runs use (default: this one); "
                             "the Python package is the one installed in this interpreter")
    parser.add_argument("--timeout", type=float, default=180.0, help="minutes each measured command may take (default: 180)")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT,
                        help="DuckDB memory limit of the pipeline and of the floor (LEAD_SLA_DUCKDB_MEMORY_LIMIT; default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        scales = parse_scales(args.scales)
        end_date = date.fromisoformat(args.end_date)
    except ValueError as exc:
        parser.error(str(exc))
    if args.days < 1:
        parser.error("--days must be at least 1")
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="lead-sla-bench-"))
    return BenchConfig(scales=scales, days=args.days, end_date=end_date, seed=args.seed, out=args.out.resolve(),
                       work_dir=work_dir.resolve(), keep=args.keep, timeout=args.timeout * 60,
                       made_work_dir=args.work_dir is None, project_root=args.project_root.resolve(),
                       lead_sla=_tool("lead-sla", "lead_sla.cli"), dbt=_tool("dbt", "dbt.cli.main"),
                       memory_limit=args.memory_limit)


def without_machine_paths(value: Any, labels: Mapping[str, str]) -> Any:
    """``value`` with every occurrence of a machine path in ``labels`` replaced by its label, in every
    string of nested dicts and lists: results are committed, and name no folder of the machine that
    measured them (the longest path is replaced first, so a work folder inside the checkout keeps
    its own label)."""
    if isinstance(value, str):
        for path in sorted(labels, key=len, reverse=True):
            value = value.replace(path, labels[path])
        return value
    if isinstance(value, Mapping):
        return {key: without_machine_paths(item, labels) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_machine_paths(item, labels) for item in value]
    return value


def write_results(config: BenchConfig, stamp: str, meta: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """(Re)write ``<stamp>.json`` and ``<stamp>.md``; returns the markdown. Paths of the checkout
    and of the work folder are written as ``<checkout>`` and ``<work>``."""
    config.out.mkdir(parents=True, exist_ok=True)
    labels = {str(config.project_root): "<checkout>", str(config.work_dir): "<work>"}
    meta, records = without_machine_paths(meta, labels), without_machine_paths(records, labels)
    document = {**meta, "records": records}
    (config.out / f"{stamp}.json").write_text(json.dumps(document, indent=1, default=str) + "\n")
    markdown = render_markdown(records, meta)
    (config.out / f"{stamp}.md").write_text(markdown)
    return markdown


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [FLOOR_WORKER]:
        run_floor_plan(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    config = parse_args(argv)
    started = datetime.now(timezone.utc)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    meta = {"started_at": started.isoformat(timespec="seconds"), "days": config.days,
            "end_date": config.end_date.isoformat(), "scales": config.scales, "seed": config.seed,
            "timeout_seconds": config.timeout, "memory_limit": config.memory_limit, "machine": machine_info(), "commit": commit_info(config.project_root),
            "targets": {"leads": TARGET_LEADS, "full_build_floor_factor": FULL_BUILD_FLOOR_FACTOR,
                        "full_build_floor_slack_seconds": FULL_BUILD_FLOOR_SLACK_SECONDS,
                        "incremental_max_seconds": INCREMENTAL_MAX_SECONDS,
                        "incremental_max_share_of_full": INCREMENTAL_MAX_SHARE_OF_FULL,
                        "peak_memory_max_bytes": PEAK_MEMORY_MAX_BYTES, "generator_max_seconds": GENERATOR_MAX_SECONDS}}
    print(f"work folders under {config.work_dir}; results to {config.out}/{stamp}.{{json,md}}", flush=True)
    records: list[dict[str, Any]] = []
    failed = False
    for leads in config.scales:
        record = bench_scale(config, leads, meta)
        attach_floor_times(record)
        records.append(record)
        write_results(config, stamp, meta, records)
        if record["error"]:
            failed = True
            break  # a larger scale would fail the same way, only later
    markdown = write_results(config, stamp, meta, records)
    print("\n" + markdown)
    if config.keep:
        print(f"work folders kept under {config.work_dir}")
    elif config.made_work_dir and not any(config.work_dir.iterdir()):
        config.work_dir.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
