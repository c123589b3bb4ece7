"""Who is charged: recomputed from the raw exports, independently of the models.

For every handoff of the default demo (3,000 leads over 120 days: recycled leads, owners changed
before the decision, a rep who left), the rep ``fct_sales_sla`` holds to the deadline must be the lead's
owner at the moment that decided it (the first touch, or the deadline passing untouched): the
latest owner assignment at or before that moment, read here straight from ``raw.owner_assignments``,
and nobody when that owner was deactivated by then (``raw.users``). Nothing of the dbt project is
used to find the owner.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.sources.demo import generate
from lead_sla.sources.mapping import load_mapping
from lead_sla.sources.streams import STREAMS
from lead_sla.transform.build import build_day
from lead_sla.warehouse import open_warehouse

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

DEMO_DAY = date(2026, 10, 31)


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo extracted and built as of its last day (no Prefect, no gates: only the facts)."""
    root = tmp_path_factory.mktemp("default-demo")
    settings = Settings(project_root=PROJECT_ROOT, warehouse_path=root / "lead_sla.duckdb", landing_dir=root / "landing")
    generate(settings.landing, end_date=DEMO_DAY)
    mapping = load_mapping(settings.mapping)
    conn = open_warehouse(settings)
    try:
        ensure_raw_schema(conn)
        for stream in STREAMS:
            extract_stream_files(conn, settings.landing, mapping, stream.name, up_to=DEMO_DAY)
    finally:
        conn.close()
    build_day(settings, DEMO_DAY)
    return settings.warehouse

OWNER_AT_THE_DECIDING_MOMENT = """
with assignments as (
    -- one row per assignment: raw keeps every extracted copy
    select assignment_id, any_value(contact_id) as contact_id,
           any_value(nullif(trim(owner_id), '')) as owner_id,
           any_value(cast(assigned_at as timestamp)) as assigned_at
    from raw.owner_assignments
    group by assignment_id
),
user_versions as (
    select owner_id, cast(updated_at as timestamp) as updated_at,
           coalesce(cast(active as boolean), true) as active
    from raw.users
    group by all
),
handoffs as (
    select handoff_id, contact_id, handoff_number, is_reassigned, rep_owner_id,
           least(coalesce(first_touch_at, evaluated_as_of), coalesce(rep_sla_due_at, evaluated_as_of), evaluated_as_of)
               as decided_at
    from marts.fct_sales_sla
    where rep_sla_status <> 'excluded'
),
owner_then as (
    select handoffs.handoff_id,
           arg_max(assignments.owner_id, assignments.assigned_at) as owner_id
    from handoffs
    join assignments
        on assignments.contact_id = handoffs.contact_id
        and assignments.assigned_at <= handoffs.decided_at
    group by handoffs.handoff_id
),
status_then as (
    -- the owner's latest user version at the moment (before their first version, that first one)
    select owner_then.handoff_id,
           coalesce(
               arg_max(user_versions.active, user_versions.updated_at)
                   filter (where user_versions.updated_at <= handoffs.decided_at),
               arg_min(user_versions.active, user_versions.updated_at),
               true
           ) as active
    from owner_then
    join handoffs using (handoff_id)
    left join user_versions on user_versions.owner_id = owner_then.owner_id
    group by owner_then.handoff_id
)
select handoffs.handoff_id, handoffs.handoff_number, handoffs.is_reassigned, handoffs.rep_owner_id,
       case when status_then.active then owner_then.owner_id end as expected_rep
from handoffs
left join owner_then using (handoff_id)
left join status_then using (handoff_id)
"""


def test_the_rep_charged_is_the_owner_at_the_deciding_moment(demo_warehouse: Path):
    conn = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        rows = conn.execute(OWNER_AT_THE_DECIDING_MOMENT).fetchall()
        deactivated = conn.execute(
            "select count(*) from raw.users where not coalesce(cast(active as boolean), true)").fetchall()[0][0]
    finally:
        conn.close()
    wrong = [(handoff, charged, expected) for handoff, _, _, charged, expected in rows if charged != expected]
    assert wrong == []
    # the demo exercises the hard cases: recycled leads, owners changed before the decision, a leaver
    assert len(rows) >= 300
    assert any(number > 1 for _, number, _, _, _ in rows)
    assert any(reassigned for _, _, reassigned, _, _ in rows)
    assert deactivated >= 1
