"""What each morning first reported, kept apart from what the warehouse says now.

The daily facts describe every past day with everything known by the warehouse's day, so data
that arrives late restates the day it belongs to. What readers were first told stays auditable:

- ``<table>_as_reported`` (beside each table of :data:`AS_REPORTED`): the rows of each published
  day as first published, with ``reported_on`` (the day published), ``reported_at`` (UTC) and
  ``reported_by_run_id``. A day is copied once, the first time it is published: publishing it again
  (a rerun the same morning) does not overwrite what readers already saw.
- ``marts.as_reported_restatements``: one row per change of a reported number after its first
  report: which table, day, row and measure, the value first reported, the value before this
  change and after it, the day the change was first published (``restated_on``), and the late data
  that became known for that day since it was reported (from ``marts.fct_late_data_daily``).

Both are written when a day is published (:func:`record_first_report`), in one transaction; the
published copy carries them. Their contents depend on the order in which days were run, which is
why their names say ``as_reported``: every other table equals one fresh build of its latest day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from lead_sla.ops.runlog import utc_now

LEDGER = "marts.as_reported_restatements"
LATE_DATA = "marts.fct_late_data_daily"

LEDGER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("table_name", "varchar", "The daily table whose number changed, e.g. marts.fct_sales_sla_daily."),
    ("report_date", "date", "The day the number describes."),
    ("key_column", "varchar", "The column that tells the row apart within its day (owner_id, segment, channel)."),
    ("key_value", "varchar", "Its value: which rep, segment or channel."),
    ("measure", "varchar", "The column that changed, e.g. handoffs_breached."),
    ("reported_on", "date", "The day this row was first published (usually report_date itself)."),
    ("reported_value", "double", "The value first published; null when the row did not exist then."),
    ("previous_value", "double", "The value before this change: the first report's, or the previous restatement's."),
    ("restated_value", "double", "The value after this change; null when the row no longer exists."),
    ("restated_on", "date", "The day of the publication that first carried the new value."),
    ("restated_by_run_id", "varchar", "The run that published it (ops.runs)."),
    ("late_data", "varchar", "JSON {stream: versions}: records about report_date that became known after reported_on, up to restated_on; {} when the change came from elsewhere (a related record, the agreement, a fix)."),
)


@dataclass(frozen=True)
class ReportedTable:
    """A table whose rows per day are kept as first published."""

    table: str
    day_column: str
    key_columns: tuple[str, ...]
    restated: bool  # daily facts are restated by late data; scores describe one day only

    @property
    def as_reported(self) -> str:
        return f"{self.table}_as_reported"


AS_REPORTED: tuple[ReportedTable, ...] = (
    ReportedTable("marts.fct_sales_sla_daily", "activity_date", ("owner_id",), restated=True),
    ReportedTable("marts.fct_marketing_sla_daily", "report_date", ("segment",), restated=True),
    ReportedTable("marts.fct_lead_funnel_daily", "report_date", ("channel",), restated=True),
    ReportedTable("scoring.lead_scores", "score_date", ("lead_id",), restated=False),
    ReportedTable("scoring.lead_priority_list", "score_date", ("owner_id", "priority_rank"), restated=False),
    ReportedTable("scoring.leads_needing_owner", "score_date", ("lead_id",), restated=False),
)

_METADATA = (("reported_on", "date"), ("reported_at", "timestamp"), ("reported_by_run_id", "varchar"))
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "REAL")


@dataclass(frozen=True)
class FirstReport:
    """What publishing a day kept: rows copied per table (0: already reported), restatements found."""

    day: date
    rows_copied: dict[str, int]
    restatements: int

    def summary(self) -> str:
        copied = sum(self.rows_copied.values())
        first = "first report kept" if copied else "already reported"
        return f"{self.day}: {first} ({copied} rows), {self.restatements} restated numbers"


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()


def _exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns(conn, table))


def _ensure_copy_table(conn: duckdb.DuckDBPyConnection, spec: ReportedTable) -> None:
    """Create ``<table>_as_reported`` with the table's columns, or add the columns it gained since."""
    source = _columns(conn, spec.table)
    if not _exists(conn, spec.as_reported):
        body = ", ".join([f"{name} {kind}" for name, kind in _METADATA] + [f'"{name}" {kind}' for name, kind in source])
        conn.execute(f"create table {spec.as_reported} ({body})")
        conn.execute(
            f"comment on table {spec.as_reported} is "
            f"'The rows of {spec.table} of each published day as first published (reported_on = the day).'"
        )
        return
    present = {name for name, _ in _columns(conn, spec.as_reported)}
    for name, kind in source:
        if name not in present:
            conn.execute(f'alter table {spec.as_reported} add column "{name}" {kind}')


