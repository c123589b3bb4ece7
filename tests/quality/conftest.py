"""Fixtures of the data-quality tests: small DuckDB warehouses with the real table layouts.

Raw tables come from ``ensure_raw_schema`` and get a few valid versions per stream, generated from
the stream contract. The marts, and the staging, intermediate and as-reported tables their suites
compare them with, are created with SQL holding the columns the suites read, filled with a
consistent history of ``HISTORY_DAYS`` days up to ``RUN_DATE``: 20 handoffs a day, each its own
contact, 90% assigned within ten minutes to four rostered reps, a steady breach rate of 2 in 9;
100 web sessions and 20 new leads a day in two channels, a few sessions known late; the days before
the run day as first published; the run day's score of every open lead. Counts that a suite matches
between tables do match (handoffs, leads, sessions, rostered rep-days, marketing days), and the
warehouse has never been published (``ops.publications`` absent). Each warehouse is built once per
session and copied for every test that changes it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from lead_sla.landing.raw import ensure_raw_schema, raw_table
from lead_sla.quality import ValidationReport, run_validation
from lead_sla.run_day import RunDay
from lead_sla.settings import find_project_root
from lead_sla.sources.streams import STREAMS, Column, Stream

PROJECT_ROOT = find_project_root(Path(__file__))
SUITES_DIR = PROJECT_ROOT / "expectations"
RUN_DATE = date(2026, 10, 28)      # a Wednesday
RUN_DAY = RunDay(RUN_DATE, "America/New_York")
HISTORY_DAYS = 60
EXTRACTED_AT = datetime.combine(RUN_DATE + timedelta(days=1), time(2, 0))
# The end of the run day in America/New_York (EDT, UTC-4), as naive UTC.
AS_OF_UTC = "TIMESTAMP '2026-10-29 04:00:00'"


# --- raw -----------------------------------------------------------------------------------

def _raw_value(stream: Stream, column: Column, i: int) -> str:
    day = RUN_DATE - timedelta(days=i)
    if column.name == stream.key:
        return f"{stream.name}-{i}"
    return {
        "str": f"{column.name}-{i}",
        "int": str(10 + i),
        "decimal": "1250.50",
        "bool": "true" if i % 2 else "false",
        "timestamp": f"{day.isoformat()} 1{i}:15:00",
        "date": day.isoformat(),
        "time": "09:00",
        "email": f"person{i}@example.com",
        "enum": column.values[i % len(column.values)] if column.values else f"{column.name}-{i}",
        "zone": "America/New_York",
    }[column.kind]


def fill_raw(conn: duckdb.DuckDBPyConnection, versions: int = 3) -> None:
    """``versions`` valid versions per stream, the newest exported on the run day."""
    ensure_raw_schema(conn)
    for stream in STREAMS:
        names = [*stream.column_names, "_batch_id", "_extracted_at", "_source", "_source_line", "_export_date", "_row_hash"]
        for i in range(versions):
            values = [_raw_value(stream, c, i) for c in stream.columns]
            values += [f"batch-{stream.name}", EXTRACTED_AT, f"{stream.name}/{RUN_DATE - timedelta(days=i)}/part-0",
                       i + 1, RUN_DATE - timedelta(days=i), f"hash-{stream.name}-{i}"]
            quoted = ", ".join(f'"{n}"' for n in names)
            conn.execute(
                f"INSERT INTO {raw_table(stream)} ({quoted}) VALUES ({', '.join('?' for _ in names)})", values
            )


# --- marts and the tables their suites read --------------------------------------------------

FIRST_DAY = RUN_DATE - timedelta(days=HISTORY_DAYS - 1)
REPS = ("u0", "u1", "u2", "u3")  # on the roster every day; u4 was deactivated before the history
HANDOFFS_PER_DAY = 20            # handoff i goes to rep u(i % 4) for i < 18; the last two stay unassigned
SESSIONS_PER_CHANNEL_DAY = 50    # from 40 visitors, in each of the two channels
OPEN_LEAD_DAYS = 30              # leads first known in the last 30 days are open (and scored)

_DAYS = f"SELECT CAST(DATE '{RUN_DATE}' - INTERVAL (d) DAY AS DATE) AS day FROM range({HISTORY_DAYS}) AS t(d)"
_CHANNELS = "(VALUES ('organic_search'), ('paid_search')) AS c(channel)"

INPUTS_DDL = f"""
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS intermediate;

CREATE TABLE staging.stg_crm__users AS
SELECT * FROM (VALUES
    ('u0-1', 'u0', 'Ada', 'sdr', true, TIMESTAMP '2026-01-05 09:00:00', CAST(NULL AS TIMESTAMP)),
    ('u1-1', 'u1', 'Ben', 'sdr', true, TIMESTAMP '2026-01-05 09:00:00', NULL),
    ('u2-1', 'u2', 'Cy', 'ae', true, TIMESTAMP '2026-01-05 09:00:00', NULL),
    ('u3-1', 'u3', 'Dee', 'ae', true, TIMESTAMP '2026-03-02 09:00:00', NULL),
    ('u4-1', 'u4', 'Eve', 'sdr', true, TIMESTAMP '2026-01-05 09:00:00', TIMESTAMP '2026-07-15 17:00:00'),
    ('u4-2', 'u4', 'Eve', 'sdr', false, TIMESTAMP '2026-07-15 17:00:00', NULL),
    ('m0-1', 'm0', 'Max', 'marketing', true, TIMESTAMP '2026-01-05 09:00:00', NULL)
) AS t(user_version_id, owner_id, name, team, active, valid_from, valid_to);

