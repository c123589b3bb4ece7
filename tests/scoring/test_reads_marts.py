"""Scoring reads marts only, each declared as a dependency of the dbt exposure ``lead_scoring``,
and keeps no copy of a rule dbt computes (the fit, how an event becomes a signal, the business
clock: scoring takes ``rep_business_minutes_to_due`` and ``rep_urgency`` from ``fct_sales_sla``)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from lead_sla.scoring.engagement import SIGNALS
from lead_sla.scoring.inputs import REQUIRED_COLUMNS
from tests.support.project import PROJECT_ROOT

SCORING_CODE = sorted((PROJECT_ROOT / "flows" / "lead_sla" / "scoring").glob("*.py"))
MODELS = PROJECT_ROOT / "dbt_project" / "models"
RELATION = re.compile(r"\b(raw|staging|intermediate|marts|config|reference|quarantine)\.([a-z_][a-z0-9_]*)\b(?!\s*\()")
DBT_INTERNALS = re.compile(r"\b(int|stg)_[a-z0-9]+_")


def exposure_models(name: str) -> set[str]:
    for path in MODELS.rglob("*.yml"):
        for exposure in (yaml.safe_load(path.read_text()) or {}).get("exposures", []):
            if exposure["name"] == name:
                return {re.fullmatch(r"ref\('([a-z0-9_]+)'\)", ref).group(1) for ref in exposure["depends_on"]}
    raise AssertionError(f"no exposure named {name!r} under {MODELS}")


def model_path(name: str) -> Path:
    found = list(MODELS.rglob(f"{name}.sql"))
    assert len(found) == 1, f"model {name} found {len(found)} times"
    return found[0]


def test_every_relation_scoring_reads_is_a_declared_mart():
    declared = exposure_models("lead_scoring")
    read = {table.split(".", 1)[1] for table in REQUIRED_COLUMNS}
    assert read == declared, "scoring/inputs.py and the lead_scoring exposure list different models"
    for table in REQUIRED_COLUMNS:
        schema, name = table.split(".", 1)
        assert schema == "marts", f"scoring reads {table}, which is not a mart"
        assert (MODELS / "marts") in model_path(name).parents, f"{name} is not defined under models/marts/"


def test_scoring_code_names_no_relation_but_the_declared_marts():
    for path in SCORING_CODE:
        for schema, name in RELATION.findall(path.read_text()):
            if schema == "scoring":
                continue
            assert f"{schema}.{name}" in REQUIRED_COLUMNS, f"{path.name} reads {schema}.{name}, not declared in inputs.py"


def test_no_copy_of_the_fit_or_signal_rules_is_left_in_scoring():
    """The fit rule (points per matched value, cap, tiers, completeness), the naming of events as
    signals and the business clock live in dbt; scoring code only looks them up."""
    for path in SCORING_CODE:
        text = path.read_text()
        for trace in ("tier_a_min_points", "tier_b_min_points", "icp_rules", "icp_versions", "least(100",
                      "form_type", "landing_page", "identified_at",
                      "cumulative_seconds", "work_seconds", "business_intervals", "working_hours"):
            assert trace not in text, f"{path.name} still carries {trace!r}"
        assert not DBT_INTERNALS.search(text), f"{path.name} names a staging or intermediate model"


def test_the_engagement_weights_cover_exactly_the_signals_dbt_names():
    models = yaml.safe_load((MODELS / "marts" / "scoring" / "_scoring__models.yml").read_text())["models"]
    events = next(model for model in models if model["name"] == "fct_engagement_events")
    signal = next(column for column in events["columns"] if column["name"] == "signal")
    accepted = next(test["accepted_values"]["arguments"]["values"] for test in signal["data_tests"]
                    if isinstance(test, dict) and "accepted_values" in test)
    assert sorted(accepted) == sorted(s.name for s in SIGNALS)
