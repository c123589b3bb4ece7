"""The raw contract: the twelve source streams the pipeline reads.

Every stream has a primary key and a cursor. Mutable streams use ``updated_at`` as
their cursor; event streams are append-only and use their event time. Raw tables
store every column as text (already renamed, cleaned and, for timestamps, normalized
to UTC ``YYYY-MM-DD HH:MM:SS[.ffffff]``); staging models cast them.

This module is the contract's one home: the dbt sources (``_<system>__sources.yml``) and the contract
checks of the raw data-quality suites (``expectations/raw/contract/``) are generated from it by
``lead-sla dev contract`` (:mod:`lead_sla.sources.contract`); run it after every change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["str", "int", "decimal", "bool", "timestamp", "date", "time", "email", "enum", "zone"]

LIFECYCLE_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified", "recycled")
FORM_TYPES = ("newsletter", "content_download", "webinar", "contact_sales", "demo_request", "trial")
EMAIL_EVENT_TYPES = ("sent", "delivered", "open", "click", "bounce", "unsubscribe")
TEAMS = ("sdr", "ae", "marketing")
ABSENCE_REASONS = ("pto", "sick", "training")
ACTIVITY_TYPES = ("call", "email", "meeting", "task", "note")
DIRECTIONS = ("outbound", "inbound")
OUTCOMES = ("connected", "no_answer", "voicemail", "replied", "booked_meeting", "none")
LEAD_STATUSES = (
    "new", "attempting", "connected", "qualified", "unqualified",
    "bad_timing", "spam", "duplicate", "do_not_contact",
)


@dataclass(frozen=True)
class Column:
    """One source column: its name, how it is validated, and whether it may be empty.

    ``why`` says what breaks without a value: every required column other than the stream's key
    and cursor states it (the raw suites and the dbt sources show it; ``lead-sla dev contract``
    refuses a required column without one).
    """

    name: str
    kind: ColumnKind = "str"
    required: bool = False
    values: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Stream:
    """One source stream: key, cursor, columns and the file format its exports use."""

    name: str
    system: Literal["marketing", "crm"]
    key: str
    cursor: str
    columns: tuple[Column, ...]
    mutable: bool
    file_format: Literal["csv", "jsonl"] = field(default="csv")

    @property
    def label(self) -> str:
        """The stream's name in words (``web sessions``)."""
        return self.name.replace("_", " ")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"stream {self.name!r} has no column {name!r}")


def _c(name: str, kind: ColumnKind = "str", required: bool = False, values: tuple[str, ...] = (), why: str = "") -> Column:
    return Column(name, kind, required, values, why)


_CONTACT_WHY = "The record belongs to a contact; without it it joins no lead, handoff or touch."
_EMAIL_WHY = "The normalized e-mail is how a form or an e-mail event finds its lead."


