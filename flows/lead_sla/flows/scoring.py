"""The scoring flow: learned model, lead scores and lists, CRM exports, and (if configured) the push.

``score(run_date)`` reads the marts built for ``run_date`` and, in four tasks with one side
effect each:

1. ``train`` registers the day's ``p_convert`` model in ``scoring.model_registry``, or declines
   below the minimum of labelled history (the run then falls back to fit and engagement, logs
   why, and ``scoring.lead_scores.score_basis`` says ``fit_engagement``);
2. ``score`` replaces the day in ``scoring.lead_scores``, ``scoring.lead_score_contributions``
   and ``scoring.lead_priority_list`` in one transaction;
3. ``export`` writes the day's CSV per owner and CRM task payloads under
   ``<warehouse dir>/exports/<run_date>/``;
4. ``push`` sends the tasks to ``LEAD_SLA_CRM_TASKS_URL``, only when it is set (idempotent).

The caller holds the warehouse's run lock (the nightly run does; ``lead-sla score run`` takes it).
The work itself lives in :mod:`lead_sla.scoring`, which does not import Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task

from lead_sla.scoring.daily import ModelChoice, ScoredDay, score_day, train_for_day
from lead_sla.icp.next_question import write_next_questions
from lead_sla.scoring.exports import ExportResult, export_day, read_tasks
from lead_sla.scoring.push import PushReport, describe_report, push_day_tasks
from lead_sla.settings import Settings
from lead_sla.warehouse import open_warehouse


@dataclass
class ScoreResult:
    """What one scoring run did."""

    run_date: date
    score_basis: str
    model_version: str | None
    model_status: str
    leads_scored: int
    owners_listed: int
    tables: list[str]
    export_folder: Path
    tasks_exported: int
    push: PushReport


@task(task_run_name="score-train-{run_date}")
def train(settings: Settings, run_date: date) -> ModelChoice:
    """Train and register the day's model, or decline below the minimum. Side effect: a registry row."""
    conn = open_warehouse(settings)
    try:
        return train_for_day(conn, run_date, settings.reporting_timezone, settings.model_policy)
    finally:
        conn.close()


@task(task_run_name="score-leads-{run_date}")
def score_leads(settings: Settings, run_date: date, choice: ModelChoice) -> ScoredDay:
    """Score the open leads and rank the lists. Side effect: the day's rows, in one transaction."""
    conn = open_warehouse(settings)
    try:
        return score_day(conn, run_date, settings.reporting_timezone, model_version=choice.model_version,
                         model_status=choice.message)
    finally:
        conn.close()


@task(task_run_name="score-export-{run_date}")
def export(settings: Settings, run_date: date) -> ExportResult:
    """Write the CSVs, CRM task payloads and the forms tool's next questions. Side effect: the day's export folder."""
    conn = open_warehouse(settings)
    try:
        exported = export_day(conn, run_date, settings.exports_root, tasks_per_owner=settings.scoring_tasks_per_owner)
        write_next_questions(conn, run_date, exported.folder)
        return exported
    finally:
        conn.close()


@task(task_run_name="score-push-{run_date}")
def push(settings: Settings, run_date: date, tasks_file: Path) -> PushReport:
    """Send the exported tasks to the CRM (the client retries transient failures). Side effect: CRM tasks."""
    conn = open_warehouse(settings)
    try:
        return push_day_tasks(conn, read_tasks(tasks_file), settings)
    finally:
        conn.close()


@flow(name="score", flow_run_name="score-{run_date}", log_prints=True)
def score(run_date: date, settings: Settings | None = None) -> ScoreResult:
    """Score ``run_date`` from its marts; idempotent: a rerun replaces the day and sends no duplicate task."""
    config = settings if settings is not None else Settings()
    logger = get_run_logger()
    choice = train(config, run_date)
    if choice.model_version is None:
        logger.warning("learned model not used for %s: %s", run_date, choice.message)
    else:
        logger.info("learned model for %s: %s", run_date, choice.message)
    scored = score_leads(config, run_date, choice)
    logger.info("scored %d open leads of %s (%s); lists for %d owners", scored.leads_scored, run_date,
                scored.score_basis, scored.owners_listed)
    exported = export(config, run_date)
    logger.info("exported %d owner lists and %d CRM tasks to %s", exported.owner_files, exported.tasks,
                exported.folder)
    if config.crm_tasks_url:
        pushed = push(config, run_date, exported.tasks_file)
    else:
        pushed = PushReport("not_configured", None, tasks=exported.tasks)
    logger.info("CRM push: %s", describe_report(pushed))
    return ScoreResult(
        run_date=run_date,
        score_basis=scored.score_basis,
        model_version=scored.model_version,
        model_status=choice.message,
        leads_scored=scored.leads_scored,
        owners_listed=scored.owners_listed,
        tables=scored.tables,
        export_folder=exported.folder,
        tasks_exported=exported.tasks,
        push=pushed,
    )
