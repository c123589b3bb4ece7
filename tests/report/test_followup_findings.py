"""The plain-words findings of "Does speed win?": one line per value whose lift's 95% interval
excludes 1 (the mart's ``is_<outcome>_lift_supported``), strongest evidence first, none otherwise."""

from __future__ import annotations

from datetime import date

import pytest

from lead_sla.report.data import FOLLOWUP_OUTCOMES, FollowupEvidence
from lead_sla.report.render import followup_findings


def _row(tier: str, dimension: str, value: str, **outcomes: tuple[float, float, float, bool]) -> dict:
    """A mart row; ``outcomes`` maps an outcome to (lift, lift low, lift high, supported)."""
    row: dict = {"icp_tier": tier, "dimension": dimension, "dimension_value": value, "handoffs": 40}
    for outcome in FOLLOWUP_OUTCOMES:
        lift, low, high, supported = outcomes.get(outcome, (1.0, 0.5, 1.5, False))
        row.update({f"{outcome}_lift": lift, f"{outcome}_lift_lower_95": low, f"{outcome}_lift_upper_95": high,
                    f"is_{outcome}_lift_supported": supported})
    return row


def _evidence(*rows: dict) -> FollowupEvidence:
    return FollowupEvidence("2025-01", 60, [date(2026, 7, 1), date(2026, 8, 1)], list(rows))


@pytest.mark.parametrize(
    ("row", "sentence"),
    [
        pytest.param(_row("A", "response_business", "within_1_hour", win=(2.1, 1.4, 3.0, True)),
                     "Tier A leads touched within 1 business hour won 2.1× as often (95% CI 1.4–3.0×; 40 handoffs)",
                     id="tier-a-fast-wins"),
        pytest.param(_row("all", "response_wall_clock", "later", sql=(0.42, 0.2, 0.81, True)),
                     "Leads touched after more than 24 hours on the clock became SQLs 0.4× as often (95% CI 0.2–0.8×; 40 handoffs)",
                     id="slow-fewer-sqls"),
        pytest.param(_row("B", "response_business", "never", opportunity=(0.0, 0.0, 0.69, True)),
                     "Tier B leads never touched: none became an opportunity (95% CI up to 0.7× as often as their tier "
                     "overall; 40 handoffs)", id="never-touched-none"),
        pytest.param(_row("unscored", "attempts", "1", win=(1.8, 1.1, 2.9, True)),
                     "Leads not scored with 1 attempt won 1.8× as often (95% CI 1.1–2.9×; 40 handoffs)", id="one-attempt"),
        pytest.param(_row("C", "handoff_hour", "09", sql=(1.6, 1.2, 2.0, True)),
                     "Tier C leads handed off between 09:00 and 10:00 became SQLs 1.6× as often (95% CI 1.2–2.0×; 40 handoffs)",
                     id="hour"),
        pytest.param(_row("all", "handoff_weekday", "friday", win=(0.5, 0.3, 0.9, True)),
                     "Leads handed off on a Friday won 0.5× as often (95% CI 0.3–0.9×; 40 handoffs)", id="weekday"),
        pytest.param(_row("all", "cadence", "missed", win=(0.3, 0.1, 0.8, True)),
                     "Leads whose attempts cadence was missed won 0.3× as often (95% CI 0.1–0.8×; 40 handoffs)", id="cadence"),
        pytest.param(_row("all", "first_touch_channel", "call", sql=(1.5, 1.1, 1.9, True)),
                     "Leads first touched by a call became SQLs 1.5× as often (95% CI 1.1–1.9×; 40 handoffs)", id="channel"),
    ],
)
def test_a_supported_lift_reads_as_a_sentence(row: dict, sentence: str) -> None:
    assert [text for _, _, text in followup_findings(_evidence(row))] == [sentence]


def test_only_lifts_whose_interval_excludes_one_are_findings_strongest_first() -> None:
    evidence = _evidence(
        _row("all", "overall", "all", win=(1.0, 0.8, 1.2, False)),
        _row("all", "response_business", "within_5_min", win=(1.9, 0.9, 2.8, False)),  # the interval holds 1
        _row("A", "response_business", "within_1_hour", win=(2.1, 1.4, 3.0, True)),     # 0.4 above 1
        _row("all", "attempts", "0", sql=(0.1, 0.0, 0.3, True)),                        # 0.7 below 1
    )
    found = [(outcome, row["icp_tier"], row["dimension_value"]) for outcome, row, _ in followup_findings(evidence)]
    assert found == [("sql", "all", "0"), ("win", "A", "within_1_hour")]


def test_no_closed_cohort_no_finding() -> None:
    assert followup_findings(FollowupEvidence(None, None, [], [])) == []
