"""A scored day: reproducible, idempotent, learned above the minimum and falling back below it."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from lead_sla.scoring.daily import FALLBACK, LEARNED, score_day, train_for_day
from lead_sla.scoring.features import FEATURES
from lead_sla.scoring.model import load_estimator
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.tables import CONTRIBUTIONS, LEAD_SCORES, MODEL_REGISTRY, PRIORITY_LIST
from tests.scoring.builders import TZ, Warehouse, build_history

FIRST_DAY = date(2026, 1, 5)
DAYS = 90
DAY = FIRST_DAY + timedelta(days=DAYS - 1)
SMALL = ModelPolicy(min_labelled_leads=50, min_conversions=10, horizon_days=30, validation_days=20)


def history(conn: duckdb.DuckDBPyConnection, day: date = DAY) -> Warehouse:
    wh = Warehouse(conn)
    build_history(wh, first_day=FIRST_DAY, days=DAYS, leads=300, seed=11)
    wh.built_as_of(day)
    return wh


def run(conn: duckdb.DuckDBPyConnection, day: date = DAY, policy: ModelPolicy = SMALL) -> None:
    choice = train_for_day(conn, day, TZ, policy)
    score_day(conn, day, TZ, model_version=choice.model_version, model_status=choice.message)


def table(conn: duckdb.DuckDBPyConnection, name: str, order: str) -> pd.DataFrame:
    return conn.execute(f"select * from {name} order by {order}").df()


def test_same_inputs_give_the_same_scores_and_ranks():
    outputs = []
    for _ in range(2):
        conn = duckdb.connect(":memory:")
        history(conn)
        run(conn)
        outputs.append({
            LEAD_SCORES: table(conn, LEAD_SCORES, "lead_id"),
            CONTRIBUTIONS: table(conn, CONTRIBUTIONS, "lead_id, component, item"),
            PRIORITY_LIST: table(conn, PRIORITY_LIST, "owner_id, priority_rank"),
            MODEL_REGISTRY: table(conn, MODEL_REGISTRY, "model_version").drop(columns=["artefact"]),
        })
        conn.close()
    first, second = outputs
    assert first[LEAD_SCORES]["score_basis"].eq(LEARNED).all()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)


def test_the_day_tables_hold_the_scored_day_only_and_a_rerun_changes_nothing(conn):
    earlier = DAY - timedelta(days=1)
    wh = history(conn, earlier)
    run(conn, earlier)
    wh.built_as_of(DAY)
    run(conn, DAY)
    counts_before = conn.execute(
        f"select score_date, count(*) from {LEAD_SCORES} group by 1 order by 1").fetchall()
    run(conn, DAY)
    run(conn, DAY)
    for name, key in ((LEAD_SCORES, "lead_id"), (PRIORITY_LIST, "lead_id"),
                      (CONTRIBUTIONS, "lead_id || component || item")):
        duplicates = conn.execute(
            f"select count(*) from (select score_date, {key} from {name} group by all having count(*) > 1)").fetchone()[0]
        assert duplicates == 0, name
    assert conn.execute(f"select score_date, count(*) from {LEAD_SCORES} group by 1 order by 1").fetchall() == counts_before
    # the warehouse holds one day: scoring it replaces the earlier day's rows (its first report is kept
    # apart when it is published, in the *_as_reported tables)
    assert [d for d, _ in counts_before] == [DAY]
    ranks = conn.execute(f"select owner_id, list(priority_rank order by priority_rank) from {PRIORITY_LIST} "
                         "where score_date = ? group by 1", [DAY]).fetchall()
    for _, owner_ranks in ranks:
        assert owner_ranks == list(range(1, len(owner_ranks) + 1))
    assert conn.execute(f"select count(*) from {MODEL_REGISTRY}").fetchone()[0] == 2  # the registry keeps every model


def test_below_the_minimum_the_flow_falls_back_to_fit_and_engagement_and_says_so(conn, caplog):
    history(conn)
    strict = ModelPolicy(min_labelled_leads=1000, min_conversions=100, horizon_days=30, validation_days=20)
    with caplog.at_level(logging.WARNING, logger="lead_sla.scoring.daily"):
        choice = train_for_day(conn, DAY, TZ, strict)
    assert choice.model_version is None and choice.status == "insufficient_history"
    assert "falling back to fit and engagement" in caplog.text and "1,000" in caplog.text
    score_day(conn, DAY, TZ, model_version=None, model_status=choice.message)
    scores = table(conn, LEAD_SCORES, "lead_id")
    assert scores["p_convert"].isna().all()
    assert scores["model_version"].isna().all()
    assert scores["score_basis"].eq(FALLBACK).all()
    assert scores["model_status"].str.contains("falling back").all()
    np.testing.assert_allclose(scores["priority_score"], scores["combined_score"])
    assert conn.execute(f"select count(*) from {MODEL_REGISTRY}").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("min_leads", "min_conversions", "learned"),
    [
        pytest.param(50, 10, True, id="above-both-minimums"),
        pytest.param(10_000, 10, False, id="too-few-labelled-leads"),
        pytest.param(50, 10_000, False, id="too-few-conversions"),
    ],
)
def test_the_minimum_decides_between_learned_and_fallback(conn, min_leads, min_conversions, learned):
    history(conn)
    run(conn, policy=ModelPolicy(min_leads, min_conversions, horizon_days=30, validation_days=20))
    basis = conn.execute(f"select distinct score_basis from {LEAD_SCORES}").fetchall()
    assert basis == [(LEARNED if learned else FALLBACK,)]


def test_the_learned_model_is_registered_with_its_window_features_and_validation(conn):
    history(conn)
    run(conn)
    registry = table(conn, MODEL_REGISTRY, "model_version")
    assert len(registry) == 1
    model = registry.iloc[0]
    assert json.loads(model["features"]) == list(FEATURES)
    assert model["trained_for_date"] == pd.Timestamp(DAY)
    assert model["training_window_end"] < model["training_cutoff_at"] - pd.Timedelta(days=30)
    assert model["validation_rows"] > 0 and 0.0 <= model["validation_roc_auc"] <= 1.0
    assert len(json.loads(model["validation_calibration"])) == 10
    assert set(json.loads(model["coefficients"])["features"]) == set(FEATURES)
    estimator = load_estimator(conn, model["model_version"])
    scores = table(conn, LEAD_SCORES, "lead_id")
    assert scores["model_version"].eq(model["model_version"]).all()
    assert scores["p_convert"].between(0, 1).all()
    np.testing.assert_allclose(scores["priority_score"], 100 * scores["p_convert"])
    assert hasattr(estimator, "predict_proba")


def test_open_means_not_customer_not_disqualified_not_deleted(wh):
    from datetime import datetime

    known = datetime(2026, 1, 10, 9)
    for lead, kwargs in {
        "open-subscriber": {},
        "open-mql": {"stage": "mql"},
        "customer": {"stage": "customer", "customer_at": known + timedelta(days=3)},
        "disqualified": {"stage": "disqualified"},
        "deleted": {"deleted": True},
        "later": {},
    }.items():
        wh.add_lead(lead, known if lead != "later" else datetime(2026, 2, 1), **kwargs)
    wh.built_as_of(date(2026, 1, 31))
    score_day(wh.conn, date(2026, 1, 31), TZ)
    scored = sorted(wh.conn.execute(f"select lead_id from {LEAD_SCORES}").df()["lead_id"])
    assert scored == ["open-mql", "open-subscriber"]


def test_a_scoring_table_of_an_earlier_version_gets_the_new_columns(conn):
    from lead_sla.scoring.tables import ensure_scoring_schema

    conn.execute("create schema scoring")
    conn.execute(f"create table {PRIORITY_LIST} (score_date date, owner_id varchar, priority_rank integer)")
    conn.execute(f"insert into {PRIORITY_LIST} values ('2026-01-01', 'USR-A', 1)")
    ensure_scoring_schema(conn)
    columns = [r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_name = 'lead_priority_list'").fetchall()]
    assert {"p_convert", "reason_1", "owner_timezone"} <= set(columns)
    assert conn.execute(f"select count(*) from {PRIORITY_LIST}").fetchall() == [(1,)]
