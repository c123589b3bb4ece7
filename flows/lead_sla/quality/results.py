"""``dq.validation_results``: every expectation's outcome of every run, kept in the warehouse."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import duckdb
import pyarrow as pa

from lead_sla.quality.outcomes import ExpectationOutcome

RESULTS_SCHEMA = "dq"
RESULTS_TABLE = f"{RESULTS_SCHEMA}.validation_results"

# The columns the pipeline promises first, then the context that makes a row readable alone.
_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("run_id", "VARCHAR NOT NULL", pa.string()),
    ("run_date", "DATE NOT NULL", pa.date32()),
    ("suite", "VARCHAR NOT NULL", pa.string()),
    ("table_name", "VARCHAR NOT NULL", pa.string()),
    ("expectation", "VARCHAR NOT NULL", pa.string()),
    ("severity", "VARCHAR NOT NULL", pa.string()),
    ("success", "BOOLEAN", pa.bool_()),                 # null: not evaluated (suite skipped)
    ("observed_value", "VARCHAR", pa.string()),
    ("unexpected_count", "BIGINT", pa.int64()),
    ("unexpected_examples", "VARCHAR", pa.string()),    # JSON list of a few offending rows
    ("validated_at", "TIMESTAMP NOT NULL", pa.timestamp("us")),
    ("stage", "VARCHAR NOT NULL", pa.string()),          # raw | marts: a rerun replaces its stage
    ("expectation_type", "VARCHAR NOT NULL", pa.string()),
    ("why", "VARCHAR", pa.string()),
    ("status", "VARCHAR", pa.string()),                 # passed | failed | skipped (with the reason observed)
)


def ensure_results_table(conn: duckdb.DuckDBPyConnection) -> None:
    """Create ``dq.validation_results`` if it is missing (idempotent)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULTS_SCHEMA}")
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in _COLUMNS)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} ({columns})")
    # a warehouse whose results predate the status column gets it (its old rows: null)
    conn.execute(f"ALTER TABLE {RESULTS_TABLE} ADD COLUMN IF NOT EXISTS status VARCHAR")


def write_results(
    conn: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    run_date: date,
    stage: str,
    validated_at: datetime,
    outcomes: Sequence[ExpectationOutcome],
) -> None:
    """Replace the rows of (``run_id``, ``stage``) by ``outcomes``, in one transaction."""
    rows = {
        "run_id": [run_id] * len(outcomes),
        "run_date": [run_date] * len(outcomes),
        "suite": [o.suite for o in outcomes],
        "table_name": [o.table_name for o in outcomes],
        "expectation": [o.expectation for o in outcomes],
        "severity": [o.severity for o in outcomes],
        "success": [o.success for o in outcomes],
        "observed_value": [o.observed_value for o in outcomes],
        "unexpected_count": [o.unexpected_count for o in outcomes],
        "unexpected_examples": [o.unexpected_examples for o in outcomes],
        "validated_at": [validated_at] * len(outcomes),
        "stage": [stage] * len(outcomes),
        "expectation_type": [o.expectation_type for o in outcomes],
        "why": [o.why for o in outcomes],
        "status": [o.status for o in outcomes],
    }
    table = pa.table(rows, schema=pa.schema([(name, arrow_type) for name, _, arrow_type in _COLUMNS]))
    names = ", ".join(name for name, _, _ in _COLUMNS)
    conn.execute("BEGIN TRANSACTION")
    try:
        ensure_results_table(conn)
        conn.execute(f"DELETE FROM {RESULTS_TABLE} WHERE run_id = ? AND stage = ?", [run_id, stage])
        conn.register("_dq_outcomes", table)
        try:
            conn.execute(f"INSERT INTO {RESULTS_TABLE} ({names}) SELECT {names} FROM _dq_outcomes")
        finally:
            conn.unregister("_dq_outcomes")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