CREATE TABLE staging.stg_agreement__icp_rules AS
SELECT * FROM (VALUES
    ('v1-industry', 'v1', 'industry', 'software', 30),
    ('v1-company-size', 'v1', 'company_size', '51-200', 20),
    ('v2-industry', 'v2', 'industry', 'software', 40)   -- a version no handoff was judged by
) AS t(rule_id, icp_version, attribute, attribute_value, points);

CREATE TABLE intermediate.int_handoffs_sequenced AS
SELECT 'h-' || strftime(day, '%Y%m%d') || '-' || i AS handoff_id,
       'c-' || strftime(day, '%Y%m%d') || '-' || i AS contact_id,
       1 AS handoff_number,
       CAST(day AS TIMESTAMP) + INTERVAL 13 HOUR + INTERVAL (i) MINUTE AS handed_off_at,
       day AS handoff_date
FROM ({_DAYS}) AS days, range({HANDOFFS_PER_DAY}) AS s(i);

CREATE TABLE intermediate.int_handoffs_profiled AS
SELECT handoff_id, contact_id, handoff_number, handoff_date, 'v1' AS icp_version
FROM intermediate.int_handoffs_sequenced;

CREATE TABLE intermediate.int_rep_days_rostered AS
SELECT md5(CAST(days.day AS VARCHAR) || '|' || users.owner_id) AS rep_day_id, days.day AS calendar_date,
       users.owner_id, users.team
FROM ({_DAYS}) AS days, staging.stg_crm__users AS users
WHERE users.active AND users.team IN ('sdr', 'ae') AND users.valid_to IS NULL;

-- every contact handed off is a lead, identified an hour before its handoff; five form leads never handed off
CREATE TABLE intermediate.int_leads_attributed AS
SELECT contact_id AS lead_id, contact_id,
       ['organic_search', 'paid_search'][1 + CAST(split_part(handoff_id, '-', 3) AS INTEGER) % 2] AS acquisition_channel,
       handed_off_at - INTERVAL 1 HOUR AS first_identified_at, handoff_date AS first_identified_date
FROM intermediate.int_handoffs_sequenced
UNION ALL
SELECT 'form-lead-' || i, NULL, 'organic_search', TIMESTAMP '{RUN_DATE} 12:00:00' - INTERVAL (i) DAY,
       CAST(DATE '{RUN_DATE}' - INTERVAL (i) DAY AS DATE)
FROM range(5) AS t(i);

-- on every tenth day (from the fifth before the run day) three paid sessions became known late
CREATE TABLE intermediate.int_sessions_attributed AS
SELECT 's-' || strftime(day, '%Y%m%d') || '-' || channel || '-' || s AS session_id,
       'v-' || strftime(day, '%Y%m%d') || '-' || channel || '-' || (s % 40) AS visitor_id,
       s // 40 + 1 AS visitor_session_number, channel,
       CAST(day AS TIMESTAMP) + INTERVAL 9 HOUR + INTERVAL (s) MINUTE AS started_at, day AS session_date,
       CASE WHEN (DATE '{RUN_DATE}' - day) % 10 = 5 AND channel = 'paid_search' AND s < 2 THEN day + 1
            WHEN (DATE '{RUN_DATE}' - day) % 10 = 5 AND channel = 'paid_search' AND s = 2 THEN day + 3
            ELSE day END AS known_on
FROM ({_DAYS}) AS days, {_CHANNELS}, range({SESSIONS_PER_CHANNEL_DAY}) AS r(s);

CREATE TABLE intermediate.int_lead_profiles_historized AS
SELECT lead_id || ':industry:1' AS profile_interval_id, lead_id, contact_id, 'industry' AS attribute,
       'software' AS attribute_value, first_identified_at AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to,
       first_identified_at + INTERVAL 30 MINUTE AS last_seen_at, 2 AS times_seen, 'form' AS source
FROM intermediate.int_leads_attributed;

-- every day and segment from the first day of the first month with a handoff to the run day
CREATE TABLE intermediate.int_marketing_days_measured AS
WITH days AS (
    SELECT CAST(unnest(generate_series(DATE '{FIRST_DAY.replace(day=1)}', DATE '{RUN_DATE}', INTERVAL 1 DAY)) AS DATE) AS report_date
)
SELECT report_date, CAST(date_trunc('month', report_date) AS DATE) AS month_start, last_day(report_date) AS month_end,
       segment, 5 * dayofmonth(report_date) AS mqls_delivered, dayofmonth(report_date) AS tier_a_mqls,
       2 * dayofmonth(report_date) AS mqls_accepted_within_window, 100 AS mql_target,
       0.2 AS tier_a_share, 0.4 AS acceptance_rate, 5 * dayofmonth(report_date) / 100.0 AS mql_attainment,
       1.0 AS pace_attainment, 22 AS business_days_in_month,
       least(22, CAST(dayofmonth(report_date) * 5 / 7 AS INTEGER)) AS business_days_elapsed
FROM days, (VALUES ('smb'), ('mid_market'), ('enterprise')) AS s(segment);

