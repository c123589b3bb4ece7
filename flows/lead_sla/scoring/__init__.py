"""Lead scoring: fit, engagement and learned scores, prioritized lists, CRM exports.

Plain modules, no Prefect; the flow :mod:`lead_sla.flows.scoring` sequences them and
:mod:`lead_sla.scoring.cli` exposes them. See ``flows/lead_sla/scoring/README.md``.
"""

from lead_sla.scoring.backtest import BacktestReport, run_backtest
from lead_sla.scoring.daily import ModelChoice, ScoredDay, decide_model, score_day, train_for_day
from lead_sla.scoring.exports import ExportResult, export_day, idempotency_key, task_payload
from lead_sla.scoring.features import AnchorScores, FEATURES, score_anchors
from lead_sla.scoring.model import ModelDecision, TrainedModel, labelled_history, load_estimator, train_model
from lead_sla.scoring.priority import URGENCY_BUCKETS, build_priority_list, urgency_bucket
from lead_sla.scoring.push import CrmTaskClient, PushReport, push_day_tasks, push_tasks
from lead_sla.settings import ModelPolicy
from lead_sla.scoring.inputs import ScoringInputError, day_end_utc
from lead_sla.scoring.tables import ensure_scoring_schema, write_day

__all__ = [
    "AnchorScores",
    "BacktestReport",
    "CrmTaskClient",
    "ExportResult",
    "FEATURES",
    "ModelChoice",
    "ModelDecision",
    "ModelPolicy",
    "PushReport",
    "ScoredDay",
    "ScoringInputError",
    "TrainedModel",
    "URGENCY_BUCKETS",
    "build_priority_list",
    "day_end_utc",
    "decide_model",
    "ensure_scoring_schema",
    "export_day",
    "idempotency_key",
    "labelled_history",
    "load_estimator",
    "push_day_tasks",
    "push_tasks",
    "run_backtest",
    "score_anchors",
    "score_day",
    "task_payload",
    "train_for_day",
    "train_model",
    "urgency_bucket",
    "write_day",
]
