"""Comparing whole warehouses, table by table: what the pipeline's time properties are checked with.

The invariant: after any sequence of runs, replays and backfills, the warehouse equals one fresh
build of its latest day. Compared: every base table of ``marts`` and ``scoring``, except the tables
whose content is the history of the runs themselves: the first reports (``*_as_reported``) and the
ledger of their restatements, the CRM push ledger, and the model registry (a log of every model
trained; the model in use is compared through the scores it gave).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

COMPARED_SCHEMAS = ("marts", "scoring")
RUN_HISTORY_TABLES = {"scoring.crm_task_pushes", "scoring.model_registry"}


def _is_run_history(name: str) -> bool:
    return "as_reported" in name or name in RUN_HISTORY_TABLES


def compared_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables the invariant covers, ``schema.table``, sorted."""
    rows = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in {COMPARED_SCHEMAS} and table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()
    return [f"{s}.{t}" for s, t in rows if not _is_run_history(f"{s}.{t}")]


def snapshot(database: Path) -> dict[str, list[tuple]]:
    """Every compared table's rows, sorted, values exact (floats included)."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return {name: conn.execute(f"select * from {name} order by all").fetchall() for name in compared_tables(conn)}
    finally:
        conn.close()


def digests(database: Path) -> dict[str, str]:
    """One md5 per compared table over all its rows, in a fixed order: equal digests, equal tables."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return {
            name: conn.execute(
                f"select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
                f"from {name} as t"
            ).fetchall()[0][0]
            for name in compared_tables(conn)
        }
    finally:
        conn.close()


def differences(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> dict[str, str]:
    """Per differing table, how it differs (row counts and rows only on one side)."""
    found: dict[str, str] = {}
    for name in sorted(set(left) | set(right)):
        if name not in left or name not in right:
            found[name] = "only on the " + ("right" if name not in left else "left")
            continue
        if left[name] != right[name]:
            only_left = sorted(set(left[name]) - set(right[name]), key=str)
            only_right = sorted(set(right[name]) - set(left[name]), key=str)
            found[name] = (f"{len(left[name])} vs {len(right[name])} rows; only left e.g. {only_left[:2]}; "
                           f"only right e.g. {only_right[:2]}")
    return found


def assert_same_tables(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> None:
    """Fail naming every table that differs, and how."""
    found = differences(left, right)
    assert not found, "tables differ:\n" + "\n".join(f"- {name}: {how}" for name, how in found.items())