-- the handoffs of the one closed cohort (August, under v1), followed up in every way the evidence splits by
CREATE TABLE intermediate.int_handoff_followups_judged AS
WITH handoffs AS (
    SELECT *, CAST(split_part(handoff_id, '-', 3) AS INTEGER) AS i FROM intermediate.int_handoffs_sequenced
    WHERE handoff_date < DATE '2026-09-01'
)
SELECT handoff_id, contact_id, 'v1' AS sla_version, DATE '2026-08-01' AS cohort_month, 60 AS outcome_window_days,
       ['A', 'B', 'C'][1 + i % 3] AS icp_tier,
       ['within_5_min', 'within_1_hour', 'later', 'never'][1 + i % 4] AS response_business_bucket,
       ['within_1_hour', 'within_1_day', 'never'][1 + i % 3] AS response_wall_clock_bucket,
       CAST(i % 6 AS VARCHAR) AS attempts_bucket, ['call', 'email', 'meeting'][1 + i % 3] AS first_touch_channel,
       ['met', 'missed', 'reached_early'][1 + i % 3] AS cadence, 9 + i % 8 AS handoff_hour,
       lower(dayname(handoff_date)) AS handoff_weekday, i % 3 = 0 AS reached_sql, i % 6 = 0 AS reached_opportunity,
       i % 9 = 0 AS is_won
FROM handoffs
ORDER BY handoff_id;

-- what followed 40 people's first engagements with four content pieces in two closed months (June, July)
CREATE TABLE intermediate.int_content_engagements_judged AS
WITH people AS (SELECT CAST(range AS INTEGER) AS i FROM range(40)),
engagements AS (
    SELECT i, 'landing_page' AS content_kind, ['/a', '/b'][1 + i % 2] AS content_id, true AS is_first_touch FROM people
    UNION ALL
    SELECT i, 'landing_page', '/c', false FROM people WHERE i % 2 = 0
    UNION ALL
    SELECT i, 'form', 'f1', true FROM people WHERE i % 4 = 0
)
SELECT md5('p' || i || '|' || content_kind || '|' || content_id) AS content_engagement_id, 'p' || i AS person_key,
       content_kind, content_id, content_id AS content_name,
       CASE WHEN i < 20 THEN DATE '2026-06-01' ELSE DATE '2026-07-01' END AS cohort_month, 90 AS window_days,
       is_first_touch, i % 5 <> 0 AS is_prospect, i % 5 <> 0 AND i % 3 = 0 AS became_lead, i % 6 = 0 AS became_mql,
       i % 12 = 0 AS is_won
FROM engagements
ORDER BY content_engagement_id;

-- the agreement's default calendar: Monday to Friday are working days (no holiday in the history)
CREATE TABLE intermediate.int_marketing_days_classified AS
SELECT DISTINCT report_date AS calendar_date, isodow(report_date) < 6 AS is_business_day
FROM intermediate.int_marketing_days_measured;
"""

MART_DDL = f"""
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE marts.fct_sales_sla AS
WITH handoffs AS (
    SELECT *, CAST(split_part(handoff_id, '-', 3) AS INTEGER) AS i FROM intermediate.int_handoffs_sequenced
)
SELECT
    handoff_id, contact_id, handoff_number, handed_off_at, handoff_date,
    CASE WHEN i < 18 THEN 'u' || (i % 4) END AS owner_id,
    CASE WHEN i < 18 THEN handed_off_at + INTERVAL 10 MINUTE END AS owner_assigned_at,
    CASE WHEN i < 18 THEN 10.0 END AS routing_minutes,
    CASE WHEN i < 18 THEN 'u' || (i % 4) END AS rep_owner_id,
    ['smb', 'mid_market', 'enterprise'][1 + i % 3] AS segment,
    'v1' AS icp_version,
    CAST((i * 5) % 101 AS DOUBLE) AS fit_score,
    240 AS sla_target_business_minutes,
    handed_off_at + INTERVAL 40 MINUTE AS first_touch_at,
    30.0 AS response_minutes,
    30.0 AS response_business_minutes,
    CASE WHEN i < 18 THEN 30.0 END AS rep_response_business_minutes,
    CAST(NULL AS DOUBLE) AS late_business_minutes,
    2 AS attempts_in_window,
    CASE WHEN handoff_date < DATE '{RUN_DATE}' - 1 THEN handed_off_at + INTERVAL 1 DAY END AS outcome_at,
    CASE WHEN handoff_date < DATE '{RUN_DATE}' - 1 THEN 1440.0 END AS minutes_to_outcome,
    {AS_OF_UTC} AS evaluated_as_of
FROM handoffs
ORDER BY handoff_date, handoff_id;

CREATE TABLE marts.dim_leads AS
SELECT leads.lead_id, leads.contact_id, leads.first_identified_at AS first_known_at,
       leads.first_identified_date AS first_known_date, sla.handed_off_at AS became_mql_at,
       CAST(NULL AS TIMESTAMP) AS became_customer_at, count(sla.handoff_id) AS handoff_count,
       coalesce(any_value(sla.fit_score), 40.0) AS fit_score,
       CASE WHEN count(sla.handoff_id) > 0 THEN 0.5 ELSE 0.25 END AS profile_completeness, 'v1' AS icp_version,
       leads.first_identified_date > DATE '{RUN_DATE}' - {OPEN_LEAD_DAYS} AS is_open
FROM intermediate.int_leads_attributed AS leads
LEFT JOIN marts.fct_sales_sla AS sla ON sla.contact_id = leads.contact_id
GROUP BY ALL
ORDER BY leads.lead_id;

