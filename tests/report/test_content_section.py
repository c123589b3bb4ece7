"""Content that converts, on fixed inputs: the pieces are ranked by how surely their MQL rate is high or
low (the bounds of its 95% interval, not the rate itself), and the best and the least converting piece
read as sentences."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from lead_sla.report.data import CONTENT_COLUMNS, ReportError, _content
from lead_sla.report.render import _content_sentence

Z = 1.959964


def _wilson(k: int, n: int) -> tuple[float, float]:
    p, z2 = k / n, Z * Z
    centre, spread = p + z2 / (2 * n), Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z2 / n)), min(1.0, (centre + spread) / (1 + z2 / n))


# (content_id, people, mqls): 'lucky' (1 of 1, 100%) is less sure than 'steady' (40 of 100, 40%)
PIECES = [("sure", 3, 3), ("steady", 100, 40), ("lucky", 1, 1), ("mid", 50, 10), ("small", 10, 2), ("low", 60, 3),
          ("never", 200, 0), ("unseen", 2, 0)]


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect(str(tmp_path / "published.duckdb"))
    db.execute("CREATE SCHEMA marts")
    columns = ["cohort", "cohort_month", *CONTENT_COLUMNS]
    rows = []
    for content_id, people, mqls in PIECES:
        low, high = _wilson(mqls, people)
        row = dict.fromkeys(columns, 0)
        row.update(cohort="all_closed", cohort_month=None, content_kind="landing_page", content_id=f"/{content_id}",
                   content_name=f"/{content_id}", window_days=90, engaged_people=people, mqls=mqls,
                   mql_rate=mqls / people, mql_rate_lower_95=low, mql_rate_upper_95=high, cohort_leads=40,
                   leads_touched=4, share_of_leads_touched=0.1)
        rows.append(row)
        rows.append({**row, "cohort": "2026-07", "cohort_month": "2026-07-01"})
    # a piece that touched new leads but has no first engagement of its own in the closed months is not ranked
    rows.append({**rows[0], "content_id": "/reach-only", "engaged_people": 0, "mqls": 0, "mql_rate": None,
                 "mql_rate_lower_95": None, "mql_rate_upper_95": None})
    types = {"cohort": "VARCHAR", "content_kind": "VARCHAR", "content_id": "VARCHAR", "content_name": "VARCHAR",
             "cohort_month": "DATE"}
    declared = ", ".join(f"{c} {types.get(c, 'DOUBLE')}" for c in columns)
    db.execute(f"CREATE TABLE marts.fct_content_conversion ({declared})")
    db.executemany(f"INSERT INTO marts.fct_content_conversion VALUES ({', '.join('?' for _ in columns)})",
                   [[r[c] for c in columns] for r in rows])
    yield db
    db.close()


def test_pieces_rank_by_the_bounds_of_their_interval(conn: duckdb.DuckDBPyConnection) -> None:
    content = _content(conn)
    assert content.window_days == 90 and [str(m) for m in content.months] == ["2026-07-01"]
    assert [r["content_id"] for r in content.top] == ["/sure", "/steady", "/lucky", "/mid", "/small"]
    # of the others, the surest low first: 0 of 200 is surely lower than 0 of 2
    assert [r["content_id"] for r in content.bottom] == ["/never", "/low", "/unseen"]
    assert "/reach-only" not in [r["content_id"] for r in content.pieces] and len(content.pieces) == len(PIECES)


def test_a_published_copy_without_the_mart_is_named(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("ALTER TABLE marts.fct_content_conversion DROP COLUMN first_touch_mql_rate")
    with pytest.raises(ReportError, match=r"marts\.fct_content_conversion lacks first_touch_mql_rate"):
        _content(conn)


def test_the_best_and_the_least_converting_piece_read_as_sentences(conn: duckdb.DuckDBPyConnection) -> None:
    content = _content(conn)
    assert _content_sentence(content.top[0], 90, best=True) == (
        "Converts best: the landing page /sure. Of the 3 people who first engaged with it, 3 became MQLs within "
        "90 days: 100.0% (95% CI 43.9%–100.0%); 10.0% of the new leads had seen it before they signed up.")
    assert _content_sentence(content.bottom[0], 90, best=False) == (
        "Converts least: the landing page /never. Of the 200 people who first engaged with it, 0 became MQLs "
        "within 90 days: 0% (95% CI 0%–1.9%); 10.0% of the new leads had seen it before they signed up.")
