"""Training rows: labels, maturity, and no feature from after the anchor (let alone the outcome)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from lead_sla.scoring.features import FEATURES
from lead_sla.scoring.model import labelled_history, matured_before, train_model
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.inputs import history_anchors
from tests.scoring.builders import TZ, Warehouse, end_of

HORIZON = 30
KNOWN = datetime(2026, 1, 5, 10, 0)
HANDED_OFF = KNOWN + timedelta(minutes=5)
WON = datetime(2026, 1, 20, 15, 0)


def converted_lead(wh: Warehouse, *, with_later_facts: bool) -> None:
    """A retail lead that requests a demo, is handed off and wins; optionally, facts after the win."""
    wh.add_lead("L1", KNOWN, stage="customer", owner="USR-A", mql_at=HANDED_OFF, customer_at=WON)
    # retail matches no rule; industry and country are known, the country matches
    wh.add_fit("L1", KNOWN, ("country_core",), valid_to=datetime(2026, 1, 25) if with_later_facts else None, known=2)
    wh.add_event("L1", "demo_request", KNOWN)
    wh.add_event("L1", "web_visit", KNOWN - timedelta(days=2))
    wh.add_handoff("H1", "L1", HANDED_OFF, owner="USR-A", due_at=HANDED_OFF + timedelta(hours=1), status="met",
                   first_touch_at=HANDED_OFF + timedelta(minutes=30))
    if with_later_facts:
        # After the outcome: the CRM corrects the industry, the customer looks at pricing, clicks, asks a demo.
        wh.add_fit("L1", datetime(2026, 1, 25), ("industry_core", "country_core"), valid_to=datetime(2026, 1, 26),
                   known=2)
        wh.add_fit("L1", datetime(2026, 1, 26), ("industry_core", "size_core", "country_core"), known=3)
        for day in range(3):
            wh.add_event("L1", "pricing_visit", datetime(2026, 1, 26 + day, 11))
        wh.add_event("L1", "email_click", datetime(2026, 1, 27, 9))
        wh.add_event("L1", "demo_request", datetime(2026, 2, 2, 9))


def l1_rows(with_later_facts: bool) -> pd.DataFrame:
    conn = duckdb.connect(":memory:")
    try:
        wh = Warehouse(conn)
        converted_lead(wh, with_later_facts=with_later_facts)
        wh.built_as_of(date(2026, 3, 31))
        rows = labelled_history(conn, TZ, HORIZON)
    finally:
        conn.close()
    return rows[rows["lead_id"] == "L1"].set_index("row_id").sort_index()


def test_a_feature_from_after_the_outcome_cannot_enter_the_training_row():
    clean = l1_rows(with_later_facts=False)
    leaky = l1_rows(with_later_facts=True)
    assert list(leaky.index) == ["handoff:H1", "lead:L1"]
    assert (leaky["label"] == 1).all()
    # The later facts exist in the warehouse but change nothing in the rows: same features, to the bit.
    pd.testing.assert_frame_equal(leaky[list(FEATURES)], clean[list(FEATURES)])
    handoff = leaky.loc["handoff:H1"]
    assert handoff["signal_pricing_visit"] == 0.0 and handoff["signal_email_click"] == 0.0
    assert handoff["fit_score"] == 15.0  # country only: retail then, software only after the win
    assert handoff["is_handed_off"] == 1 and handoff["is_sales_accepted"] == 0


@pytest.mark.parametrize(
    ("customer_at", "label"),
    [
        pytest.param(KNOWN + timedelta(days=12), 1, id="converted-within-the-horizon"),
        pytest.param(KNOWN + timedelta(days=HORIZON + 3), 0, id="converted-after-the-horizon"),
        pytest.param(None, 0, id="never-converted"),
    ],
)
def test_label_is_conversion_within_the_horizon(wh, customer_at, label):
    wh.add_lead("L1", KNOWN, customer_at=customer_at)
    wh.built_as_of(date(2026, 4, 30))
    rows = history_anchors(wh.conn, TZ, HORIZON).set_index("row_id")
    assert rows.loc["lead:L1", "label"] == label
    assert rows.loc["lead:L1", "matures_at"] == pd.Timestamp(end_of(KNOWN.date())) - pd.Timedelta(microseconds=1) \
        + pd.Timedelta(days=HORIZON)


def test_a_conversion_after_the_next_handoff_belongs_to_that_handoff(wh):
    second = KNOWN + timedelta(days=10)
    wh.add_lead("L1", KNOWN, stage="customer", mql_at=KNOWN, customer_at=KNOWN + timedelta(days=15))
    wh.add_handoff("H1", "L1", KNOWN, owner="USR-A", due_at=None, status="met")
    wh.add_handoff("H2", "L1", second, owner="USR-A", due_at=None, status="met", number=2)
    wh.built_as_of(date(2026, 4, 30))
    rows = history_anchors(wh.conn, TZ, HORIZON).set_index("row_id")
    assert rows.loc["handoff:H1", "label"] == 0
    assert rows.loc["handoff:H2", "label"] == 1


def test_an_anchor_at_which_the_lead_already_was_a_customer_is_left_out(wh):
    wh.add_lead("L1", KNOWN, stage="customer", mql_at=KNOWN + timedelta(days=3), customer_at=KNOWN + timedelta(hours=2))
    wh.add_handoff("H1", "L1", KNOWN + timedelta(days=3), owner="USR-A", due_at=None, status="met")
    wh.built_as_of(date(2026, 4, 30))
    assert history_anchors(wh.conn, TZ, HORIZON).empty


def test_only_rows_matured_before_the_cut_off_train_the_model(wh):
    from tests.scoring.builders import build_history

    build_history(wh, first_day=date(2026, 1, 5), days=90, leads=300, seed=11)
    day = date(2026, 4, 4)
    as_of = wh.built_as_of(day)
    rows = labelled_history(wh.conn, TZ, HORIZON)
    policy = ModelPolicy(min_labelled_leads=50, min_conversions=10, horizon_days=HORIZON, validation_days=20)
    decision = train_model(rows, cutoff_at=as_of, trained_for_date=day, policy=policy)
    assert decision.model is not None
    used = matured_before(rows, as_of)
    assert decision.counts.rows == len(used) < len(rows)
    assert (used["matures_at"] < pd.Timestamp(as_of)).all()
    # the anchors of the training window all lie a full horizon before the cut-off
    assert decision.model.training_window_end < as_of - timedelta(days=HORIZON)
    assert decision.model.validation.cutoff_at == as_of - timedelta(days=20)