CREATE TABLE marts.dim_lead_profiles AS
SELECT lead_id, contact_id, profile_completeness, icp_version, first_known_at AS profile_updated_at
FROM marts.dim_leads
ORDER BY lead_id;

CREATE TABLE marts.dim_lead_profile_history AS
SELECT * FROM intermediate.int_lead_profiles_historized ORDER BY profile_interval_id;

CREATE TABLE marts.dim_reps AS
SELECT latest.owner_id, latest.name, latest.team, latest.active AS is_active, spans.first_version_at,
       CASE WHEN NOT latest.active THEN latest.valid_from END AS deactivated_at
FROM staging.stg_crm__users AS latest
INNER JOIN (SELECT owner_id, min(valid_from) AS first_version_at FROM staging.stg_crm__users GROUP BY owner_id) AS spans
    ON spans.owner_id = latest.owner_id
WHERE latest.valid_to IS NULL
ORDER BY latest.owner_id;

-- every rostered rep every day; one deadline in four or five is breached (a steady rate)
CREATE TABLE marts.fct_sales_sla_daily AS
WITH received AS (
    SELECT handoff_date, rep_owner_id, count(*) AS received
    FROM marts.fct_sales_sla WHERE rep_owner_id IS NOT NULL GROUP BY ALL
),
days AS (
    SELECT roster.calendar_date AS activity_date, roster.owner_id, coalesce(received.received, 0) AS received,
           CASE WHEN received.received >= 4 THEN 1 ELSE 0 END AS breached
    FROM intermediate.int_rep_days_rostered AS roster
    LEFT JOIN received ON received.handoff_date = roster.calendar_date AND received.rep_owner_id = roster.owner_id
)
SELECT activity_date, owner_id, received AS handoffs_received, received AS handoffs_due,
       received - breached AS handoffs_met_by_due, breached AS handoffs_breached, 0 AS handoffs_pending,
       30.0 AS median_response_business_minutes, 90.0 AS p90_response_business_minutes,
       (received - breached) / nullif(received, 0) AS sla_attainment
FROM days
ORDER BY activity_date, owner_id;

CREATE TABLE marts.fct_sales_sla_weekly AS
SELECT CAST(date_trunc('week', activity_date) AS DATE) AS week_start, owner_id,
       sum(handoffs_received) AS handoffs_received, sum(handoffs_due) AS handoffs_due,
       sum(handoffs_met_by_due) AS handoffs_met_by_due, sum(handoffs_breached) AS handoffs_breached,
       sum(handoffs_met_by_due) / nullif(sum(handoffs_due), 0) AS on_time_share
FROM marts.fct_sales_sla_daily
GROUP BY ALL
ORDER BY week_start, owner_id;

CREATE TABLE marts.fct_marketing_sla_daily AS
SELECT report_date, month_start, segment, mqls_delivered, tier_a_mqls, mqls_accepted_within_window, mql_target,
       tier_a_share, acceptance_rate, mql_attainment, pace_attainment, business_days_in_month, business_days_elapsed
FROM intermediate.int_marketing_days_measured
ORDER BY report_date, segment;

CREATE TABLE marts.fct_marketing_sla AS
SELECT CAST(date_trunc('month', handoff_date) AS DATE) AS month_start, segment,
       least(max(handoff_date), DATE '{RUN_DATE}') AS report_date,
       count(*) AS mqls_delivered, count(*) // 5 AS tier_a_mqls, count(*) // 2 AS mqls_accepted_within_window,
       count(*) // 10 AS mqls_rejected, 200 AS mql_target, count(*) / 200.0 AS mql_attainment,
       0.9 AS lead_value_attainment, 1.0 AS projected_attainment, 0.2 AS tier_a_share, 0.5 AS acceptance_rate,
       22 AS business_days_in_month, 15 AS business_days_elapsed
FROM marts.fct_sales_sla
GROUP BY 1, 2
ORDER BY 1, 2;

CREATE TABLE marts.fct_lead_funnel_daily AS
WITH sessions AS (
    SELECT session_date, channel, count(*) AS sessions, count(DISTINCT visitor_id) AS unique_visitors
    FROM intermediate.int_sessions_attributed WHERE session_date <= DATE '{RUN_DATE}' GROUP BY ALL
),
new_leads AS (
    SELECT first_identified_date, acquisition_channel, count(*) AS new_leads
    FROM intermediate.int_leads_attributed
    WHERE first_identified_at IS NOT NULL AND first_identified_date <= DATE '{RUN_DATE}' GROUP BY ALL
),
days AS (
    SELECT days.day AS report_date, c.channel, coalesce(sessions.sessions, 0) AS sessions,
           coalesce(sessions.unique_visitors, 0) AS unique_visitors, coalesce(new_leads.new_leads, 0) AS new_leads
    FROM ({_DAYS}) AS days CROSS JOIN {_CHANNELS}
    LEFT JOIN sessions ON sessions.session_date = days.day AND sessions.channel = c.channel
    LEFT JOIN new_leads ON new_leads.first_identified_date = days.day AND new_leads.acquisition_channel = c.channel
)
SELECT report_date, channel, sessions, unique_visitors, new_leads, 4 AS mqls, 2 AS sqls, 1 AS opportunities,
       0 AS won_deals, CAST(0 AS DECIMAL(18, 2)) AS won_amount,
       unique_visitors AS cohort_visitors, 1 AS cohort_visitors_identified, new_leads AS cohort_leads,
       4 AS cohort_mqls, 2 AS cohort_sqls, 1 AS cohort_opportunities, 0 AS cohort_customers,
       1.0 / nullif(unique_visitors, 0) AS visitor_to_lead_rate, 4.0 / nullif(new_leads, 0) AS lead_to_mql_rate,
       2.0 / nullif(new_leads, 0) AS lead_to_sql_rate, 1.0 / nullif(new_leads, 0) AS lead_to_opportunity_rate,
       0.0 / nullif(new_leads, 0) AS lead_to_customer_rate