def _ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists marts")
    body = ", ".join(f"{name} {kind}" for name, kind, _ in LEDGER_COLUMNS)
    conn.execute(f"create table if not exists {LEDGER} ({body})")
    conn.execute(
        f"comment on table {LEDGER} is 'One row per change of a published daily number after its first report.'"
    )
    for name, _, description in LEDGER_COLUMNS:
        conn.execute(f"comment on column {LEDGER}.{name} is '{description.replace(chr(39), chr(39) * 2)}'")


def _copy_day(conn: duckdb.DuckDBPyConnection, spec: ReportedTable, day: date, run_id: str) -> int:
    """Copy the rows of ``day`` unless the day was reported already; return rows copied."""
    already = conn.execute(f"select count(*) from {spec.as_reported} where reported_on = ?", [day]).fetchall()[0][0]
    if already:
        return 0
    names = ", ".join(f'"{name}"' for name, _ in _columns(conn, spec.table))
    conn.execute(
        f"insert into {spec.as_reported} (reported_on, reported_at, reported_by_run_id, {names}) "
        f"select ?, ?, ?, {names} from {spec.table} where {spec.day_column} = ?",
        [day, utc_now(), run_id, day],
    )
    return int(conn.execute(f"select count(*) from {spec.as_reported} where reported_on = ?", [day]).fetchall()[0][0])


def _measures(conn: duckdb.DuckDBPyConnection, spec: ReportedTable) -> list[str]:
    """The numeric columns of a daily table: what readers hold the day to."""
    skip = {spec.day_column, *spec.key_columns}
    return [name for name, kind in _columns(conn, spec.table)
            if name not in skip and (kind.startswith("DECIMAL") or kind in _NUMERIC)]


def _long(spec: ReportedTable, source: str, measures: list[str], where: str) -> str:
    """One row per (day, key, measure) of ``source``: the table made long, values as doubles."""
    key = spec.key_columns[0]
    parts = [
        f"select {spec.day_column} as report_date, cast({key} as varchar) as key_value, '{m}' as measure, "
        f"round(cast(\"{m}\" as double), 9) as value from {source} where {where}"
        for m in measures
    ]
    return "\nunion all\n".join(parts)