STREAMS: tuple[Stream, ...] = (
    # --- marketing: JSON Lines exports -------------------------------------------------
    Stream("campaigns", "marketing", "campaign_id", "updated_at", (
        _c("campaign_id", required=True), _c("name"), _c("channel"),
        _c("started_on", "date"), _c("ended_on", "date"),
        _c("budget", "decimal"), _c("currency"), _c("updated_at", "timestamp", True),
    ), mutable=True, file_format="jsonl"),
    Stream("web_sessions", "marketing", "session_id", "started_at", (
        _c("session_id", required=True), _c("visitor_id", required=True,
           why="Sessions belong to a lead through the visitor cookie; without it the first touch is lost."),
        _c("started_at", "timestamp", True), _c("ended_at", "timestamp"),
        _c("landing_page"), _c("referrer"), _c("utm_source"), _c("utm_medium"), _c("utm_campaign"),
        _c("pageviews", "int"),
    ), mutable=False, file_format="jsonl"),
    Stream("form_submissions", "marketing", "submission_id", "submitted_at", (
        _c("submission_id", required=True), _c("visitor_id"), _c("submitted_at", "timestamp", True),
        _c("form_id"),
        _c("form_type", "enum", True, FORM_TYPES,
           why="The form type sets the lead's priority (a demo request is answered first) and the funnel counts."),
        _c("page_url"), _c("campaign_id"),
        _c("email", "email", True, why=_EMAIL_WHY), _c("first_name"), _c("last_name"), _c("company_name"),
        _c("company_domain"), _c("job_title"), _c("company_size"), _c("industry"), _c("need"),
        _c("annual_revenue"), _c("country"), _c("phone"),
    ), mutable=False, file_format="jsonl"),
    Stream("email_events", "marketing", "event_id", "occurred_at", (
        _c("event_id", required=True), _c("email", "email", True, why=_EMAIL_WHY), _c("campaign_id"),
        _c("event_type", "enum", True, EMAIL_EVENT_TYPES,
           why="Without the event type an e-mail event means nothing to engagement."), _c("occurred_at", "timestamp", True),
    ), mutable=False, file_format="jsonl"),
    # --- CRM: CSV exports ----------------------------------------------------------------
    # subdivision: the ISO 3166-2 region of the rep's office ('GB-ENG', 'US-CA'), whose public
    # holidays apply; empty where the country's national calendar is enough. manager_id: the
    # owner_id of the user's manager, empty for the top of the team.
    Stream("users", "crm", "owner_id", "updated_at", (
        _c("owner_id", required=True), _c("name"), _c("email", "email"),
        _c("team", "enum", True, TEAMS, why="The team decides who is a sales user whose touches count."),
        _c("timezone", "zone", True, why="Every business-minute clock of a rep runs in the rep's zone."),
        _c("country"), _c("subdivision"),
        _c("work_start", "time", True, why="Working hours bound every business-minute clock of the rep."),
        _c("work_end", "time", True, why="Working hours bound every business-minute clock of the rep."),
        _c("active", "bool"),
        _c("manager_id"), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("companies", "crm", "company_id", "updated_at", (
        _c("company_id", required=True), _c("name"), _c("domain"), _c("industry"),
        _c("employee_count", "int"), _c("annual_revenue", "decimal"), _c("country"),
        _c("created_at", "timestamp"), _c("is_deleted", "bool"), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("contacts", "crm", "contact_id", "updated_at", (
        _c("contact_id", required=True), _c("email", "email"), _c("first_name"), _c("last_name"),
        _c("job_title"), _c("company_id"), _c("owner_id"),
        _c("lifecycle_stage", "enum", values=LIFECYCLE_STAGES),
        _c("lead_status", "enum", values=LEAD_STATUSES), _c("source"),
        _c("created_at", "timestamp"), _c("is_deleted", "bool"), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("lifecycle_changes", "crm", "change_id", "changed_at", (
        _c("change_id", required=True), _c("contact_id", required=True, why=_CONTACT_WHY),
        _c("from_stage", "enum", values=LIFECYCLE_STAGES),
        _c("to_stage", "enum", True, LIFECYCLE_STAGES,
           why="A lifecycle change without its target stage cannot tell a handoff (into mql) from anything else."),
        _c("changed_at", "timestamp", True), _c("changed_by"),
    ), mutable=False),
    Stream("owner_assignments", "crm", "assignment_id", "assigned_at", (
        _c("assignment_id", required=True), _c("contact_id", required=True, why=_CONTACT_WHY), _c("owner_id"),
        _c("assigned_at", "timestamp", True), _c("assigned_by"),
    ), mutable=False),
    Stream("user_absences", "crm", "absence_id", "updated_at", (
        _c("absence_id", required=True),
        _c("owner_id", required=True, why="An absence without its rep cannot pause anyone's clock."),
        _c("starts_at", "timestamp", True, why="An absence needs both ends to pause a rep's clock."),
        _c("ends_at", "timestamp", True, why="An absence needs both ends to pause a rep's clock."),
        _c("reason", "enum", values=ABSENCE_REASONS), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("activities", "crm", "activity_id", "updated_at", (
        _c("activity_id", required=True), _c("contact_id", required=True, why=_CONTACT_WHY), _c("owner_id"),
        _c("type", "enum", True, ACTIVITY_TYPES,
           why="The activity type decides whether it is a touch (call, e-mail, meeting) or not."),
        _c("direction", "enum", values=DIRECTIONS),
        _c("occurred_at", "timestamp", True,
           why="When the activity happened decides the first touch and the attempts window."), _c("outcome", "enum", values=OUTCOMES),
        _c("created_at", "timestamp"), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("deals", "crm", "deal_id", "updated_at", (
        _c("deal_id", required=True), _c("contact_id"), _c("company_id"), _c("owner_id"),
        _c("created_at", "timestamp"), _c("stage"), _c("amount", "decimal"), _c("currency"),
        _c("closed_at", "timestamp"), _c("is_won", "bool"), _c("lost_reason"),
        _c("is_deleted", "bool"), _c("updated_at", "timestamp", True),
    ), mutable=True),
)

STREAMS_BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}

# Columns every raw table carries besides the source columns: where each version came from.
RAW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "VARCHAR"),
    ("_extracted_at", "TIMESTAMP"),
    ("_source", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_export_date", "DATE"),
    ("_row_hash", "VARCHAR"),
)
RAW_METADATA_DESCRIPTIONS: dict[str, str] = {
    "_batch_id": "Extraction batch that landed this version (one per run and stream).",
    "_extracted_at": "Wall-clock UTC time of the extraction.",
    "_source": "Source file (relative to the landing folder) or API request the version came from.",
    "_source_line": "1-based record number within the source file or response page.",
    "_export_date": "Day the source system exported this version (its day folder); null for API pulls.",
    "_row_hash": "MD5 over the stream's source columns in contract order; identical versions share it.",
}


def get_stream(name: str) -> Stream:
    """Return the stream called ``name`` or raise a ``KeyError`` naming the known streams."""
    try:
        return STREAMS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown stream {name!r}; known streams: {', '.join(STREAMS_BY_NAME)}") from None