FROM days
ORDER BY report_date, channel;

CREATE TABLE marts.fct_icp_evidence AS
SELECT * FROM (VALUES
    ('v1', 'attribute_value', 'industry', 'software', 60, 6, 0.10, 0.08, 0.05, 0.20, 0.6, 0.75, 1.25),
    ('v1', 'attribute_value', 'industry', 'retail', 40, 2, 0.05, 0.08, 0.01, 0.17, 0.4, 0.25, 0.625),
    ('v1', 'attribute_value', 'company_size', '51-200', 50, 5, 0.10, 0.08, 0.04, 0.21, 0.5, 0.625, 1.25),
    ('v1', 'attribute_value', 'company_size', 'unknown', 50, 3, 0.06, 0.08, 0.02, 0.16, 0.5, 0.375, 0.75),
    ('v1', 'tier', 'icp_tier', 'A', 30, 5, 0.1667, 0.08, 0.07, 0.34, 0.3, 0.625, 2.08),
    ('v1', 'tier', 'icp_tier', 'B', 70, 3, 0.0429, 0.08, 0.01, 0.12, 0.7, 0.375, 0.54)
) AS t(icp_version, evidence_type, attribute, attribute_value, leads, wins, win_rate, overall_win_rate,
       win_rate_lower_95, win_rate_upper_95, share_of_leads, share_of_wins, lift);

-- one row per version, cohort (August, and the pooled all_closed), stratum, dimension and value
CREATE TABLE marts.fct_followup_evidence AS
WITH placed AS (
    SELECT judged.*, CASE WHEN kinds.k = 'month' THEN strftime(cohort_month, '%Y-%m') ELSE 'all_closed' END AS cohort,
           CASE WHEN strata.s = 'all' THEN 'all' ELSE icp_tier END AS stratum
    FROM intermediate.int_handoff_followups_judged AS judged,
         (VALUES ('month'), ('all_closed')) AS kinds(k), (VALUES ('all'), ('tier')) AS strata(s)
),
valued AS (
    UNPIVOT (
        SELECT sla_version, cohort, stratum, 'all' AS overall, response_business_bucket AS response_business,
               response_wall_clock_bucket AS response_wall_clock, attempts_bucket AS attempts, first_touch_channel,
               cadence, lpad(CAST(handoff_hour AS VARCHAR), 2, '0') AS handoff_hour, handoff_weekday
        FROM placed
    ) ON overall, response_business, response_wall_clock, attempts, first_touch_channel, cadence, handoff_hour,
         handoff_weekday
    INTO NAME dimension VALUE dimension_value
),
counted AS (
    SELECT sla_version, cohort, stratum AS icp_tier, dimension, dimension_value, count(*) AS handoffs
    FROM valued GROUP BY ALL
)
SELECT md5(concat_ws('|', counted.sla_version, counted.cohort, counted.icp_tier, counted.dimension,
                     counted.dimension_value)) AS followup_evidence_id,
       counted.*, strata.handoffs AS stratum_handoffs, counted.handoffs / strata.handoffs AS share_of_handoffs
FROM counted
INNER JOIN (SELECT sla_version, cohort, icp_tier, handoffs FROM counted WHERE dimension = 'overall') AS strata
    ON strata.sla_version = counted.sla_version AND strata.cohort = counted.cohort AND strata.icp_tier = counted.icp_tier
ORDER BY counted.sla_version, counted.cohort, counted.icp_tier, counted.dimension, counted.dimension_value;

-- one row per piece and cohort (June, July and the pooled all_closed); 30 leads were created in each month
CREATE TABLE marts.fct_content_conversion AS
WITH placed AS (
    SELECT judged.*, CASE WHEN kinds.k = 'month' THEN strftime(cohort_month, '%Y-%m') ELSE 'all_closed' END AS cohort,
           CASE WHEN kinds.k = 'month' THEN cohort_month END AS placed_month
    FROM intermediate.int_content_engagements_judged AS judged, (VALUES ('month'), ('all_closed')) AS kinds(k)
),
counted AS (
    SELECT content_kind, content_id, min(content_name) AS content_name, cohort, placed_month AS cohort_month,
           count(*) AS engaged_people, count(*) FILTER (WHERE is_prospect) AS prospects,
           count(*) FILTER (WHERE became_lead) AS leads_created, count(*) FILTER (WHERE became_mql) AS mqls,
           count(*) FILTER (WHERE is_won) AS wins, count(*) FILTER (WHERE is_first_touch) AS first_touch_people,
           count(*) FILTER (WHERE is_first_touch AND is_prospect) AS first_touch_prospects,
           count(*) FILTER (WHERE is_first_touch AND became_lead) AS first_touch_leads_created,
           count(*) FILTER (WHERE is_first_touch AND became_mql) AS first_touch_mqls,
           count(*) FILTER (WHERE is_first_touch AND is_won) AS first_touch_wins,
           CASE WHEN cohort = 'all_closed' THEN 60 ELSE 30 END AS cohort_leads,
           count(*) FILTER (WHERE became_lead) AS leads_touched
    FROM placed GROUP BY content_kind, content_id, cohort, placed_month
)
SELECT md5(concat_ws('|', content_kind, content_id, cohort)) AS content_conversion_id, *, 90 AS window_days,
       leads_created / nullif(prospects, 0) AS lead_rate, mqls / engaged_people AS mql_rate, wins / engaged_people AS win_rate,
       leads_touched / cohort_leads AS share_of_leads_touched