def _record_restatements(conn: duckdb.DuckDBPyConnection, spec: ReportedTable, day: date, run_id: str) -> int:
    """Append to the ledger every number of a day reported before ``day`` that differs now from
    what was last said about it (its first report, or its latest restatement). Returns rows added."""
    measures = _measures(conn, spec)
    if not measures:
        return 0
    reported = _long(spec, spec.as_reported, measures, f"{spec.day_column} = reported_on and reported_on < $day")
    current = _long(
        spec, spec.table, measures,
        f"{spec.day_column} in (select reported_on from {spec.as_reported} where reported_on < $day)",
    )
    key = spec.key_columns[0]
    sql = f"""
        insert into {LEDGER}
        with reported as ({reported}),
        current_values as ({current}),
        compared as (
            select
                coalesce(reported.report_date, current_values.report_date) as report_date,
                coalesce(reported.key_value, current_values.key_value) as key_value,
                coalesce(reported.measure, current_values.measure) as measure,
                reported.value as reported_value,
                current_values.value as current_value
            from reported
            full outer join current_values
                on reported.report_date = current_values.report_date
                and reported.key_value = current_values.key_value
                and reported.measure = current_values.measure
        ),
        latest_restatement as (
            select report_date, key_value, measure, restated_value,
                row_number() over (
                    partition by report_date, key_value, measure order by restated_on desc, restated_by_run_id desc
                ) as recency
            from {LEDGER}
            where table_name = '{spec.table}'
        ),
        changed as (
            select
                compared.*,
                case when latest_restatement.report_date is not null
                    then latest_restatement.restated_value else compared.reported_value end as previous_value
            from compared
            left join latest_restatement
                on compared.report_date = latest_restatement.report_date
                and compared.key_value = latest_restatement.key_value
                and compared.measure = latest_restatement.measure
                and latest_restatement.recency = 1
        ),
        late as (
            select event_date, to_json(map(list(stream order by stream), list(versions order by stream))) as late_data
            from (
                select late.event_date, late.stream, cast(sum(late.versions) as bigint) as versions
                from {LATE_DATA} as late
                where late.known_on > late.event_date and late.known_on <= $day
                group by late.event_date, late.stream
            )
            group by event_date
        )
        select
            '{spec.table}', changed.report_date, '{key}', changed.key_value, changed.measure,
            changed.report_date, changed.reported_value, changed.previous_value, changed.current_value,
            $day, $run_id, coalesce(cast(late.late_data as varchar), '{{}}')
        from changed
        left join late
            on changed.report_date = late.event_date
        where changed.current_value is distinct from changed.previous_value
            and not (changed.current_value is null and changed.previous_value = 0)
            and not (changed.previous_value is null and changed.current_value = 0)
    """
    before = conn.execute(f"select count(*) from {LEDGER}").fetchall()[0][0]
    conn.execute(sql, {"day": day, "run_id": run_id})
    return int(conn.execute(f"select count(*) from {LEDGER}").fetchall()[0][0]) - int(before)


