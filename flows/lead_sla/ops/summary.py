"""A short summary of a built day's SLA results, for the run's Prefect artifact and logs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lead_sla.warehouse import connect


def day_summary_markdown(warehouse: Path, run_date: date) -> str:
    """Markdown: the day's handoffs by SLA status, per-rep attainment, and marketing month to date."""
    conn = connect(warehouse)
    try:
        statuses = conn.execute(
            """select sla_status, count(*) from marts.fct_sales_sla
               where handoff_date = ? group by 1 order by 2 desc, 1""", [run_date]
        ).fetchall()
        reps = conn.execute(
            """select owner_id, handoffs_received, handoffs_due, handoffs_met_by_due, handoffs_breached,
                      handoffs_pending, sla_attainment
               from marts.fct_sales_sla_daily where activity_date = ? order by owner_id""", [run_date]
        ).fetchall()
        marketing = conn.execute(
            """select segment, mql_target, mqls_delivered, pace_attainment, projected_mqls
               from marts.fct_marketing_sla_daily where report_date = ? order by segment""", [run_date]
        ).fetchall()
    finally:
        conn.close()

    lines = [f"# SLA results for {run_date}", "", "## Handoffs of the day by status", ""]
    if statuses:
        lines += ["| status | handoffs |", "|---|---:|"] + [f"| {s} | {n} |" for s, n in statuses]
    else:
        lines.append("No handoffs on this day.")
    lines += ["", "## Reps", ""]
    if reps:
        lines += ["| rep | received | due | met | breached | pending | attainment |", "|---|---:|---:|---:|---:|---:|---:|"]
        for owner, received, due, met, breached, pending, attainment in reps:
            shown = "" if attainment is None else f"{attainment:.0%}"
            lines.append(f"| {owner} | {received} | {due} | {met} | {breached} | {pending} | {shown} |")
    else:
        lines.append("No rep had handoffs, deadlines or pending leads on this day.")
    lines += ["", "## Marketing, month to date", ""]
    if marketing:
        lines += ["| segment | target | delivered | pace | projected |", "|---|---:|---:|---:|---:|"]
        for segment, target, delivered, pace, projected in marketing:
            pace_text = "" if pace is None else f"{pace:.0%}"
            lines.append(f"| {segment} | {target} | {delivered} | {pace_text} | {projected or 0:.0f} |")
    else:
        lines.append("No marketing targets in force on this day.")
    return "\n".join(lines) + "\n"
