"""The analysts' example queries return counts as BIGINT: int64 in pandas, never int128 or float; and
the README's Python way to open the published copy runs as written.

In DuckDB ``sum()`` of a BIGINT is a HUGEINT, which pandas turns into float64, so every count an
example adds up is cast back to BIGINT (and the counts it reads as they are, for one type throughout).
"""

from __future__ import annotations

import duckdb
import pytest

from tests.support.project import PROJECT_ROOT
from tests.support.published import PublishedDemo

EXAMPLES = sorted((PROJECT_ROOT / "docs" / "examples").glob("*.sql"))
COUNTS = {
    "does_speed_win": ("handoffs", "wins"),
    "is_each_team_on_time": ("deadlines", "met", "untouched_past_the_point"),
    "reps_who_breach_most": ("deadlines", "breached"),
    "is_marketing_on_pace": ("mql_target", "mqls_delivered", "projected_by_month_end"),
    "which_industries_win": ("leads", "wins"),
    "which_content_converts": ("people", "mqls", "first_touch_people", "first_touch_mqls"),
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


def _readme_python_example() -> str:
    """The shell command of the README's "Python" way to open the published copy, as written."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## For analysts and sales managers", 1)[1]
    commands = [line.strip() for line in section.splitlines() if line.strip().startswith(".venv/bin/python -c ")]
    assert len(commands) == 1, commands
    return commands[0]


def test_the_readmes_python_example_runs_on_a_published_copy(published: PublishedDemo, tmp_path):
    """Pasted into a shell at the checkout, the command prints the first rows of fct_sales_sla: here in
    a folder laid out as a checkout, its .venv and warehouse/published pointing at this run's."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "published").symlink_to(published.settings.published_dir)
    command = _readme_python_example()
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    columns = [name for (name,) in published.query("select column_name from (describe marts.fct_sales_sla) limit 3")]
    header = done.stdout.splitlines()[1]
    assert all(name in header for name in columns), done.stdout
    assert re.search(r"^\s+5 rows\s", done.stdout, re.MULTILINE), done.stdout

