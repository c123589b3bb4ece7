"""Progress of the long dbt steps, from dbt's own events: a dozen plain lines a step, however many
nodes, and a current state for ``lead-sla status`` at most once a second."""

from __future__ import annotations

from datetime import date

import pytest
from dbt.adapters.events.types import BuildingCatalog, CatalogWritten
from dbt.events.types import ConcurrencyLine, NodeFinished, NodeStart
from dbt_common.events.base_types import msg_from_base_event

from lead_sla.run_day import RunDay
from lead_sla.settings import Settings
from lead_sla.transform.build import write_agreement
from lead_sla.transform.dbt import DbtProgress, build

DAY = date(2026, 10, 31)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _started(total: int):  # noqa: ANN202 - a dbt EventMsg
    return msg_from_base_event(ConcurrencyLine(num_threads=2, target_name="local", node_count=total))


def _finished(status: str = "success", name: str = "model.lead_sla.m"):  # noqa: ANN202 - a dbt EventMsg
    return msg_from_base_event(NodeFinished(node_info={"unique_id": name, "node_status": status}, run_result={}))


def _follow(**kwargs) -> tuple[DbtProgress, list[tuple[str, bool]], Clock]:  # noqa: ANN003
    seen: list[tuple[str, bool]] = []
    clock = Clock()
    progress = DbtProgress("dbt build", lambda text, milestone: seen.append((text, milestone)), clock=clock, **kwargs)
    return progress, seen, clock


def test_a_build_of_582_nodes_logs_a_start_line_and_one_line_per_tenth():
    progress, seen, clock = _follow()
    clock.now += 7
    progress(_started(582))
    for _ in range(582):
        clock.now += 0.01  # quicker than the update interval: only the milestones
        progress(_finished())
    lines = [text for text, milestone in seen if milestone]
    assert lines[0] == "dbt build: 582 nodes to run (project parsed in 7 s)"
    assert lines[1] == "dbt build: 59 of 582 nodes done (10%), 8 s"
    assert lines[-1] == "dbt build: 582 of 582 nodes done (100%), 13 s"
    assert len(lines) == 11
    assert [text for text, milestone in seen if not milestone] == []


def test_between_milestones_the_state_is_updated_at_most_once_a_second():
    progress, seen, clock = _follow()
    progress(_started(1000))
    for _ in range(99):  # below the first tenth: no milestone
        clock.now += 0.25
        progress(_finished())
    updates = [text for text, milestone in seen if not milestone]
    assert len(updates) == 24  # 24.75 s, one update a second
    assert updates[-1] == "dbt build: 96 of 1000 nodes done (9%), 24 s"


def test_failed_nodes_are_counted_and_skipped_ones_are_done():
    progress, seen, _ = _follow(log_steps=2)
    progress(_started(4))
    for status in ("success", "fail", "error", "skipped"):
        progress(_finished(status))
    assert [text for text, _ in seen] == [
        "dbt build: 4 nodes to run (project parsed in 0 s)",
        "dbt build: 2 of 4 nodes done (50%), 1 failed, 0 s",
        "dbt build: 4 of 4 nodes done (100%), 2 failed, 0 s",
    ]


def test_docs_say_nodes_compiled_then_the_catalog():
    seen: list[str] = []
    clock = Clock()
    progress = DbtProgress("dbt docs", lambda text, _: seen.append(text), verb="compiled", log_steps=1, clock=clock)
    progress(_started(2))
    progress(msg_from_base_event(NodeStart(node_info={"unique_id": "model.lead_sla.m"})))  # not counted
    progress(_finished())
    progress(_finished())
    progress(msg_from_base_event(BuildingCatalog()))
    clock.now += 18
    progress(msg_from_base_event(CatalogWritten(path="catalog.json")))
    assert seen == [
        "dbt docs: 2 nodes to compile (project parsed in 0 s)",
        "dbt docs: 2 of 2 nodes compiled (100%), 0 s",
        "dbt docs: 2 nodes compiled; building the catalog",
        "dbt docs: catalog written, 18 s",
    ]


def test_a_failing_receiver_never_breaks_the_run():
    def broken(text: str, milestone: bool) -> None:
        raise OSError("disk full")

    progress = DbtProgress("dbt build", broken)
    progress(_started(1))
    progress(_finished())
    assert progress.done == 1


@pytest.mark.slow  # runs dbt
def test_a_real_build_reports_every_node_it_ran(settings: Settings):
    write_agreement(settings, DAY)
    seen: list[tuple[str, bool]] = []
    result = build(settings, RunDay(DAY, settings.reporting_timezone), select=["path:models/staging"], data_tests=False,
                   progress=lambda text, milestone: seen.append((text, milestone)))
    total = len(result.nodes)
    assert total > 20
    lines = [text for text, milestone in seen if milestone]
    assert lines[0].startswith(f"dbt build: {total} nodes to run")
    assert lines[-1].startswith(f"dbt build: {total} of {total} nodes done (100%), ")
    assert len(lines) == 11