FROM counted
ORDER BY content_kind, content_id, cohort;

CREATE TABLE marts.fct_late_data_daily AS
SELECT stream, event_date, known_on, date_diff('day', event_date, known_on) AS days_late, count(*) AS versions
FROM (
    SELECT 'web_sessions' AS stream, session_date AS event_date, known_on
    FROM intermediate.int_sessions_attributed WHERE known_on > session_date
    UNION ALL
    SELECT 'activities', DATE '{RUN_DATE}' - 3, DATE '{RUN_DATE}' - 1 FROM range(7)
)
GROUP BY ALL
ORDER BY event_date, known_on, stream;
"""

# The days before the run day as first published: each copied the night it was the run day.
AS_REPORTED_DDL = f"""
CREATE TABLE marts.fct_sales_sla_daily_as_reported AS
SELECT activity_date AS reported_on, CAST(activity_date + 1 AS TIMESTAMP) + INTERVAL 7 HOUR AS reported_at,
       'night-' || strftime(activity_date, '%Y%m%d') AS reported_by_run_id, *
FROM marts.fct_sales_sla_daily WHERE activity_date < DATE '{RUN_DATE}'
ORDER BY activity_date, owner_id;

CREATE TABLE marts.fct_lead_funnel_daily_as_reported AS
SELECT report_date AS reported_on, CAST(report_date + 1 AS TIMESTAMP) + INTERVAL 7 HOUR AS reported_at,
       'night-' || strftime(report_date, '%Y%m%d') AS reported_by_run_id, *
FROM marts.fct_lead_funnel_daily WHERE report_date < DATE '{RUN_DATE}'
ORDER BY report_date, channel;
"""


# The ICP proposal and the next question: the first handoffs of the proposal's windows (training
# before the last 20 days, later after), each with its industry and company size as known at the
# handoff (every seventh industry unknown), one in five won; the proposal's points per value, its
# leads and tiers; and, for every open lead (whose company size nobody knows), the next question.
ICP_PROPOSAL_DDL = f"""
CREATE TABLE staging.stg_agreement__icp_versions AS
SELECT * FROM (VALUES
    ('v1', DATE '2026-01-01', DATE '2027-01-01', 40, 20),
    ('v2', DATE '2027-01-01', CAST(NULL AS DATE), 40, 20)
) AS t(icp_version, effective_from, effective_to, tier_a_min_points, tier_b_min_points);

CREATE TABLE intermediate.int_icp_rules_in_force AS
SELECT rules.icp_version, rules.rule_id, rules.attribute, rules.attribute_value, rules.points
FROM staging.stg_agreement__icp_rules AS rules
INNER JOIN staging.stg_agreement__icp_versions AS versions ON rules.icp_version = versions.icp_version
WHERE versions.effective_from <= DATE '{RUN_DATE}' AND (versions.effective_to IS NULL OR DATE '{RUN_DATE}' < versions.effective_to);

CREATE TABLE intermediate.int_first_handoffs_windowed AS
WITH first_handoffs AS (
    SELECT contact_id, handed_off_at, handoff_date, CAST(split_part(handoff_id, '-', 3) AS INTEGER) AS i,
           CASE WHEN handoff_date < DATE '{RUN_DATE}' - 20 THEN 'training' ELSE 'later' END AS proposal_period
    FROM intermediate.int_handoffs_sequenced WHERE handoff_number = 1
)
SELECT contact_id, handed_off_at, handoff_date, proposal_period, CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END AS is_won,
       'v1' AS in_force_icp_version, CASE WHEN i % 2 = 0 THEN 'A' ELSE 'C' END AS in_force_icp_tier,
       CASE WHEN i % 2 = 0 THEN 50 ELSE 0 END AS in_force_fit_score, attribute,
       CASE WHEN attribute = 'industry' AND i % 7 = 0 THEN 'unknown'
            WHEN attribute = 'industry' THEN ['software', 'retail'][1 + i % 2]
            ELSE ['51-200', '1-10', '11-50'][1 + i % 3] END AS attribute_value
FROM first_handoffs, (VALUES ('industry'), ('company_size')) AS a(attribute);

