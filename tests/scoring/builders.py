"""Small synthetic warehouses for the scoring tests: only the marts and columns scoring reads.

:class:`Warehouse` creates the inputs listed in :mod:`lead_sla.scoring.inputs` on a DuckDB
connection and offers one method per kind of fact (a lead, a fit interval, a behaviour event, a
handoff, a rep…), written as the marts hold them: how dbt computes a fit or ties an event to a
lead is tested by the dbt unit tests of those models, not here. Times are naive UTC; tests use the
``UTC`` reporting zone so that the end of a day is its next midnight.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import duckdb
import pandas as pd

from lead_sla.scoring.inputs import EVENTS, FIT_CONTRIBUTIONS, FIT_HISTORY, HANDOFFS, LEADS, REPS

TZ = "UTC"

DDL = {
    LEADS: "lead_id varchar, contact_id varchar, email varchar, first_name varchar, last_name varchar, "
           "company_name varchar, owner_id varchar, lifecycle_stage varchar, is_deleted boolean, "
           "first_known_at timestamp, first_known_date date, became_mql_at timestamp, became_sql_at timestamp, "
           "became_customer_at timestamp, is_open boolean",
    FIT_HISTORY: "lead_id varchar, valid_from timestamp, valid_to timestamp, icp_version varchar, fit_points integer, "
                 "fit_score integer, icp_tier varchar, profile_completeness decimal(5,4)",
    FIT_CONTRIBUTIONS: "lead_id varchar, valid_from timestamp, valid_to timestamp, icp_version varchar, "
                       "rule_id varchar, attribute varchar, attribute_value varchar, points integer, label varchar",
    EVENTS: "lead_id varchar, signal varchar, event_at timestamp, known_from timestamp, known_on date",
    HANDOFFS: "handoff_id varchar, contact_id varchar, handoff_number integer, handed_off_at timestamp, "
              "handoff_date date, owner_id varchar, rep_owner_id varchar, priority varchar, sla_due_at timestamp, "
              "rep_sla_due_at timestamp, sla_status varchar, rep_sla_status varchar, rep_urgency varchar, "
              "rep_business_minutes_to_due double, is_routing_breach boolean, outcome varchar, "
              "first_touch_at timestamp, evaluated_as_of timestamp",
    REPS: "owner_id varchar, name varchar, timezone varchar, is_active boolean, deactivated_at timestamp",
    # the export writes the forms tool's next questions beside the CRM tasks (empty here)
    "marts.fct_lead_next_question": "lead_id varchar, contact_id varchar, lifecycle_stage varchar, "
                                    "acquisition_channel varchar, icp_version varchar, fit_score integer, "
                                    "icp_tier varchar, unknown_attribute_count integer, next_attribute varchar, "
                                    "form_field varchar, tier_change_probability double, "
                                    "expected_points_gain double, similar_leads_basis varchar, "
                                    "similar_leads_known integer",
}

# Two ICP versions: v1 until 2026-03-01, v2 from then on (industry worth less, size worth more): the
# points a fit interval's rules carry (the fit itself is dbt's; here it is test data).
ICP_ATTRIBUTES = 5
ICP = {
    "icp-v1": (date(2025, 1, 1), date(2026, 3, 1), 60, 30, [
        ("industry_core", "industry", "software", 25, "Industry: software"),
        ("size_core", "company_size", "51-200", 20, "Company size 51-200"),
        ("need_core", "need", "lead_routing", 25, "Need: lead routing"),
        ("seniority_buyer", "seniority", "director", 15, "Seniority: director"),
        ("country_core", "country", "US", 15, "Country: US"),
    ]),
    "icp-v2": (date(2026, 3, 1), None, 65, 35, [
        ("industry_core", "industry", "software", 20, "Industry: software"),
        ("size_core", "company_size", "51-200", 30, "Company size 51-200"),
        ("need_core", "need", "lead_routing", 25, "Need: lead routing"),
        ("seniority_buyer", "seniority", "director", 15, "Seniority: director"),
        ("country_core", "country", "US", 10, "Country: US"),
    ]),
}


def end_of(day: date) -> datetime:
    """The end of ``day`` in UTC: the as-of instant of a build of that day."""
    return datetime.combine(day + timedelta(days=1), time(0))


class Warehouse:
    """A synthetic warehouse on ``conn``.

    ``add_*`` methods buffer rows; :meth:`built_as_of` (called before any scoring) writes them.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("create schema if not exists marts")
        for table, columns in DDL.items():
            conn.execute(f"create table {table} ({columns})")
        self._serial = 0
        self._rows: dict[str, list[list[object]]] = {table: [] for table in DDL}

    def _add(self, table: str, row: list[object]) -> None:
        self._rows[table].append(row)

    def flush(self) -> None:
        """Write the buffered rows."""
        for table, rows in self._rows.items():
            if not rows:
                continue
            columns = [part.strip().split(" ")[0] for part in DDL[table].split(", ")]
            frame = pd.DataFrame(rows, columns=columns, dtype=object)
            self.conn.register("_builder_rows", frame)
            try:
                casts = ", ".join(f"cast({c} as {t})" for c, t in
                                  (part.strip().split(" ", 1) for part in DDL[table].split(", ")))
                self.conn.execute(f"insert into {table} select {casts} from _builder_rows")
            finally:
                self.conn.unregister("_builder_rows")
            rows.clear()

    def _next(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}-{self._serial:06d}"

    def add_lead(self, lead_id: str, known_at: datetime, *, stage: str = "subscriber", owner: str | None = None,
                 first_name: str | None = "Jane", last_name: str | None = None, company: str | None = "Acme",
                 mql_at: datetime | None = None, sql_at: datetime | None = None,
                 customer_at: datetime | None = None, deleted: bool = False) -> None:
        """A lead with a CRM contact (``contact_id = lead_id``), known from ``known_at``."""
        email = f"{lead_id.lower()}@example.com"
        is_open = not deleted and customer_at is None and stage not in ("customer", "disqualified")
        self._add(LEADS, [lead_id, lead_id, email, first_name, last_name or lead_id.title(), company, owner, stage,
                          deleted, known_at, known_at.date(), mql_at, sql_at, customer_at, is_open])

    def email(self, lead_id: str) -> str:
        return f"{lead_id.lower()}@example.com"

    def add_fit(self, lead_id: str, valid_from: datetime, rules: tuple[str, ...] = (), *,
                valid_to: datetime | None = None, known: int | None = None, tier: str = "C") -> None:
        """The lead's fit from ``valid_from`` to ``valid_to`` as ``marts.dim_lead_fit_history`` has it:
        matching the ICP rules ``rules`` (ids of :data:`ICP`) with ``known`` of the 5 ICP attributes
        known (default: as many as rules), split where a new ICP version takes effect."""
        for version, (start, end, _tier_a, _tier_b, version_rules) in ICP.items():
            piece_from = max(valid_from, datetime.combine(start, time(0)))
            piece_to = min(valid_to or datetime.max, datetime.combine(end, time(0)) if end else datetime.max)
            if piece_from >= piece_to:
                continue
            piece_end = None if piece_to == datetime.max else piece_to
            matched = [rule for rule in version_rules if rule[0] in rules]
            points = sum(rule[3] for rule in matched)
            completeness = (len(rules) if known is None else known) / ICP_ATTRIBUTES
            self._add(FIT_HISTORY, [lead_id, piece_from, piece_end, version, points, points, tier, completeness])
            for rule_id, attribute, value, rule_points, label in matched:
                self._add(FIT_CONTRIBUTIONS, [lead_id, piece_from, piece_end, version, rule_id, attribute, value,
                                              rule_points, label])

    def add_event(self, lead_id: str, signal: str, at: datetime, *, known_from: datetime | None = None,
                  known_on: date | None = None) -> None:
        """A behaviour event as ``marts.fct_engagement_events`` has it: tied to the lead from
        ``known_from`` (default: ``at``), its records exported by ``known_on`` (default: that day)."""
        known_from = known_from or at
        self._add(EVENTS, [lead_id, signal, at, known_from, known_on or known_from.date()])

    def add_handoff(self, handoff_id: str, lead_id: str, at: datetime, *, owner: str | None, due_at: datetime | None,
                    status: str = "pending", first_touch_at: datetime | None = None, number: int = 1,
                    priority: str = "other", urgency: str | None = None, minutes_to_due: float | None = None,
                    routing_breach: bool = False, outcome: str = "open") -> None:
        """A handoff as ``marts.fct_sales_sla`` has it; ``urgency`` and ``minutes_to_due`` are the rep view's
        ``rep_urgency`` and ``rep_business_minutes_to_due`` (dbt computes them on the rep's calendar)."""
        self._add(HANDOFFS, [handoff_id, lead_id, number, at, at.date(), owner, owner, priority, due_at, due_at,
                             status, status, urgency, minutes_to_due, routing_breach, outcome, first_touch_at, None])

    def add_user(self, owner_id: str, name: str, timezone: str = "UTC", *, active: bool = True,
                 deactivated_at: datetime | None = None) -> None:
        self._add(REPS, [owner_id, name, timezone, active, deactivated_at])

    def built_as_of(self, day: date) -> datetime:
        """Write the buffered rows and mark the marts as built for ``day``; return the as-of instant."""
        self.flush()
        as_of = end_of(day)
        self.conn.execute(f"update {HANDOFFS} set evaluated_as_of = ?", [as_of])
        return as_of


