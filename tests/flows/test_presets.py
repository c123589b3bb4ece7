"""The shipped presets for HubSpot and Salesforce exports, on small exports written by hand.

`tests/fixtures/exports/hubspot/` and `.../salesforce/` hold one export day (2026-04-17) each, with
the columns as the vendors name them: 30 leads created over the two working weeks of 2026-04-06 to
2026-04-17 (09:00-17:00 New York, no holiday), some in the evening, three reps, a won, a lost and an
open deal. Each lead's follow-up was written to a plan (its number in the export, from 0):

- number % 4 == 0: touched (a call) 20 minutes after the clock starts: met;
- number % 4 == 1: touched (an e-mail) 45 minutes after: met (unless that is after the export);
- number % 4 == 2: first called two business days later at 11:00: late (unless after the export);
- number % 4 == 3: never touched (one of them rang in: an inbound call is no touch).

A lead created at 19:30 starts its clock at the next opening (09:00 the next business day). The
HubSpot export's leads 24-29 never became MQLs, and 22 and 23 have no owner (routing breaches).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from tests.support.project import PROJECT_ROOT

EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports"
LAST_DAY = "2026-04-17"
PRESETS = ["hubspot", "salesforce"]


def _env(preset: str, tmp_path: Path) -> dict[str, str]:
    return {
        "LEAD_SLA_PROJECT_ROOT": str(PROJECT_ROOT),
        "LEAD_SLA_LANDING_DIR": str(EXPORTS / preset),
        "LEAD_SLA_SOURCE_MAPPING": str(PROJECT_ROOT / "config" / "sources" / f"{preset}.yml"),
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "lead_sla.duckdb"),
        "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "warehouse" / "published"),
        "LEAD_SLA_PUBLISH_DOCS": "false",
        "COLUMNS": "250",
    }


# What the check says each stream would land, as counted by hand from the fixture.
CHECKED = {
    "hubspot": [
        # each contact as created (stage unknown) and as exported
        "contacts (required): 2 files, 60 rows read, 60 would land",
        # 30 lead dates, 24 mql, 3 sql, 3 opportunity, 1 customer; the empty stage dates are filtered
        "lifecycle_changes (required): 5 files, 150 rows read, 61 would land, 0 repeated versions, 89 filtered",
        "owner_assignments (optional): 1 files, 30 rows read, 28 would land",  # two contacts have no owner
        "users (optional): 5 files, 54 rows read, 3 would land",  # three names own everything
        "companies (optional): 1 files, 10 rows read, 10 would land",
        "deals (optional): 1 files, 3 rows read, 3 would land",
        "activities (optional): 3 files, 21 rows read, 20 would land, 0 repeated versions, 1 filtered",  # canceled
    ],
    "salesforce": [
        # each lead as created (an mql) and as exported, and the 3 contacts converted leads became
        "contacts (required): 3 files, 63 rows read, 63 would land",
        # 30 mql, 3 sql, 1 disqualified from the leads; 3 opportunity, 1 customer from the opportunities
        "lifecycle_changes (required): 5 files, 96 rows read, 38 would land",
        "owner_assignments (optional): 1 files, 30 rows read, 30 would land",
        "users (optional): 5 files, 63 rows read, 3 would land",
        "companies (optional): 1 files, 30 rows read, 30 would land",
        "deals (optional): 1 files, 3 rows read, 3 would land",
        "activities (optional): 2 files, 27 rows read, 26 would land, 0 repeated versions, 1 filtered",  # not started
    ],
}


@pytest.mark.parametrize("preset", PRESETS)
def test_the_preset_passes_the_mapping_check_on_its_fixture(preset: str, tmp_path: Path):
    result = CliRunner().invoke(app, ["mapping", "check"], env=_env(preset, tmp_path))

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    for line in CHECKED[preset]:
        assert line in output
    assert "value not mapped" not in output
    assert "would land no rows" not in output
    for stream_line in (line for line in result.output.splitlines() if " rows read, " in line):
        assert stream_line.endswith(", 0 quarantined"), stream_line
    assert not (tmp_path / "warehouse" / "lead_sla.duckdb").exists()  # a dry run


# Per preset: the handoffs by status, and the won deal (contact, amount, customer since), from the plan above.
EXPECTED = {
    "hubspot": {
        "statuses": {"met": 12, "late": 4, "open_breach": 5, "pending": 1, "routing_breach": 2},
        "won": ("501", 24000, datetime(2026, 4, 15, 20)),  # "Became a Customer Date" 16:00 New York
    },
    "salesforce": {
        "statuses": {"met": 15, "late": 6, "open_breach": 7, "pending": 2},
        "won": ("00QHs0000000001AAA", 26000, datetime(2026, 4, 15, 12)),  # Close Date, date-only: 12:00 UTC
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_the_preset_fixture_runs_the_night_and_publishes_a_report(preset: str, prefect_harness, tmp_path: Path):
    env = _env(preset, tmp_path)

    result = CliRunner().invoke(app, ["run", "--date", LAST_DAY], env=env)

    assert result.exit_code == 0, result.output
    assert "published: yes" in result.output
    assert "Quarantined: none" in result.output
    report = tmp_path / "warehouse" / "reports" / f"sla-report-{LAST_DAY}.html"
    assert report.exists() and "<html" in report.read_text(encoding="utf-8").lower()

    conn = duckdb.connect(str(tmp_path / "warehouse" / "published" / "lead_sla.duckdb"), read_only=True)
    try:
        statuses = dict(conn.execute("select sla_status, count(*) from marts.fct_sales_sla group by 1").fetchall())
        touched = conn.execute("select count(first_touch_at) from marts.fct_sales_sla").fetchone()
        won = conn.execute("select contact_id, became_customer_at from marts.dim_leads "
                           "where became_customer_at is not null").fetchall()
        milestones = conn.execute("select count(became_mql_at), count(became_sql_at), count(became_opportunity_at) "
                                  "from marts.dim_leads").fetchone()
        funnel = conn.execute("select sum(won_deals), cast(sum(won_amount) as integer), sum(mqls) "
                              "from marts.fct_lead_funnel_daily").fetchone()
        handoffs = {row[0]: row[1:] for row in conn.execute(
            "select contact_id, handed_off_at, owner_id, clock_started_at, first_touch_at, sla_status, "
            "response_business_minutes, outcome from marts.fct_sales_sla").fetchall()}
    finally:
        conn.close()

    expected = EXPECTED[preset]
    assert statuses == expected["statuses"]
    touches = expected["statuses"]["met"] + expected["statuses"]["late"]
    assert touched == (touches,)
    contact, amount, customer_at = expected["won"]
    assert won == [(contact, customer_at)]  # a customer since the won deal's close, not since its creation
    assert milestones == (sum(expected["statuses"].values()), 3, 3)
    assert funnel == (1, amount, sum(expected["statuses"].values()))
    if preset == "hubspot":
        _hubspot_cases(handoffs)
    else:
        _salesforce_cases(handoffs)


def _hubspot_cases(handoffs: dict[str, tuple]) -> None:
    # 503: mql Wed 2026-04-08 10:00 New York (14:00 UTC), first call Fri 11:00: 420 + 480 + 120 business minutes.
    assert handoffs["503"][:5] == (datetime(2026, 4, 8, 14), "Priya Shah", datetime(2026, 4, 8, 14),
                                   datetime(2026, 4, 10, 15), "late")
    assert handoffs["503"][5] == 1020
    # 504 rang in an hour after its handoff and was never called back: an inbound call is no touch.
    assert handoffs["504"][3:5] == (None, "open_breach")
    # 521: mql Mon 19:30 New York; the clock starts at Tuesday's opening, the call at 09:20 is 20 business minutes.
    assert handoffs["521"][3:6] == (datetime(2026, 4, 7, 13, 20), "met", 20)
    # 523 and 524 have no "Contact owner": nobody is assigned, routing's fault.
    assert [handoffs[c][1:5:3] for c in ("523", "524")] == [(None, "routing_breach")] * 2
    # 501 won: accepted as sql the next day.
    assert handoffs["501"][6] == "accepted"


def _salesforce_cases(handoffs: dict[str, tuple]) -> None:
    def lead(number: int) -> str:
        return f"00QHs0000{number + 1:06d}AAA"

    # Lead 2: created (handed off to Nora Walsh) Wed 2026-04-08 10:00, first called Fri 11:00.
    assert handoffs[lead(2)][:6] == (datetime(2026, 4, 8, 14), "Nora Walsh", datetime(2026, 4, 8, 14),
                                     datetime(2026, 4, 10, 15), "late", 1020)
    # Lead 3's only call was inbound, lead 7's call is not done yet, lead 11's was internal: no touch.
    assert [handoffs[lead(n)][3:5] for n in (3, 7, 11)] == [(None, "open_breach")] * 3
    # Lead 22: created Wed 19:30, clock from Thursday 09:00, called Monday 11:00 (480 + 480 + 120).
    assert handoffs[lead(22)][3:6] == (datetime(2026, 4, 13, 15), "late", 1080)
    # The converted leads were accepted; lead 24, "Closed - Not Converted", was disqualified.
    assert [handoffs[lead(n)][6] for n in (0, 4, 8, 24)] == ["accepted", "accepted", "accepted", "disqualified"]
