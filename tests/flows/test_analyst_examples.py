"""The analysts' example queries return counts as BIGINT: int64 in pandas, never int128 or float.

In DuckDB ``sum()`` of a BIGINT is a HUGEINT, which pandas turns into float64, so every count an
example adds up is cast back to BIGINT (and the counts it reads as they are, for one type throughout).
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, PublishedDemo

EXAMPLES = sorted((PROJECT_ROOT / "docs" / "examples").glob("*.sql"))
COUNTS = {
    "does_speed_win": ("handoffs", "wins"),
    "is_each_team_on_time": ("deadlines", "met", "untouched_past_the_point"),
    "reps_who_breach_most": ("deadlines", "breached"),
    "is_marketing_on_pace": ("mql_target", "mqls_delivered", "projected_by_month_end"),
    "which_industries_win": ("leads", "wins"),
}


def test_every_example_names_its_counts():
    assert sorted(COUNTS) == [path.stem for path in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_counts_come_back_as_bigint_and_int64(published: PublishedDemo, example):
    query = example.read_text().strip().rstrip(";")
    conn = duckdb.connect(str(published.database), read_only=True)
    try:
        types = {name: kind for name, kind, *_ in conn.execute(f"DESCRIBE {query}").fetchall()}
        frame = conn.execute(query).df()
    finally:
        conn.close()
    assert "HUGEINT" not in types.values(), types
    assert {name: types[name] for name in COUNTS[example.stem]} == {name: "BIGINT" for name in COUNTS[example.stem]}
    assert {name: str(frame[name].dtype) for name in COUNTS[example.stem]} == {
        name: "int64" for name in COUNTS[example.stem]}
