"""`lead-sla mapping check`: a dry run of extraction that says what a mapping makes of the landing folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.settings import Settings
from lead_sla.sources.check import check_mapping, describe, marts_by_stream
from lead_sla.sources.mapping import load_mapping
from tests.support.project import PROJECT_ROOT, SHARED_DATA

MAPPING = textwrap.dedent("""\
    name: crm-export
    timezone: UTC
    loads:
      - stream: contacts
        files: leads.csv
        columns: {contact_id: '"Lead ID"', created_at: Created, updated_at: Created, source: Origin}
      - stream: lifecycle_changes
        files: leads.csv
        columns: {change_id: "\\"Lead ID\\" || ':mql'", contact_id: '"Lead ID"', to_stage: Stage, changed_at: Created}
        values: {to_stage: {Qualified: mql}}
    """)

LEADS = textwrap.dedent("""\
    Lead ID,Created,Origin,Stage,Favourite colour
    L1,2026-10-01 10:00:00,web,Qualified,blue
    L2,2026-10-02 11:00:00,event,Qualified,red
    L3,2026-10-03 12:00:00,web,Hot,green
    L4,2026-10-04 13:00:00,web,Warm,green
    L5,2026-10-05 14:00:00,partner,Hot,blue
    """)

# dbt's lineage for the streams these tests leave out, without parsing the project for each test.
LINEAGE = {"activities": ["marts.fct_sales_sla"], "web_sessions": ["marts.fct_lead_funnel_daily"]}


@pytest.fixture
def export(tmp_path: Path) -> Settings:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "leads.csv").write_text(LEADS)
    (tmp_path / "mapping.yml").write_text(MAPPING)
    return Settings(project_root=PROJECT_ROOT, warehouse_path=tmp_path / "warehouse" / "lead_sla.duckdb",
                    landing_dir=landing, source_mapping=tmp_path / "mapping.yml")


def test_each_stream_says_what_would_land_and_what_the_mapping_leaves_out(export: Settings):
    result = check_mapping(export, load_mapping(export.mapping), lineage=LINEAGE)
    by_name = {check.stream: check for check in result.streams}

    contacts = by_name["contacts"]
    assert (contacts.rows_read, contacts.rows_landed, contacts.rows_quarantined) == (5, 5, 0)
    [load] = contacts.loads
    assert load.files == ["leads.csv"]
    assert load.mapped == ["Lead ID", "Created", "Origin"]
    assert load.unmapped == ["Favourite colour"]           # Stage: the lifecycle load maps it

    changes = by_name["lifecycle_changes"]
    assert (changes.rows_read, changes.rows_landed, changes.rows_quarantined) == (5, 2, 3)
    # The stages no value map names, with their counts: what to add to the load's `values`.
    assert changes.unmapped_values == [("to_stage", "Hot", 2), ("to_stage", "Warm", 1)]
    assert [(reason, rows) for reason, rows, _ in changes.reasons] == [("unknown value in to_stage", 3)]
    assert changes.reasons[0][2] == "leads.csv:4"          # where the first one is, to look at it

    assert result.missing_required == []
    # Streams the mapping does not feed: the marts that read them are named, from dbt's lineage.
    assert by_name["activities"].loads == [] and by_name["activities"].marts_without_it == ["marts.fct_sales_sla"]
    lines = describe(result)
    assert "value not mapped: to_stage = Hot (2 rows); add it to the load's `values`" in "\n".join(lines)
    assert "No data for activities: built without it: marts.fct_sales_sla" in lines


def test_nothing_lands_in_the_warehouse(export: Settings):
    check_mapping(export, load_mapping(export.mapping), lineage=LINEAGE)
    assert not export.warehouse.exists()


@pytest.mark.slow  # parses the dbt project for its lineage
def test_a_required_stream_without_rows_exits_2_naming_it(export: Settings, monkeypatch: pytest.MonkeyPatch):
    mapping = export.mapping.read_text()
    export.mapping.write_text(mapping[: mapping.index("  - stream: lifecycle_changes")])
    for name, value in {"LEAD_SLA_LANDING_DIR": export.landing, "LEAD_SLA_SOURCE_MAPPING": export.mapping,
                        "LEAD_SLA_WAREHOUSE_PATH": export.warehouse}.items():
        monkeypatch.setenv(name, str(value))
    result = CliRunner().invoke(app, ["mapping", "check"])
    assert result.exit_code == 2, result.output
    assert "lifecycle_changes (required): not in the mapping" in result.output
    assert "Missing required streams: lifecycle_changes" in result.output
    assert not export.warehouse.exists()


@pytest.mark.slow  # parses the dbt project for its lineage
def test_a_required_column_missing_is_named_and_exits_2(export: Settings, monkeypatch: pytest.MonkeyPatch):
    export.mapping.write_text(MAPPING.replace("created_at: Created, updated_at: Created, ", ""))
    for name, value in {"LEAD_SLA_LANDING_DIR": export.landing, "LEAD_SLA_SOURCE_MAPPING": export.mapping}.items():
        monkeypatch.setenv(name, str(value))
    result = CliRunner().invoke(app, ["mapping", "check"])
    assert result.exit_code == 2, result.output
    assert "contacts (required): 1 files; cannot land:" in result.output
    assert "updated_at" in result.output


def test_a_missing_landing_folder_or_bad_day_exits_2(export: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("LEAD_SLA_LANDING_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("LEAD_SLA_SOURCE_MAPPING", str(export.mapping))
    result = CliRunner().invoke(app, ["mapping", "check"])
    assert result.exit_code == 2 and "nowhere does not exist" in result.output
    result = CliRunner().invoke(app, ["mapping", "check", "--up-to", "yesterday"])
    assert result.exit_code == 2 and "--up-to must be a date" in result.output


@pytest.mark.slow  # parses the dbt project for its lineage
def test_dbt_lineage_names_the_marts_each_stream_feeds():
    lineage = marts_by_stream(Settings(project_root=PROJECT_ROOT))
    assert "marts.fct_sales_sla" in lineage["activities"]
    assert "marts.fct_sales_sla" in lineage["contacts"]
    assert "marts.dim_reps" in lineage["users"] and "marts.dim_reps" not in lineage["web_sessions"]
    assert all(mart.startswith("marts.") for marts in lineage.values() for mart in marts)


@pytest.mark.skipif(not (SHARED_DATA / "olist-marketing-funnel").exists(), reason="the Olist export is not beside the repository")
def test_the_olist_export_checks_clean_with_its_shipped_mapping(tmp_path: Path):
    settings = Settings(project_root=PROJECT_ROOT, warehouse_path=tmp_path / "wh" / "lead_sla.duckdb",
                        landing_dir=SHARED_DATA / "olist-marketing-funnel",
                        source_mapping=PROJECT_ROOT / "config" / "sources" / "olist.yml")
    result = check_mapping(settings, load_mapping(settings.mapping), lineage=LINEAGE)
    by_name = {check.stream: check for check in result.streams}
    assert result.missing_required == []
    assert by_name["contacts"].rows_landed == 8000
    assert by_name["activities"].loads == [] and by_name["activities"].marts_without_it == ["marts.fct_sales_sla"]
