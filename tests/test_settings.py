"""Settings a user sets through LEAD_SLA_* reach every connection that does heavy work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lead_sla.settings import Settings
from tests.support.project import PROJECT_ROOT
from lead_sla.transform.dbt import run_dbt
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