CREATE TABLE marts.fct_icp_proposal AS
WITH training AS (SELECT * FROM intermediate.int_first_handoffs_windowed WHERE proposal_period = 'training'),
overall AS (
    SELECT count(DISTINCT contact_id) AS overall_leads, count(DISTINCT CASE WHEN is_won = 1 THEN contact_id END) AS overall_wins,
           min(handoff_date) AS first_handoff_date, max(handoff_date) AS last_handoff_date
    FROM training
),
seen AS (
    SELECT attribute, attribute_value, count(*) AS leads, sum(is_won) AS wins
    FROM training WHERE attribute_value != 'unknown' GROUP BY ALL
)
SELECT md5(seen.attribute || '|' || seen.attribute_value) AS icp_proposal_id, seen.attribute, seen.attribute_value,
       overall.first_handoff_date, overall.last_handoff_date, CAST(seen.leads AS INTEGER) AS leads,
       CAST(seen.wins AS INTEGER) AS wins, seen.wins / seen.leads AS win_rate,
       greatest(0, seen.wins / seen.leads - 0.05) AS win_rate_lower_95, least(1, seen.wins / seen.leads + 0.05) AS win_rate_upper_95,
       overall.overall_wins / overall.overall_leads AS overall_win_rate,
       (seen.wins + 20 * overall.overall_wins / overall.overall_leads) / (seen.leads + 20) AS shrunk_win_rate,
       1.0 AS shrunk_lift,
       CAST(CASE seen.attribute_value WHEN 'software' THEN 60 WHEN '51-200' THEN 40 ELSE 0 END AS INTEGER) AS proposed_points,
       rules.points AS in_force_points
FROM seen CROSS JOIN overall
LEFT JOIN intermediate.int_icp_rules_in_force AS rules
    ON rules.attribute = seen.attribute AND rules.attribute_value = seen.attribute_value
ORDER BY seen.attribute, seen.attribute_value;

CREATE TABLE marts.fct_icp_proposal_leads AS
WITH leads AS (
    SELECT DISTINCT contact_id, handed_off_at, handoff_date, proposal_period, is_won = 1 AS is_won,
           in_force_icp_version, in_force_fit_score, in_force_icp_tier
    FROM intermediate.int_first_handoffs_windowed
),
points AS (
    SELECT windowed.contact_id, CAST(coalesce(sum(proposal.proposed_points), 0) AS INTEGER) AS proposed_points
    FROM intermediate.int_first_handoffs_windowed AS windowed
    LEFT JOIN marts.fct_icp_proposal AS proposal
        ON proposal.attribute = windowed.attribute AND proposal.attribute_value = windowed.attribute_value
    GROUP BY windowed.contact_id
)
SELECT leads.*, points.proposed_points,
       CASE WHEN points.proposed_points >= 60 THEN 'A' WHEN points.proposed_points >= 40 THEN 'B' ELSE 'C' END AS proposed_icp_tier,
       60 AS proposed_tier_a_min_points, 40 AS proposed_tier_b_min_points
FROM leads INNER JOIN points USING (contact_id)
ORDER BY leads.contact_id;

CREATE TABLE marts.fct_icp_proposal_tiers AS
WITH tiered AS (
    SELECT proposal_period, 'proposed' AS icp, proposed_icp_tier AS icp_tier, is_won FROM marts.fct_icp_proposal_leads
    UNION ALL
    SELECT proposal_period, 'in_force', in_force_icp_tier, is_won FROM marts.fct_icp_proposal_leads
),
grid AS (
    SELECT DISTINCT proposal_period, icp, icp_tier
    FROM (SELECT DISTINCT proposal_period FROM marts.fct_icp_proposal_leads),
         (VALUES ('proposed'), ('in_force')) AS i(icp), (VALUES ('A'), ('B'), ('C')) AS t(icp_tier)
),
counted AS (
    SELECT grid.proposal_period, grid.icp, grid.icp_tier, count(tiered.is_won) AS leads,
           coalesce(sum(CASE WHEN tiered.is_won THEN 1 ELSE 0 END), 0) AS wins
    FROM grid LEFT JOIN tiered USING (proposal_period, icp, icp_tier)
    GROUP BY ALL
),
overall AS (
    SELECT proposal_period, count(*) AS period_leads, sum(CASE WHEN is_won THEN 1 ELSE 0 END) AS period_wins
    FROM marts.fct_icp_proposal_leads GROUP BY ALL
)
SELECT md5(counted.proposal_period || '|' || counted.icp || '|' || counted.icp_tier) AS icp_proposal_tier_id,
       counted.proposal_period, counted.icp, counted.icp_tier, CAST(counted.leads AS INTEGER) AS leads,
       CAST(counted.wins AS INTEGER) AS wins, CASE WHEN counted.leads > 0 THEN counted.wins / counted.leads END AS win_rate,
       CASE WHEN counted.leads > 0 THEN greatest(0, counted.wins / counted.leads - 0.05) ELSE 0 END AS win_rate_lower_95,
       CASE WHEN counted.leads > 0 THEN least(1, counted.wins / counted.leads + 0.05) ELSE 1 END AS win_rate_upper_95,
       overall.period_wins / overall.period_leads AS overall_win_rate,
       CASE WHEN counted.leads > 0 AND overall.period_wins > 0
            THEN counted.wins * overall.period_leads / (counted.leads * overall.period_wins) END AS lift,
       counted.leads / overall.period_leads AS share_of_leads
FROM counted INNER JOIN overall USING (proposal_period)
ORDER BY counted.proposal_period, counted.icp, counted.icp_tier;

ALTER TABLE marts.dim_leads ADD COLUMN lifecycle_stage VARCHAR;
ALTER TABLE marts.dim_leads ADD COLUMN is_deleted BOOLEAN DEFAULT false;
UPDATE marts.dim_leads SET lifecycle_stage = CASE WHEN handoff_count > 0 THEN 'mql' ELSE 'lead' END, is_deleted = false;

