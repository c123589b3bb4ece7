"""One run per warehouse at a time.

DuckDB allows a single writing process; two pipeline runs on one warehouse would also race
on its tables. A run takes an exclusive lock file beside the warehouse before it starts. A
second run waits up to ``wait_seconds`` (0: refuse at once) and then refuses with a message
naming the run that holds the lock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from lead_sla.ops.runlog import utc_now


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock.json")


@contextmanager
def warehouse_lock(warehouse: Path, *, run_id: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's run lock for the duration of the block, or raise ``WarehouseBusy``."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(warehouse)), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        holder = "unknown run"
        try:
            info = json.loads(_holder_path(warehouse).read_text())
            holder = f"run {info['run_id']} (pid {info['pid']}, since {info['since']} UTC)"
        except (OSError, ValueError, KeyError):
            pass
        raise WarehouseBusy(
            f"another run is using {warehouse}: {holder}. Wait for it to finish "
            f"(`lead-sla status` shows it), or raise LEAD_SLA_LOCK_WAIT_SECONDS to queue behind it."
        ) from None
    try:
        _holder_path(warehouse).write_text(json.dumps({"run_id": run_id, "pid": os.getpid(), "since": utc_now().isoformat()}))
        yield
    finally:
        _holder_path(warehouse).unlink(missing_ok=True)
        lock.release()
