"""Running the dbt project in-process and judging it by its result objects.

``dbt build`` (models, tests, unit tests, seeds, snapshots) is always what runs: a failing
test fails the build. Success is read from dbt's ``RunResult`` objects, never from its log.

dbt runs ``--quiet``; how far it has got is followed through its events instead (:class:`DbtProgress`),
so the long build and docs steps report progress in a few plain lines.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.events.base_types import EventMsg

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings

_FAILED_STATUSES = {"error", "fail", "runtime error"}


class DbtBuildError(RuntimeError):
    """dbt reported failures; the message lists each failing node with dbt's own message."""


@dataclass(frozen=True)
class NodeResult:
    """One dbt node's outcome."""

    unique_id: str
    resource_type: str
    status: str
    message: str | None
    seconds: float
    rows_affected: int | None


@dataclass
class DbtResult:
    """Outcome of one dbt invocation."""

    command: str
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in _FAILED_STATUSES]

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.status] = counts.get(node.status, 0) + 1
        return counts


# (text, milestone): every change of a few per second at most; milestones are the lines worth a log
ProgressCallback = Callable[[str, bool], None]

_FAILED_NODE_STATUSES = {"error", "fail", "runtime error", "partial success"}


class DbtProgress:
    """Follows one dbt invocation through its events: nodes finished of the nodes it runs.

    dbt fires ``ConcurrencyLine`` once with the number of nodes it will run, then ``NodeFinished``
    after every node (a skipped one too), and for ``docs generate`` ``BuildingCatalog`` and
    ``CatalogWritten`` after compiling. ``report(text, milestone)`` receives the state: a milestone
    at the start, at every ``1 / log_steps`` of the nodes, at each phase change and at the end (about a
    dozen lines however many nodes); in between at most one update per ``update_seconds``, for a
    status display. dbt calls back from its worker threads, hence the lock.
    """

    def __init__(self, label: str, report: ProgressCallback, *, verb: str = "done", log_steps: int = 10,
                 update_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.verb = verb
        self.report = report
        self.log_steps = log_steps
        self.update_seconds = update_seconds
        self.clock = clock
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.started = clock()
        self._logged_step = 0  # the last step logged (of log_steps); the start line stands for 0
        self._last_update = float("-inf")
        self._lock = threading.Lock()

    def describe(self) -> str:
        """``dbt build: 120 of 582 nodes done (20%), 1 failed, 35 s``."""
        seconds = f"{self.clock() - self.started:.0f} s"
        if not self.total:
            return f"{self.label}: {self.done} nodes {self.verb}, {seconds}"
        share = f"{self.done * 100 // self.total}%"  # rounded down: 100% only when all are done
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.label}: {self.done} of {self.total} nodes {self.verb} ({share}){failed}, {seconds}"

    def __call__(self, event: EventMsg) -> None:
        name = event.info.name
        if name not in ("ConcurrencyLine", "NodeFinished", "BuildingCatalog", "CatalogWritten"):
            return
        with self._lock:
            if name == "ConcurrencyLine":
                self.total = int(event.data.node_count)
                to_do = "compile" if self.verb == "compiled" else "run"
                self._emit(f"{self.label}: {self.total} nodes to {to_do} (project parsed in "
                           f"{self.clock() - self.started:.0f} s)", True)
            elif name == "NodeFinished":
                self.done += 1
                if str(event.data.node_info.node_status) in _FAILED_NODE_STATUSES:
                    self.failed += 1
                step = self.done * self.log_steps // self.total if self.total else -1
                if step > self._logged_step:
                    self._logged_step = step
                    self._emit(self.describe(), True)
                elif self.clock() - self._last_update >= self.update_seconds:
                    self._emit(self.describe(), False)
            elif name == "BuildingCatalog":
                self._emit(f"{self.label}: {self.done} nodes {self.verb}; building the catalog", True)
            else:
                self._emit(f"{self.label}: catalog written, {self.clock() - self.started:.0f} s", True)

    def _emit(self, text: str, milestone: bool) -> None:
        self._last_update = self.clock()
        try:
            self.report(text, milestone)
        except Exception:  # noqa: BLE001 - progress is best effort and must never break dbt's run
            pass