CREATE TABLE marts.fct_lead_next_question AS
SELECT lead_id, contact_id, lifecycle_stage, 'organic_search' AS acquisition_channel, icp_version, fit_score,
       CASE WHEN fit_score >= 40 THEN 'A' ELSE 'C' END AS icp_tier, 1 AS unknown_attribute_count,
       'company_size' AS next_attribute, 'company_size' AS form_field, 0.25 AS tier_change_probability,
       5.0 AS expected_points_gain, 'no_answers_seen' AS similar_leads_basis, 0 AS similar_leads_known
FROM marts.dim_leads WHERE is_open AND NOT is_deleted AND icp_version IS NOT NULL
ORDER BY lead_id;

CREATE TABLE marts.fct_mql_missing_attributes AS
WITH mqls AS (SELECT count(*) AS mqls FROM marts.dim_leads WHERE is_open AND lifecycle_stage = 'mql')
SELECT attribute, attribute AS form_field, CAST(mqls AS INTEGER) AS mqls,
       CAST(CASE attribute WHEN 'company_size' THEN mqls ELSE 0 END AS INTEGER) AS missing_mqls,
       CASE WHEN mqls > 0 THEN CASE attribute WHEN 'company_size' THEN 1.0 ELSE 0.0 END END AS missing_share,
       CAST(CASE attribute WHEN 'company_size' THEN mqls ELSE 0 END AS INTEGER) AS next_question_mqls,
       CAST(CASE attribute WHEN 'company_size' THEN 1 ELSE 2 END AS INTEGER) AS missing_rank
FROM (VALUES ('industry'), ('company_size')) AS a(attribute), mqls
ORDER BY missing_rank;
"""


def fill_marts(conn: duckdb.DuckDBPyConnection) -> None:
    """The inputs the mart suites compare with, the marts built from them, and the days as first reported."""
    conn.execute(INPUTS_DDL)
    conn.execute(MART_DDL)
    conn.execute(ICP_PROPOSAL_DDL)
    conn.execute(AS_REPORTED_DDL)


def create_lead_scores(conn: duckdb.DuckDBPyConnection) -> None:
    """``scoring.lead_scores`` with the scoring flow's columns (flows/lead_sla/scoring/tables.py):
    the run day's score of every open lead, as the scoring flow leaves it."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS scoring")
    conn.execute(
        f"""CREATE TABLE scoring.lead_scores AS
            SELECT DATE '{RUN_DATE}' AS score_date, lead_id, contact_id, 'u1' AS owner_id, 'mql' AS lifecycle_stage,
                   {AS_OF_UTC} AS scored_as_of, icp_version,
                   CAST(fit_score AS INTEGER) AS fit_points, fit_score, CASE WHEN fit_score >= 70 THEN 'A' ELSE 'B' END AS icp_tier,
                   profile_completeness, 20.0 AS engagement_points, CAST(39.3 AS DOUBLE) AS engagement_score,
                   0.6 * fit_score + 0.4 * 39.3 AS combined_score,
                   CASE WHEN fit_score > 50 THEN 0.3 END AS p_convert,
                   0.6 * fit_score + 0.4 * 39.3 AS priority_score, 'fit_engagement' AS score_basis,
                   CAST(NULL AS VARCHAR) AS model_version, 'too little labelled history' AS model_status,
                   handoff_count > 0 AS is_handed_off
            FROM marts.dim_leads WHERE is_open ORDER BY lead_id"""
    )


# --- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with valid raw tables, marts and scores (built once; copy it before changing it)."""
    path = tmp_path_factory.mktemp("good") / "warehouse.duckdb"
    conn = duckdb.connect(str(path))
    try:
        fill_raw(conn)
        fill_marts(conn)
        create_lead_scores(conn)
    finally:
        conn.close()
    return path


@pytest.fixture
def warehouse(good_warehouse: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private, writable copy of the good warehouse."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(good_warehouse, path)
    conn = duckdb.connect(str(path))
    conn.execute("SET TimeZone = 'UTC'")
    yield conn
    conn.close()


@pytest.fixture
def suites_for(tmp_path: Path) -> Callable[..., Path]:
    """A suites folder holding copies of the named committed suites (``"marts/fct_sales_sla"``), with
    the generated contract file a raw suite names."""

    def make(*names: str) -> Path:
        target = tmp_path / "expectations"
        for name in names:
            source = SUITES_DIR / f"{name}.yml"
            contract = (yaml.safe_load(source.read_text()) or {}).get("contract")
            for path in (source, *([source.parent / contract] if contract else [])):
                copy = target / path.relative_to(SUITES_DIR)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, copy)
        return target

    return make


@pytest.fixture
def validate(tmp_path: Path) -> Callable[..., ValidationReport]:
    """Run ``run_validation`` for the test's run day with Data Docs under ``tmp_path``."""

    def run(conn: duckdb.DuckDBPyConnection, stage: str, suites_dir: Path = SUITES_DIR, **kwargs) -> ValidationReport:
        kwargs.setdefault("run_id", "test-run")
        kwargs.setdefault("day", RUN_DAY)
        kwargs.setdefault("docs_dir", tmp_path / "data_docs")
        return run_validation(conn, stage=stage, suites_dir=suites_dir, **kwargs)

    return run


def outcome(report: ValidationReport, suite: str, expectation: str):
    """The outcome of one expectation of one suite in ``report``."""
    found = [o for o in report.outcomes if o.suite == suite and o.expectation == expectation]
    assert found, f"no outcome {suite} / {expectation}; have {[o.expectation for o in report.outcomes if o.suite == suite]}"
    return found[0]