def build_history(wh: Warehouse, *, first_day: date, days: int, leads: int, seed: int,
                  owners: tuple[str, ...] = ("USR-A", "USR-B")) -> None:
    """A deterministic history where fit and intent predict conversion.

    Each lead becomes known on a random day at a random hour. Software companies of 51-200
    people fit; about a third request a demo (and are handed off to an owner on the spot).
    Fitting demo requesters mostly convert 8 to 25 days later; others rarely do.
    """
    rng = random.Random(seed)
    for owner in owners:
        wh.add_user(owner, f"Rep {owner[-1]}", "UTC")
    end = datetime.combine(first_day + timedelta(days=days), time(0))
    for number in range(1, leads + 1):
        lead_id = f"L{number:04d}"
        known_at = datetime.combine(first_day + timedelta(days=rng.randrange(days)), time(rng.randrange(24), rng.randrange(60)))
        fits = rng.random() < 0.45
        demo = rng.random() < 0.35
        converts = rng.random() < (0.75 if fits and demo else 0.25 if fits or demo else 0.02)
        customer_at = known_at + timedelta(days=rng.randint(8, 25), hours=rng.randint(0, 8)) if converts else None
        if customer_at is not None and customer_at >= end:
            customer_at = None
        owner = owners[number % len(owners)] if demo else None
        handed_off_at = known_at + timedelta(minutes=5) if demo else None
        stage = "customer" if customer_at else ("mql" if demo else "subscriber")
        wh.add_lead(lead_id, known_at, stage=stage, owner=owner, first_name=f"First{number}", last_name=f"Last{number}",
                    mql_at=handed_off_at, customer_at=customer_at)
        rules = ["industry_core"] if fits else []
        if fits or rng.random() < 0.2:
            rules.append("size_core")
        if rng.random() < 0.5:
            rules.append("country_core")
        # industry and company size are always known, the country when it is US
        wh.add_fit(lead_id, known_at, tuple(rules), known=2 + ("country_core" in rules))
        wh.add_event(lead_id, "demo_request" if demo else "newsletter", known_at)
        for _ in range(rng.randrange(3)):
            at = known_at - timedelta(days=rng.randint(1, 5))
            wh.add_event(lead_id, "pricing_visit" if rng.random() < 0.3 else "web_visit", at)
        if demo:
            due = known_at + timedelta(hours=4)
            touched = due - timedelta(hours=1) if rng.random() < 0.8 and due < end else None
            status = "met" if touched else ("pending" if due >= end else "open_breach")
            urgency = None if touched else ("deadline_ahead" if status == "pending" else "stale")
            wh.add_handoff(f"H{number:04d}", lead_id, handed_off_at, owner=owner, due_at=due, status=status,
                           first_touch_at=touched, urgency=urgency)