@contextmanager
def _dbt_environment(settings: Settings) -> Iterator[None]:
    """dbt's profile reads these with env_var(); set them only for the invocation."""
    values = {
        "LEAD_SLA_WAREHOUSE_PATH": str(settings.warehouse),
        "LEAD_SLA_DBT_THREADS": str(settings.dbt_threads),
        "LEAD_SLA_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in previous.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _release_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open after an invocation.

    dbt-duckdb caches one database handle per process until exit. Left open, the warehouse
    file stays held by this process after the build: a read-only open from the same process
    fails ("different configuration") and the next stage would share dbt's instance.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()


def run_dbt(settings: Settings, command: str, args: Sequence[str] = (), *, day: RunDay | None = None,
            progress: DbtProgress | None = None, target_path: Path | None = None) -> DbtResult:
    """Invoke ``dbt <command>`` on the project with the settings' warehouse; never raises for dbt failures.

    ``command`` may name a sub-command (``"docs generate"``). ``day`` gives the vars of the run day
    (:meth:`RunDay.dbt_vars`); without it dbt gets none (enough for ``dbt show --inline``).
    ``progress`` receives dbt's events; ``target_path`` defaults to ``dbt_target`` beside the warehouse.
    """
    project = settings.dbt_dir
    target_path = target_path or settings.warehouse.parent / "dbt_target"
    cli_args = [
        *command.split(),
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target-path", str(target_path),
        "--log-path", str(target_path / "logs"),
        "--quiet",
        *args,
    ]
    if day is not None:
        cli_args += ["--vars", json.dumps(day.dbt_vars())]
    with _dbt_environment(settings):
        try:
            outcome: dbtRunnerResult = dbtRunner(callbacks=[progress] if progress else None).invoke(cli_args)
        finally:
            _release_duckdb()
    nodes: list[NodeResult] = []
    results = getattr(outcome.result, "results", None) or []
    for result in results:
        node = result.node
        nodes.append(
            NodeResult(
                unique_id=node.unique_id,
                resource_type=str(node.resource_type),
                status=str(result.status),
                message=result.message,
                seconds=float(result.execution_time or 0.0),
                rows_affected=(result.adapter_response or {}).get("rows_affected"),
            )
        )
    error = None if outcome.exception is None else f"{type(outcome.exception).__name__}: {outcome.exception}"
    return DbtResult(command=command, success=bool(outcome.success), nodes=nodes, error=error)


def parsed_manifest(settings: Settings) -> dict:
    """dbt's manifest of the project (models, sources and their lineage), parsed into a scratch folder.

    Nothing is built and the warehouse is not opened; a run in progress keeps its own target folder.
    """
    with tempfile.TemporaryDirectory(prefix="lead-sla-dbt-parse-") as scratch:
        result = run_dbt(settings, "parse", target_path=Path(scratch))
        if not result.success:
            raise DbtBuildError(f"dbt parse failed: {result.error or 'see the dbt log'}")
        return json.loads((Path(scratch) / "manifest.json").read_text())


def build(settings: Settings, day: RunDay, *, select: Sequence[str] = (), full_refresh: bool = False,
          data_tests: bool = True, progress: ProgressCallback | None = None) -> DbtResult:
    """``dbt build`` as of the run day ``day``; raises ``DbtBuildError`` listing every failed node.

    Unit tests are left out unless ``settings.dbt_unit_tests_nightly`` (``make test`` runs them).
    ``data_tests=False`` builds the models alone: only for checks of what the models hold, never for
    a warehouse readers use (the nightly run always tests). ``progress`` is told how far the build
    has got (see :class:`DbtProgress`).
    """
    args: list[str] = []
    excluded = ([] if settings.dbt_unit_tests_nightly else ["unit_test"]) + ([] if data_tests else ["test"])
    if excluded:
        args += ["--exclude-resource-type", *excluded]
    if select:
        args += ["--select", *select]
    if full_refresh:
        args.append("--full-refresh")
    result = run_dbt(settings, "build", args, day=day,
                     progress=DbtProgress("dbt build", progress) if progress else None)
    if not result.success:
        lines = [f"- {n.unique_id}: {n.status}: {(n.message or '').strip()[:500]}" for n in result.failures]
        if result.error:
            lines.append(f"- dbt: {result.error}")
        raise DbtBuildError(f"dbt build for {day.run_date} failed:\n" + "\n".join(lines or ["- (no node result)"]))
    return result


def generate_docs(settings: Settings, day: RunDay, out_dir: Path, *, progress: ProgressCallback | None = None) -> Path:
    """``dbt docs generate --static`` for the built warehouse; copies the single-file site to ``out_dir``.

    The static page embeds the manifest and the catalog (every model, column description and
    the tables' actual columns), so it opens offline from the published folder. ``progress`` is
    told how far it has got: nodes compiled, then the catalog.
    """
    result = run_dbt(settings, "docs generate", ["--static"], day=day,
                     progress=DbtProgress("dbt docs", progress, verb="compiled") if progress else None)
    if not result.success:
        raise DbtBuildError(f"dbt docs generate for {day.run_date} failed: {result.error}")
    page = settings.warehouse.parent / "dbt_target" / "static_index.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    tmp = out_dir / ".index.html.tmp"
    tmp.write_bytes(page.read_bytes())
    tmp.replace(target)
    return target