def ensure_as_reported_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the ``*_as_reported`` tables and the ledger if missing (empty), with the columns of the
    tables they copy, so that checks comparing with the first reports run on a new warehouse too."""
    _ensure_ledger(conn)
    for spec in AS_REPORTED:
        if _exists(conn, spec.table):
            _ensure_copy_table(conn, spec)


def record_first_report(conn: duckdb.DuckDBPyConnection, day: date, run_id: str) -> FirstReport:
    """Keep ``day``'s rows as first reported and record what changed in earlier reported days.

    Called when ``day`` is published, before the copy is made, in one transaction: on any error
    nothing of it is kept. Tables that do not exist (scoring not run) are left out.
    """
    copied: dict[str, int] = {}
    restated = 0
    conn.execute("begin transaction")
    try:
        _ensure_ledger(conn)
        for spec in AS_REPORTED:
            if not _exists(conn, spec.table):
                continue
            _ensure_copy_table(conn, spec)
            if spec.restated and _exists(conn, LATE_DATA):
                restated += _record_restatements(conn, spec, day, run_id)
            copied[spec.table] = _copy_day(conn, spec, day, run_id)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return FirstReport(day, copied, restated)


@dataclass(frozen=True)
class Restatement:
    """A day whose published numbers changed after its first report, summed per row and measure."""

    table_name: str
    report_date: date
    key_value: str
    measure: str
    reported_value: float | None
    restated_value: float | None
    restated_on: date
    late_data: dict[str, int]

    @property
    def change(self) -> float:
        return (self.restated_value or 0.0) - (self.reported_value or 0.0)


def restatements(conn: duckdb.DuckDBPyConnection, *, since: date | None = None,
                 measures: tuple[str, ...] | None = None) -> list[Restatement]:
    """Every reported number that differs now from its first report (its latest restatement), newest
    restatement first; ``since`` keeps those restated on or after a day. Empty without a ledger."""
    if not _exists(conn, LEDGER):
        return []
    where = ["reported_value is distinct from restated_value"]
    params: list[object] = []
    if since is not None:
        where.append("restated_on >= ?")
        params.append(since)
    if measures:
        where.append(f"measure in ({', '.join('?' for _ in measures)})")
        params.extend(measures)
    rows = conn.execute(
        f"""
        select table_name, report_date, key_value, measure, reported_value, restated_value, restated_on, late_data
        from (
            select *, row_number() over (
                partition by table_name, report_date, key_value, measure
                order by restated_on desc, restated_by_run_id desc
            ) as recency
            from {LEDGER}
        )
        where recency = 1 and {' and '.join(where)}
        order by restated_on desc, report_date desc, table_name, key_value, measure
        """,
        params,
    ).fetchall()
    return [
        Restatement(table, day, key, measure, reported, restated, on, json.loads(late or "{}"))
        for table, day, key, measure, reported, restated, on, late in rows
    ]


_TABLE_WORDS = {
    "marts.fct_sales_sla_daily": "sales",
    "marts.fct_marketing_sla_daily": "marketing",
    "marts.fct_lead_funnel_daily": "funnel",
}

# The numbers a morning report leads with, per daily table: what restatement summaries show.
HEADLINE_MEASURES: dict[str, tuple[str, ...]] = {
    "marts.fct_sales_sla_daily": ("handoffs_received", "handoffs_due", "handoffs_met_by_due", "handoffs_breached",
                                  "handoffs_pending"),
    "marts.fct_marketing_sla_daily": ("mqls_delivered", "tier_a_mqls", "lead_value_delivered",
                                      "mqls_accepted_within_window"),
    "marts.fct_lead_funnel_daily": ("sessions", "new_leads", "mqls", "sqls", "opportunities", "won_deals",
                                    "won_amount"),
}


def is_headline(item: "Restatement") -> bool:
    """Whether ``item`` is one of the numbers a morning report leads with."""
    return item.measure in HEADLINE_MEASURES.get(item.table_name, ())


def owner_names(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Rep names by owner id (``marts.dim_reps``), to say who a restated sales row belongs to."""
    if not _exists(conn, "marts.dim_reps"):
        return {}
    return {owner: name for owner, name in conn.execute(
        "select owner_id, name from marts.dim_reps where name is not null").fetchall()}


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"


def restatement_lines(restated: list[Restatement], names: dict[str, str], *, limit: int | None = None) -> list[str]:
    """Plain words, one line per restated row (day, table and rep, segment or channel) with its
    headline numbers, newest restatement first, e.g. ``Sep 14 · sales · Laura Wilson:
    handoffs_breached 2 → 3 (+1); restated on Sep 16 after late lifecycle_changes (1)``."""
    rows: dict[tuple[str, date, str, date], list[Restatement]] = {}
    for item in restated:
        if is_headline(item):
            rows.setdefault((item.table_name, item.report_date, item.key_value, item.restated_on), []).append(item)
    lines = []
    for (table, day, key, restated_on), items in rows.items():
        changes = "; ".join(
            f"{i.measure} {_number(i.reported_value)} → {_number(i.restated_value)} "
            f"({'+' if i.change > 0 else ''}{_number(i.change)})"
            for i in sorted(items, key=lambda i: HEADLINE_MEASURES[table].index(i.measure))
        )
        late = ", ".join(f"{stream} ({count})" for stream, count in sorted(items[0].late_data.items()))
        why = f" after late {late}" if late else " (no late record of that day: a related record, the agreement or a fix)"
        lines.append(
            f"{day:%b} {day.day} · {_TABLE_WORDS.get(table, table)} · {names.get(key, key)}: {changes}; "
            f"restated on {restated_on:%b} {restated_on.day}{why}"
        )
    return lines[:limit] if limit else lines
