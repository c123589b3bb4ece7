"""The ``scoring`` schema: its tables, their documented columns, and writing a day in one transaction.

Grain and keys (uniqueness holds by construction and is tested; DuckDB constraints are left off
so that a day can be deleted and re-inserted inside one transaction):

- ``scoring.lead_scores``: one row per score_date and open lead (key score_date, lead_id).
- ``scoring.lead_score_contributions``: one row per score_date, lead, component (fit or
  engagement) and item (ICP rule id or engagement signal) (key score_date, lead_id, component, item).
- ``scoring.lead_priority_list``: one row per score_date, owner and rank (key score_date,
  owner_id, priority_rank; also unique on score_date, lead_id).
- ``scoring.leads_needing_owner``: one row per handed-off open lead without an active owner
  (key score_date, lead_id; ranked by needs_owner_rank): the manager's list.
- ``scoring.model_registry``: one row per trained model (key model_version; at most one per
  trained_for_date).
- ``scoring.crm_task_pushes``: one row per CRM task sent (key idempotency_key).

The day tables hold the warehouse's day only (``score_date``): scoring a day replaces them whole,
so they always equal one fresh scoring of that day. What each morning's lists and scores said is
kept, as first published, in ``scoring.lead_scores_as_reported`` and
``scoring.lead_priority_list_as_reported`` (:mod:`lead_sla.publish.as_reported`).
``scoring.model_registry`` and ``scoring.crm_task_pushes`` are logs: they keep every model trained
and every task sent.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

LEAD_SCORES = "scoring.lead_scores"
CONTRIBUTIONS = "scoring.lead_score_contributions"
PRIORITY_LIST = "scoring.lead_priority_list"
NEEDS_OWNER = "scoring.leads_needing_owner"
MODEL_REGISTRY = "scoring.model_registry"
CRM_TASK_PUSHES = "scoring.crm_task_pushes"

DAY_TABLES = (LEAD_SCORES, CONTRIBUTIONS, PRIORITY_LIST, NEEDS_OWNER)

# (column, type, description) per table: the DDL and the COMMENTs come from these.
COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    LEAD_SCORES: (
        ("score_date", "date", "The day scored: everything known by the end of it in the reporting zone."),
        ("lead_id", "varchar", "The open lead (marts.dim_leads). Open: not deleted, never a customer, not disqualified."),
        ("contact_id", "varchar", "Its CRM contact, if any."),
        ("owner_id", "varchar", "Its current owner, if any."),
        ("lifecycle_stage", "varchar", "Its lifecycle stage at the end of the day."),
        ("scored_as_of", "timestamp", "The instant (UTC) the lead is scored as of: the end of score_date."),
        ("icp_version", "varchar", "ICP version in force on score_date whose rules give the fit."),
        ("fit_points", "integer", "Sum of the points of the ICP rules the profile matches."),
        ("fit_score", "double", "min(100, fit_points): fit to the ideal customer profile, 0 to 100."),
        ("icp_tier", "varchar", "A, B or C by the version's cut-offs on fit_points."),
        ("profile_completeness", "double", "Share (0 to 1) of the version's ICP attributes known for the lead."),
        ("engagement_points", "double", "Sum over behaviour events of signal weight x 0.5^(age days / 14)."),
        ("engagement_score", "double", "100 x (1 - exp(-engagement_points / 40)): recent behaviour, 0 to 100."),
        ("combined_score", "double", "0.6 x fit_score + 0.4 x engagement_score."),
        ("p_convert", "double", "Learned probability of becoming a customer within the model's horizon; null on fallback."),
        ("priority_score", "double", "What the lists rank by within an urgency bucket: 100 x p_convert, else combined_score."),
        ("score_basis", "varchar", "learned (p_convert used) or fit_engagement (fallback: combined_score used)."),
        ("model_version", "varchar", "The scoring.model_registry model that gave p_convert; null on fallback."),
        ("model_status", "varchar", "Why the learned model was or was not used, in words."),
        ("is_handed_off", "boolean", "True once the lead has reached mql (was handed to sales)."),
    ),
    CONTRIBUTIONS: (
        ("score_date", "date", "The day scored."),
        ("lead_id", "varchar", "The lead."),
        ("component", "varchar", "fit (an ICP rule matched) or engagement (a behaviour signal)."),
        ("item", "varchar", "The ICP rule_id, or the engagement signal name."),
        ("attribute", "varchar", "fit: the profile attribute the rule matched."),
        ("attribute_value", "varchar", "fit: the lead's value of it."),
        ("label", "varchar", "fit: the rule's label from config/icp.yml."),
        ("points", "double", "fit: the rule's points (sum = fit_points); engagement: the signal's share of engagement_score."),
        ("raw_points", "double", "engagement: weight x decayed event count (sum = engagement_points); fit: the points."),
        ("events", "integer", "engagement: events of the signal in the last 365 days."),
        ("last_event_at", "timestamp", "engagement: the latest such event (UTC)."),
        ("contribution_rank", "integer", "1 for the lead's largest contribution within the component."),
    ),
    PRIORITY_LIST: (
        ("score_date", "date", "The day scored: the list is for the next working day."),
        ("owner_id", "varchar", "The rep whose list it is (the lead's current owner)."),
        ("priority_rank", "integer", "1 = call first. Ordered by urgency_order; within deadline_ahead by sla_due_at (soonest first), within the others by priority_score (high first); then lead_id."),
        ("lead_id", "varchar", "The lead."),
        ("contact_id", "varchar", "Its CRM contact."),
        ("lead_name", "varchar", "First and last name, else the e-mail, else the lead id."),
        ("email", "varchar", "The lead's e-mail."),
        ("company_name", "varchar", "The lead's company."),
        ("lifecycle_stage", "varchar", "Lifecycle stage at the end of score_date."),
        ("priority_score", "double", "See scoring.lead_scores.priority_score."),
        ("score_basis", "varchar", "learned or fit_engagement."),
        ("fit_score", "double", "See scoring.lead_scores.fit_score."),
        ("icp_tier", "varchar", "See scoring.lead_scores.icp_tier."),
        ("engagement_score", "double", "See scoring.lead_scores.engagement_score."),
        ("p_convert", "double", "See scoring.lead_scores.p_convert (null on fallback)."),
        ("urgency_bucket", "varchar", "deadline_ahead, recently_overdue, no_deadline or stale (the agreement's priority_list rule, see scoring/README.md)."),
        ("urgency_order", "integer", "1 to 4 in the order above: the first sort key."),
        ("business_minutes_to_due", "double", "Business minutes of the rep's calendar from the end of score_date to sla_due_at (negative when overdue); from marts.fct_sales_sla."),
        ("sla_due_at", "timestamp", "First-touch due time (UTC) of the lead's untouched handoff; null without an open clock."),
        ("sla_status", "varchar", "SLA status of the lead's latest handoff (rep view when the rep is the owner)."),
        ("handoff_id", "varchar", "The lead's latest handoff, if any."),
        ("reason_1", "varchar", "The first reason in plain words (the SLA when it is urgent, else the largest contribution)."),
        ("reason_2", "varchar", "The second reason."),
        ("reason_3", "varchar", "The third reason."),
        ("owner_name", "varchar", "The owner's name."),
        ("owner_timezone", "varchar", "The owner's IANA zone, in which the CRM task states its due time."),
    ),
    MODEL_REGISTRY: (
        ("model_version", "varchar", "pconv-lr-<trained_for_date>-<digest of training rows and settings>."),
        ("trained_for_date", "date", "The score_date the model was trained for (cut-off: its end)."),
        ("algorithm", "varchar", "logistic_regression (standardised features)."),
        ("label_definition", "varchar", "What the model predicts, in words."),
        ("horizon_days", "integer", "Days after the anchor within which a conversion counts."),
        ("features", "varchar", "JSON list of the feature names, in model order."),
        ("hyperparameters", "varchar", "JSON of the estimator's hyperparameters (fixed random_state)."),
        ("training_cutoff_at", "timestamp", "Only rows whose outcome was known (matured) before this instant trained the model."),
        ("training_window_start", "timestamp", "Earliest anchor among the training rows."),
        ("training_window_end", "timestamp", "Latest anchor among the training rows."),
        ("training_rows", "integer", "Training rows (anchors)."),
        ("training_leads", "integer", "Distinct labelled leads among them."),
        ("training_conversions", "integer", "Distinct leads among them that converted."),
        ("validation_cutoff_at", "timestamp", "The validation copy was trained on rows matured before this instant..."),
        ("validation_end_at", "timestamp", "...and measured on rows that matured from validation_cutoff_at to this instant."),
        ("validation_rows", "integer", "Rows measured."),
        ("validation_conversions", "integer", "Positive rows among them."),
        ("validation_base_rate", "double", "Share of positive rows."),
        ("validation_roc_auc", "double", "ROC AUC of p_convert on the validation rows."),
        ("validation_top_decile_rate", "double", "Conversion rate among the top 10 % by p_convert."),
        ("validation_top_decile_lift", "double", "validation_top_decile_rate / validation_base_rate."),
        ("validation_calibration", "varchar", "JSON calibration table: ten equal-count bins, predicted and observed rates."),
        ("validation_note", "varchar", "Why validation metrics are missing, if they are."),
        ("coefficients", "varchar", "JSON: intercept, and per feature its coefficient, mean and scale."),
        ("sklearn_version", "varchar", "scikit-learn version that fitted the artefact."),
        ("artefact", "blob", "The fitted scikit-learn pipeline, joblib bytes."),
        ("artefact_sha256", "varchar", "SHA-256 of artefact."),
    ),
    NEEDS_OWNER: (
        ("score_date", "date", "The day scored."),
        ("needs_owner_rank", "integer", "1 = assign first: routing breaches first, then by priority_score (high first)."),
        ("lead_id", "varchar", "The lead."),
        ("contact_id", "varchar", "Its CRM contact."),
        ("lead_name", "varchar", "First and last name, else the e-mail, else the lead id."),
        ("email", "varchar", "The lead's e-mail."),
        ("company_name", "varchar", "The lead's company."),
        ("last_owner_id", "varchar", "The owner the CRM still names (deactivated), or null when the lead never had one."),
        ("last_owner_name", "varchar", "That owner's name."),
        ("owner_deactivated_at", "timestamp", "When that owner was deactivated (UTC); null when the lead has no owner."),
        ("handoff_id", "varchar", "The lead's latest handoff."),
        ("handed_off_at", "timestamp", "When it was handed off (UTC)."),
        ("is_routing_breach", "boolean", "The handoff went without an active owner longer than the routing limit."),
        ("priority_score", "double", "See scoring.lead_scores.priority_score."),
        ("reason", "varchar", "Why it is on the list, in words."),
    ),
    CRM_TASK_PUSHES: (
        ("idempotency_key", "varchar", "sha256 of (score_date, owner_id, contact_id), sent as the Idempotency-Key header."),
        ("score_date", "date", "The list the task came from."),
        ("owner_id", "varchar", "The task's owner."),
        ("contact_id", "varchar", "The contact to call."),
        ("crm_task_id", "varchar", "The task id the CRM answered with, if any."),
        ("response_status", "integer", "HTTP status of the accepted answer (201 created, 200 or 409 already there)."),
        ("pushed_at", "timestamp", "When the CRM accepted it (UTC)."),
    ),
}

TABLE_DESCRIPTIONS = {
    LEAD_SCORES: "One row per score_date and open lead: fit, engagement, learned conversion probability.",
    CONTRIBUTIONS: "One row per score_date, lead, component and item: what each ICP rule and engagement signal added.",
    PRIORITY_LIST: "One row per score_date, owner and rank: the open leads each rep works first, with due times and reasons.",
    NEEDS_OWNER: "One row per handed-off open lead without an active owner: the manager's list to assign.",
    MODEL_REGISTRY: "One row per trained p_convert model: version, training window, features, validation, artefact.",
    CRM_TASK_PUSHES: "One row per CRM task sent: the ledger that makes pushing safe to repeat.",
}


def ensure_scoring_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the ``scoring`` schema and its tables if missing, with their documentation.

    A table created by an earlier version gets the columns added since (null in its old rows).
    """
    conn.execute("create schema if not exists scoring")
    for table, columns in COLUMNS.items():
        body = ", ".join(f"{name} {kind}" for name, kind, _ in columns)
        conn.execute(f"create table if not exists {table} ({body})")
        schema, name = table.split(".")
        present = {row[0] for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name]).fetchall()}
        for column, kind, _ in columns:
            if column not in present:
                conn.execute(f"alter table {table} add column {column} {kind}")
        conn.execute(f"comment on table {table} is {_quote(TABLE_DESCRIPTIONS[table])}")
        for name, _, description in columns:
            conn.execute(f"comment on column {table}.{name} is {_quote(description)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_day(conn: duckdb.DuckDBPyConnection, score_date: date, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Make every table of ``frames`` hold ``score_date``'s rows only, in ONE transaction; return rows
    written per table.

    ``frames`` maps a table of :data:`DAY_TABLES` to its rows for the day (every column of the
    table, in any order). On any error nothing changes.
    """
    unknown = set(frames) - set(DAY_TABLES)
    if unknown:
        raise ValueError(f"not day tables: {sorted(unknown)}")
    written: dict[str, int] = {}
    conn.execute("begin transaction")
    try:
        for table, frame in frames.items():
            names = [name for name, _, _ in COLUMNS[table]]
            if set(frame.columns) != set(names):
                raise ValueError(f"{table}: columns {sorted(frame.columns)} differ from {sorted(names)}")
            if not (frame["score_date"] == pd.Timestamp(score_date)).all():
                raise ValueError(f"{table}: rows of another day than {score_date}")
            conn.execute(f"delete from {table}")
            conn.register("_scoring_day_frame", frame[names])
            try:
                conn.execute(f"insert into {table} ({', '.join(names)}) select {', '.join(names)} from _scoring_day_frame")
            finally:
                conn.unregister("_scoring_day_frame")
            written[table] = len(frame)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return written
