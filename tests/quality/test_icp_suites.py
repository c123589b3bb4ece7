"""The suites of the ICP proposal and the next question fail on the bad data they are there to stop.

Each case plants one fault in a copy of the good warehouse (tests/quality/conftest.py: first handoffs
of a training and a later window, the proposal fitted on them, every open lead's next question) and
expects exactly the named critical checks to fail; on the good warehouse every check passes. Empty
and half-written tables are covered by test_row_counts.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from lead_sla.quality import ValidationReport

SUITES = ("fct_icp_proposal", "fct_icp_proposal_leads", "fct_icp_proposal_tiers", "fct_lead_next_question",
          "fct_mql_missing_attributes")
NO_POINTS_LEAD = "(SELECT min(contact_id) FROM marts.fct_icp_proposal_leads WHERE proposed_points = 0)"

CASES = [
    pytest.param("fct_icp_proposal", "UPDATE marts.fct_icp_proposal SET leads = leads + 1 WHERE attribute_value = 'software'",
                 ["every_training_lead_counted_once"], id="proposal-value-leads-overcounted"),
    pytest.param("fct_icp_proposal", "UPDATE marts.fct_icp_proposal SET wins = leads + 1 WHERE attribute_value = 'retail'",
                 ["every_training_lead_counted_once", "wins_within_leads"], id="proposal-more-wins-than-leads"),
    pytest.param("fct_icp_proposal", "UPDATE marts.fct_icp_proposal SET proposed_points = 62 WHERE attribute_value = 'software'",
                 ["best_lead_within_100", "expect_column_values_to_be_in_set(proposed_points)"], id="proposal-points-not-rounded"),
    pytest.param("fct_icp_proposal", "UPDATE marts.fct_icp_proposal SET proposed_points = 65 WHERE attribute_value = 'software'",
                 ["best_lead_within_100"], id="proposal-best-lead-over-100"),
    pytest.param("fct_icp_proposal_leads",
                 f"UPDATE marts.fct_icp_proposal_leads SET proposed_points = 5 WHERE contact_id = {NO_POINTS_LEAD}",
                 ["proposed_points_add_up"], id="lead-points-not-the-proposal's"),
    pytest.param("fct_icp_proposal_leads", f"UPDATE marts.fct_icp_proposal_leads SET proposed_icp_tier = 'A' WHERE contact_id = {NO_POINTS_LEAD}",
                 ["tier_follows_cutoffs"], id="lead-tier-against-cutoffs"),
    pytest.param("fct_icp_proposal_leads", "UPDATE marts.fct_icp_proposal_leads SET proposed_tier_b_min_points = 60",
                 ["a_cutoff_above_b", "tier_follows_cutoffs"], id="lead-cutoffs-collapsed"),
    pytest.param("fct_icp_proposal_tiers",
                 "UPDATE marts.fct_icp_proposal_tiers SET leads = leads + 3 WHERE icp = 'proposed' AND icp_tier = 'A' AND proposal_period = 'later'",
                 ["tiers_add_up_to_the_period"], id="tiers-overcount-a-period"),
    pytest.param("fct_icp_proposal_tiers",
                 "UPDATE marts.fct_icp_proposal_tiers SET wins = leads + 1 WHERE icp = 'in_force' AND icp_tier = 'C' AND proposal_period = 'training'",
                 ["tiers_add_up_to_the_period", "wins_within_leads"], id="tiers-more-wins-than-leads"),
    pytest.param("fct_lead_next_question",
                 "UPDATE marts.fct_lead_next_question SET next_attribute = 'industry', form_field = 'industry' "
                 "WHERE lead_id IN (SELECT lead_id FROM marts.fct_lead_next_question ORDER BY lead_id LIMIT 3)",
                 ["asks_only_what_is_unknown"], id="question-about-a-known-attribute"),
    pytest.param("fct_lead_next_question", "UPDATE marts.fct_lead_next_question SET tier_change_probability = 1.5 WHERE rowid = 0",
                 ["expect_column_values_to_be_between(tier_change_probability)"], id="question-chance-above-1"),
    pytest.param("fct_mql_missing_attributes", "UPDATE marts.fct_mql_missing_attributes SET mqls = mqls + 1",
                 ["counts_the_current_mqls"], id="missing-another-mql-count"),
    pytest.param("fct_mql_missing_attributes",
                 "UPDATE marts.fct_mql_missing_attributes SET next_question_mqls = 0 WHERE attribute = 'company_size'",
                 ["next_questions_match_the_leads"], id="missing-next-questions-lost"),
    pytest.param("fct_mql_missing_attributes",
                 "UPDATE marts.fct_mql_missing_attributes SET missing_mqls = mqls + 1 WHERE attribute = 'company_size'",
                 ["missing_within_mqls"], id="missing-more-than-the-mqls"),
]


def test_the_good_warehouse_passes_every_new_suite(
    warehouse: duckdb.DuckDBPyConnection, validate: Callable[..., ValidationReport], suites_for: Callable[..., Path]
) -> None:
    report = validate(warehouse, "marts", suites_for(*(f"marts/{s}" for s in SUITES)), docs_dir=None)
    assert sorted(report.suites) == sorted(f"marts.{s}" for s in SUITES)
    assert [o.describe() for o in report.outcomes if o.success is not True] == []


@pytest.mark.parametrize(("suite", "plant", "failures"), CASES)
def test_a_new_suite_fails_on_planted_bad_data(
    warehouse: duckdb.DuckDBPyConnection,
    validate: Callable[..., ValidationReport],
    suites_for: Callable[..., Path],
    suite: str,
    plant: str,
    failures: list[str],
) -> None:
    warehouse.execute(plant)
    report = validate(warehouse, "marts", suites_for(f"marts/{suite}"), docs_dir=None)
    assert sorted(o.expectation for o in report.critical_failures) == sorted(failures)
