"""Time done right: replays and backfills of any past period, first reports kept, identical reruns.

Each property compares whole warehouses table by table (tests/support/tables.py: every table of
``marts`` and ``scoring`` but the ``*_as_reported`` copies, the restatement ledger and the two logs):

- any sequence of nightly runs, replays and backfills, with and without ``force``, in a random
  order, ends where one fresh build of its latest day ends;
- two builds of the same inputs give identical tables, bit for bit (compared by digest);
- a backfill holds the run lock from its first day to its last and builds the dbt docs once;
- the reported failure: past days replayed and backfilled on a warehouse that holds later days
  succeed, with every gate on.

The property tests that run many nights leave the gates out (``without_gates``: the gates only
read the warehouse and are tested on their own).
- a replay never moves the warehouse back in time, and only the day the warehouse holds can be
  published.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import lead_sla.flows.nightly as nightly_module
from lead_sla.flows.nightly import backfill, nightly, plan_backfill
from lead_sla.ops.runlog import built_day
from lead_sla.publish.publisher import published_day
from lead_sla.settings import Settings
from lead_sla.demo import generate
from tests.support.project import PROJECT_ROOT
from tests.support.tables import assert_same_tables, digests, snapshot

pytestmark = pytest.mark.slow

LAST_DAY = date(2026, 10, 31)
DAYS = [LAST_DAY - timedelta(days=n) for n in range(4, -1, -1)]  # the last five days of the month
MONTH = [LAST_DAY - timedelta(days=n) for n in range(27, -1, -1)]  # the demo's last four weeks


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    generate(folder, leads=250, days=30, seed=7, end_date=LAST_DAY)
    return folder


def settings_for(root: Path, landing: Path, *, docs: bool = False) -> Settings:
    """A warehouse under ``root``; the dbt docs are published only where a test looks at them."""
    return Settings(
        project_root=PROJECT_ROOT,
        warehouse_path=root / "warehouse" / "lead_sla.duckdb",
        landing_dir=landing,
        published_dir=root / "warehouse" / "published",
        publish_docs=docs,
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, landing: Path, prefect_harness):
    """One fresh build per day asked for (a new warehouse, one nightly run), built once per module."""
    built: dict[date, Settings] = {}

    def of(day: date) -> Settings:
        if day not in built:
            settings = settings_for(tmp_path_factory.mktemp(f"fresh-{day}"), landing)
            nightly(run_date=day, settings=settings)
            built[day] = settings
        return built[day]

    return of


def random_operations(seed: int, count: int) -> list[tuple]:
    """A random sequence over the month: nightly runs of any day (new days or replays) and backfills
    of one to ten days (forced or not)."""
    rng = random.Random(seed)
    operations: list[tuple] = []
    for _ in range(count):
        if rng.random() < 0.5:
            operations.append(("run", rng.choice(MONTH)))
        else:
            first = rng.choice(MONTH[:-1])
            last = min(MONTH[-1], first + timedelta(days=rng.randint(1, 9)))
            operations.append(("backfill", first, last, rng.random() < 0.5))
    return operations


def test_the_random_sequences_cover_what_they_claim():
    """Between them the seeds run new days, replays, forced and unforced backfills, over the month."""
    operations = [op for seed in SEEDS for op in random_operations(seed, OPERATIONS)]
    kinds = {op[0] for op in operations}
    forced = {op[3] for op in operations if op[0] == "backfill"}
    assert kinds == {"run", "backfill"} and forced == {True, False}
    assert min(op[1] for op in operations) <= MONTH[10]


SEEDS = (4, 13)
OPERATIONS = 4


@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"sequence-{seed}") for seed in SEEDS])
def test_any_sequence_of_runs_replays_and_backfills_ends_as_a_fresh_build_of_its_latest_day(
    prefect_harness, tmp_path, landing, fresh, without_gates, seed
):
    settings = settings_for(tmp_path, landing)
    operations = random_operations(seed, OPERATIONS)
    latest: date | None = None
    for operation in operations:
        if operation[0] == "run":
            result = nightly(run_date=operation[1], settings=settings)
            assert result.status == "success"
            latest = max(filter(None, [latest, operation[1]]))
            assert result.as_of_date == latest  # a replay rebuilds as of the warehouse's day
        else:
            _, first, last, force = operation
            results = backfill(start=first, end=last, force=force, settings=settings)
            assert {r.status for r in results} <= {"success", "skipped", "restated"}
            assert len([r for r in results if r.status == "success"]) <= 1  # one rebuild at most
            latest = max(filter(None, [latest, last]))
        assert built_day(settings.warehouse) == latest, operation
        assert published_day(settings.published) == latest, operation  # publishing never went back
    assert_same_tables(snapshot(fresh(latest).warehouse), snapshot(settings.warehouse))


def test_a_replay_and_a_forced_backfill_on_a_populated_warehouse_succeed_and_change_nothing(
    prefect_harness, tmp_path, landing, fresh, without_gates
):
    """The failure reported on the demo: past days replayed on a warehouse that holds later ones.
    Its first night is a second fresh build of the day: two builds of the same inputs are identical."""
    settings = settings_for(tmp_path, landing)
    nightly(run_date=LAST_DAY, settings=settings)
    first, second = digests(fresh(LAST_DAY).warehouse), digests(settings.warehouse)
    assert first.keys() == second.keys() and "scoring.lead_scores" in first
    assert {name for name in first if first[name] != second[name]} == set()
    first_reports = _rows(settings.warehouse, "select count(*) from marts.fct_sales_sla_daily_as_reported")
    replay = nightly(run_date=DAYS[1], settings=settings)
    assert (replay.status, replay.as_of_date, replay.published) == ("success", LAST_DAY, True)
    results = backfill(start=DAYS[1], end=LAST_DAY, force=True, settings=settings)
    # one rebuild for the range, the replay of its last day; the other days are restated inside it
    assert [(r.run_date, r.status, r.as_of_date) for r in results] == (
        [(day, "restated", LAST_DAY) for day in DAYS[1:-1]] + [(LAST_DAY, "success", LAST_DAY)])
    assert len({r.run_id for r in results}) == 1
    assert_same_tables(snapshot(fresh(LAST_DAY).warehouse), snapshot(settings.warehouse))
    # replays published the same day again: its first report was kept, not copied twice
    assert _rows(settings.warehouse, "select count(*) from marts.fct_sales_sla_daily_as_reported") == first_reports


def test_a_backfill_holds_the_lock_from_its_first_day_to_its_last_and_builds_the_docs_once(
    prefect_harness, tmp_path, landing, fresh, without_gates, monkeypatch
):
    settings = settings_for(tmp_path, landing, docs=True)
    taken: list[str] = []
    real_lock = nightly_module.warehouse_lock

    @contextmanager
    def counting_lock(*args, **kwargs):
        taken.append(kwargs.get("run_id", ""))
        with real_lock(*args, **kwargs):
            yield

    monkeypatch.setattr(nightly_module, "warehouse_lock", counting_lock)
    results = backfill(start=DAYS[-2], end=LAST_DAY, settings=settings)
    # one rebuild as of the range's last day; the earlier day is restated inside it
    assert [(r.run_date, r.status) for r in results] == [(DAYS[-2], "restated"), (LAST_DAY, "success")]
    assert taken == [f"backfill {DAYS[-2]}..{LAST_DAY}"]
    docs = _rows(settings.warehouse, "select r.run_date from ops.run_stages s join ops.runs r using (run_id) "
                                     "where s.stage = 'docs' order by 1")
    assert docs == [(LAST_DAY,)]
    assert (settings.published / "dbt_docs" / "index.html").exists()
    # an interrupted backfill resumes: the days already built are part of the warehouse and skipped
    again = backfill(start=DAYS[-2], end=LAST_DAY, settings=settings)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert_same_tables(snapshot(fresh(LAST_DAY).warehouse), snapshot(settings.warehouse))


@pytest.mark.parametrize(
    ("days", "held", "force", "rebuild_as_of", "restated", "skipped"),
    [
        pytest.param([1, 2, 3], None, False, 3, [1, 2], [], id="empty-warehouse"),
        pytest.param([1, 2, 3], 2, False, 3, [1, 2], [], id="a-new-last-day-rebuilds-the-range"),
        pytest.param([1, 2, 3], 2, True, 3, [1, 2], [], id="forced-or-not-the-same"),
        pytest.param([1, 2], 5, True, 5, [1, 2], [], id="all-past-forced"),
        pytest.param([1, 2], 5, False, None, [], [1, 2], id="all-past-skipped"),
        pytest.param([3, 4, 5], 5, True, 5, [3, 4], [], id="ending-on-the-held-day-forced"),
    ],
)
def test_plan_backfill_is_one_rebuild(days, held, force, rebuild_as_of, restated, skipped):
    as_days = lambda numbers: [date(2026, 10, n) for n in numbers]  # noqa: E731 - a local shorthand
    plan = plan_backfill(as_days(days), date(2026, 10, held) if held else None, force)
    expected_rebuild = date(2026, 10, rebuild_as_of) if rebuild_as_of else None
    assert (plan.rebuild_as_of, plan.restated, plan.skipped) == (expected_rebuild, as_days(restated), as_days(skipped))


def _rows(database: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
