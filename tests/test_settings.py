"""Settings a user sets through LEAD_SLA_* reach every connection that does heavy work."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from lead_sla.settings import ENV_PREFIX, Settings
from tests.support.project import PROJECT_ROOT
from lead_sla.transform.dbt import _dbt_environment, run_dbt
from lead_sla.warehouse import connect, open_warehouse


def _limit(conn) -> str:
    return conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]


@pytest.mark.parametrize("value", ["6GB", "512MiB", "80%", " 2 GB "])
def test_memory_limit_accepts_sizes_and_shares(settings, value):
    assert Settings(**{**settings.model_dump(), "duckdb_memory_limit": value}).duckdb_memory_limit == value.strip()


@pytest.mark.parametrize("value", ["lots", "6", "GB", "6GB; DROP TABLE x", ""])
def test_a_wrong_memory_limit_is_refused_naming_the_setting(monkeypatch, settings, value):
    monkeypatch.setenv("LEAD_SLA_DUCKDB_MEMORY_LIMIT", value)
    with pytest.raises(ValidationError) as info:
        Settings(project_root=settings.project_root)
    assert "duckdb_memory_limit" in str(info.value)


def test_the_pipeline_connection_carries_the_memory_limit(settings):
    limited = settings.model_copy(update={"duckdb_memory_limit": "1GB"})
    conn = open_warehouse(limited)
    try:
        assert _limit(conn) == "953.6 MiB"  # DuckDB shows 10^9 bytes in binary units
    finally:
        conn.close()
    plain = connect(settings.warehouse.with_name("other.duckdb"))
    try:
        assert _limit(plain) != "953.6 MiB"  # readers keep DuckDB's default
    finally:
        plain.close()


@pytest.mark.slow  # runs dbt
def test_dbt_runs_with_the_memory_limit(settings, capfd):
    limited = settings.model_copy(update={"duckdb_memory_limit": "1GB"})
    result = run_dbt(limited, "show", ["--inline", "select current_setting('memory_limit') as memory_limit"])
    assert result.success, result.error
    assert "953.6 MiB" in capfd.readouterr().out


def test_delivery_is_off_by_default_and_its_secrets_stay_secret(tmp_path):
    from lead_sla.report.send import channels

    assert channels(Settings(project_root=PROJECT_ROOT)) == []
    settings = Settings(project_root=PROJECT_ROOT, smtp_host="smtp.example.com", smtp_password="hunter2",
                        smtp_username="reports", report_mail_from="lead-sla@example.com",
                        report_mail_to=" a@example.com,b@example.com , ", report_webhook_url="https://hooks.example.com/T/B/zq81token")
    assert channels(settings) == ["e-mail", "webhook"]
    assert settings.report_recipients == ["a@example.com", "b@example.com"]
    assert "hunter2" not in repr(settings) and "zq81token" not in repr(settings)
    assert settings.smtp_port == 587 and settings.smtp_security == "starttls"


# --- one settings object, documented and typed -------------------------------------------------

README = PROJECT_ROOT / "README.md"
PROFILES = PROJECT_ROOT / "dbt_project" / "profiles.yml"


def _readme_settings() -> set[str]:
    """The variables of the README's settings table (``_X`` beside ``LEAD_SLA_Y`` means ``LEAD_SLA_X``)."""
    text = README.read_text()
    section = text[text.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        for name in re.findall(r"`(LEAD_SLA_[A-Z0-9_]+|_[A-Z0-9_]+)`", first_cell):
            names.add(name if name.startswith("LEAD_SLA_") else f"LEAD_SLA{name}")
    return names


def test_every_setting_is_in_the_readme_table_and_the_table_names_only_settings():
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    documented = _readme_settings()
    assert sorted(fields - documented) == [], "settings missing from the README's table"
    assert sorted(documented - fields) == [], "README rows for variables no setting reads"


def test_paths_are_resolved_once_from_the_project_root(tmp_path):
    settings = Settings(project_root=tmp_path, warehouse_path="wh/x.duckdb", landing_dir=tmp_path / "in",
                        published_dir="")
    assert settings.warehouse == tmp_path / "wh" / "x.duckdb"
    assert settings.landing == tmp_path / "in"
    assert settings.published == tmp_path / "warehouse" / "published"  # empty means unset
    assert settings.log_path == tmp_path / "wh" / "logs" / "lead-sla.log"  # beside the warehouse
    assert settings.mapping == tmp_path / "config" / "sources" / "demo.yml"
    for name, field in Settings.model_fields.items():
        if field.annotation is Path:
            value = getattr(settings, name)
            assert isinstance(value, Path) and value.is_absolute(), name


def test_scoring_reads_the_same_settings_object(monkeypatch):
    monkeypatch.setenv("LEAD_SLA_SCORING_MIN_CONVERSIONS", "7")
    monkeypatch.setenv("LEAD_SLA_CRM_API_TOKEN", "api-token")
    settings = Settings(project_root=PROJECT_ROOT)
    assert settings.model_policy.min_conversions == 7
    assert settings.model_policy.min_labelled_leads == 1000
    assert settings.tasks_token is not None and settings.tasks_token.get_secret_value() == "api-token"
    monkeypatch.setenv("LEAD_SLA_SCORING_HORIZON_DAYS", "0")
    with pytest.raises(ValidationError, match="scoring_horizon_days"):
        Settings(project_root=PROJECT_ROOT)


def test_dbt_reads_only_what_the_pipeline_passes_and_keeps_no_default_of_its_own(settings):
    """profiles.yml's variables are settings the pipeline sets for each dbt invocation; the
    warehouse and the memory limit have no second default in it, and there is no target switch."""
    text = PROFILES.read_text()
    read = dict(re.findall(r"env_var\('([A-Z0-9_]+)'((?:,\s*'[^']*')?)\)", text))
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(read) <= fields, "profiles.yml reads a variable no setting defines"
    assert read["LEAD_SLA_DUCKDB_MEMORY_LIMIT"] == "" and read["LEAD_SLA_WAREHOUSE_PATH"] == ""
    assert yaml.safe_load(text)["lead_sla"]["target"] == "local"
    with _dbt_environment(settings.model_copy(update={"duckdb_memory_limit": "3GB"})):
        passed = {name: os.environ.get(name) for name in read}
    assert passed["LEAD_SLA_DUCKDB_MEMORY_LIMIT"] == "3GB"
    assert all(value is not None for value in passed.values()), passed
