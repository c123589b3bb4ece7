"""Chunked validation adds up: the verdicts do not depend on how the table was cut."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from lead_sla.quality import ValidationReport
from lead_sla.quality.engine import GxRunner

ROWS = 1000

SUITE = textwrap.dedent(
    """\
    table: marts.chunky
    stage: marts
    description: A synthetic table for the chunking tests.
    key: [row_id]
    inputs:
      totals: SELECT count(*) AS row_total, max(amount) AS max_amount FROM marts.chunky
    expectations:
      - name: row_id_unique
        type: expect_column_values_to_be_unique
        kwargs: {column: row_id}
        severity: critical
        why: keys
      - name: pair_unique
        type: expect_compound_columns_to_be_unique
        kwargs: {column_list: [group_id, position]}
        severity: critical
        why: compound keys
      - name: amount_not_negative
        type: expect_column_values_to_be_between
        kwargs: {column: amount, min_value: 0}
        severity: critical
        why: ranges
      - name: amount_mostly_not_negative
        type: expect_column_values_to_be_between
        kwargs: {column: amount, min_value: 0, mostly: 0.99}
        severity: warning
        why: tolerated share
      - name: amount_rarely_not_negative
        type: expect_column_values_to_be_between
        kwargs: {column: amount, min_value: 0, mostly: 0.999}
        severity: warning
        why: stricter share
      - name: label_known
        type: expect_column_values_to_be_in_set
        kwargs: {column: label, value_set: [a, b]}
        severity: critical
        why: enums
      - name: ended_after_started
        type: expect_column_pair_values_a_to_be_greater_than_b
        kwargs: {column_A: ended_at, column_B: started_at, or_equal: true}
        severity: critical
        why: order
      - name: max_amount
        type: expect_column_max_to_be_between
        kwargs: {column: amount, max_value: 2000}
        severity: critical
        why: aggregate on the whole table
      - name: row_count
        type: expect_column_values_to_be_between
        input: totals
        kwargs: {column: row_total, min_value: 1000, max_value: 1000}
        severity: critical
        why: derived input
    """
)


@pytest.fixture
def chunky(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """1000 rows: a duplicate id at the first and last row, duplicate pairs far apart, five
    negative amounts, two unknown labels and one reversed interval."""
    conn = duckdb.connect(str(tmp_path / "chunky.duckdb"))
    conn.execute(
        f"""CREATE SCHEMA marts;
        CREATE TABLE marts.chunky AS
        SELECT CASE WHEN i = {ROWS - 1} THEN 'id-0' ELSE 'id-' || i END AS row_id,
               i % 500 AS group_id, CASE WHEN i IN (10, 510) THEN -1 ELSE i END AS position,
               CASE WHEN i % 200 = 7 THEN -1.5 ELSE i * 1.25 END AS amount,
               CASE WHEN i IN (3, 777) THEN 'z' ELSE ['a', 'b'][1 + i % 2] END AS label,
               TIMESTAMP '2026-10-01 00:00:00' + INTERVAL (i) MINUTE AS started_at,
               TIMESTAMP '2026-10-01 00:00:00' + INTERVAL (i + CASE WHEN i = 512 THEN -5 ELSE 5 END) MINUTE AS ended_at
        FROM range({ROWS}) AS t(i)"""
    )
    suites = tmp_path / "expectations"
    (suites / "marts").mkdir(parents=True)
    (suites / "marts" / "chunky.yml").write_text(SUITE)
    yield conn, suites
    conn.close()


EXPECTED = {
    # expectation: (success, unexpected_count)
    "row_id_unique": (False, 2),
    "pair_unique": (False, 2),
    "amount_not_negative": (False, 5),
    "amount_mostly_not_negative": (True, 5),
    "amount_rarely_not_negative": (False, 5),
    "label_known": (False, 2),
    "ended_after_started": (False, 1),
    "max_amount": (True, None),
    "row_count": (True, 0),
}


@pytest.mark.parametrize(
    ("rows_per_batch", "min_ge_runs"),
    [pytest.param(100_000, 1, id="one-chunk"), pytest.param(64, 16, id="many-chunks")],
)
def test_chunk_results_add_up(
    chunky: tuple[duckdb.DuckDBPyConnection, Path],
    validate: Callable[..., ValidationReport],
    monkeypatch: pytest.MonkeyPatch,
    rows_per_batch: int,
    min_ge_runs: int,
) -> None:
    conn, suites = chunky
    runs: list[tuple[int, set[str]]] = []  # (rows in the frame, modes of the expectations run on it)
    original = GxRunner.validate

    def spy(self, frame, expectations, **kwargs):
        runs.append((len(frame), {b.mode for b in expectations}))
        return original(self, frame, expectations, **kwargs)

    monkeypatch.setattr(GxRunner, "validate", spy)
    report = validate(conn, "marts", suites, docs_dir=None, rows_per_batch=rows_per_batch, example_rows=3)

    got = {o.expectation: (o.success, o.unexpected_count) for o in report.outcomes}
    assert got == EXPECTED
    assert len(runs) >= min_ge_runs
    if rows_per_batch < ROWS:
        assert all(n <= rows_per_batch for n, modes in runs if "rows" in modes)  # chunks, never the table
        assert all(n < ROWS / 4 for n, modes in runs if modes == {"unique"})  # hash partitions
        assert any(n == ROWS for n, modes in runs if modes == {"whole"})  # the aggregate saw every row
    ids = next(o for o in report.outcomes if o.expectation == "row_id_unique")
    assert ids.observed_value.startswith("2 of 1000 rows unexpected")
    assert '"row_id": "id-0"' in ids.unexpected_examples
    pairs = next(o for o in report.outcomes if o.expectation == "pair_unique")
    assert '"row_id": "id-10"' in pairs.unexpected_examples and '"row_id": "id-510"' in pairs.unexpected_examples
    negatives = next(o for o in report.outcomes if o.expectation == "amount_not_negative")
    assert negatives.unexpected_examples.count('"amount": -1.5') == 3  # capped at example_rows
    assert '"row_id": "id-7"' in negatives.unexpected_examples
