"""One run per warehouse at a time.

DuckDB allows a single writing process; two pipeline runs on one warehouse would also race
on its tables. A run takes an exclusive lock file beside the warehouse before it starts. A
second run waits up to ``wait_seconds`` (0: refuse at once) and then refuses with a message
naming the run that holds the lock.

Beside the lock, ``<warehouse>.lock.json`` says who holds it (run id, pid, since when) and, as the
run goes, its stage, how far the stage has got (``dbt build: 120 of 582 nodes done``; cleared when
the next stage starts) and the run's own progress (a backfill's range): ``lead-sla status`` reads it
while the run holds the warehouse, and a holder whose process is gone (killed) marks its run as
abandoned at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from lead_sla.ops.runlog import utc_now


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock.json")


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) the warehouse's run lock, from ``<warehouse>.lock.json``."""

    run_id: str
    pid: int
    since: str
    stage: str | None = None
    stage_since: str | None = None
    stage_progress: str | None = None
    progress: str | None = None

    @property
    def alive(self) -> bool:
        """The holding process still runs (on this machine)."""
        return pid_alive(self.pid)

    def describe(self) -> str:
        """``run X (pid N, since T UTC), stage build since T UTC (dbt build: 120 of 582 nodes done), one
        rebuild as of D``."""
        text = f"run {self.run_id} (pid {self.pid}, since {self.since} UTC)"
        if self.stage:
            text += f", stage {self.stage}" + (f" since {self.stage_since} UTC" if self.stage_since else "")
            if self.stage_progress:
                text += f" ({self.stage_progress})"
        if self.progress:
            text += f", {self.progress}"
        return text


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` runs: it exists (one we may not signal still does) and is not
    a zombie (killed, but not yet reaped by its parent: it holds nothing any more)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        # /proc/<pid>/stat: "pid (name) state ..."; the name may hold spaces and parentheses
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): existing is all we can tell
    return state not in ("Z", "X")


def lock_holder(warehouse: Path) -> LockHolder | None:
    """The holder the lock file names, or None when no run holds it (the file goes with the lock)."""
    try:
        info = json.loads(_holder_path(warehouse).read_text())
        return LockHolder(
            run_id=str(info["run_id"]), pid=int(info["pid"]), since=str(info["since"]),
            stage=info.get("stage"), stage_since=info.get("stage_since"), stage_progress=info.get("stage_progress"),
            progress=info.get("progress"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def note_progress(warehouse: Path, *, stage: str | None = None, stage_progress: str | None = None,
                  progress: str | None = None) -> None:
    """Record the current stage, how far it has got, or the run's progress in the holder file, when
    this process holds the lock. A new stage clears the previous stage's progress.

    Best effort: ``status`` reads it, nothing depends on it; a process that does not hold the lock
    (a test writing a run log) leaves the file alone.
    """
    path = _holder_path(warehouse)
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if info.get("pid") != os.getpid():
        return
    if stage is not None:
        info.update(stage=stage, stage_since=utc_now().isoformat(timespec="seconds"))
        info.pop("stage_progress", None)
    if stage_progress is not None:
        info["stage_progress"] = stage_progress
    if progress is not None:
        info["progress"] = progress
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(info))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


@contextmanager
def warehouse_lock(warehouse: Path, *, run_id: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's run lock for the duration of the block, or raise ``WarehouseBusy``."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(warehouse)), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        found = lock_holder(warehouse)
        holder = "unknown run" if found is None else found.describe()
        raise WarehouseBusy(
            f"another run is using {warehouse}: {holder}. Wait for it to finish "
            f"(`lead-sla status` shows it), or raise LEAD_SLA_LOCK_WAIT_SECONDS to queue behind it."
        ) from None
    try:
        _holder_path(warehouse).write_text(json.dumps(
            {"run_id": run_id, "pid": os.getpid(), "since": utc_now().isoformat(timespec="seconds")}
        ))
        yield
    finally:
        _holder_path(warehouse).unlink(missing_ok=True)
        lock.release()
