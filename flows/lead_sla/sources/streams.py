"""The raw contract: the twelve source streams the pipeline reads.

Every stream has a primary key and a cursor. Mutable streams use ``updated_at`` as
their cursor; event streams are append-only and use their event time. Raw tables
store every column as text (already renamed, cleaned and, for timestamps, normalized
to UTC ``YYYY-MM-DD HH:MM:SS[.ffffff]``); staging models cast them.
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
    """One source column: its name, how it is validated, and whether it may be empty."""

    name: str
    kind: ColumnKind = "str"
    required: bool = False
    values: tuple[str, ...] = ()


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


def _c(name: str, kind: ColumnKind = "str", required: bool = False, values: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required, values)


STREAMS: tuple[Stream, ...] = (
    # --- marketing: JSON Lines exports -------------------------------------------------
    Stream("campaigns", "marketing", "campaign_id", "updated_at", (
        _c("campaign_id", required=True), _c("name"), _c("channel"),
        _c("started_on", "date"), _c("ended_on", "date"),
        _c("budget", "decimal"), _c("currency"), _c("updated_at", "timestamp", True),
    ), mutable=True, file_format="jsonl"),
    Stream("web_sessions", "marketing", "session_id", "started_at", (
        _c("session_id", required=True), _c("visitor_id", required=True),
        _c("started_at", "timestamp", True), _c("ended_at", "timestamp"),
        _c("landing_page"), _c("referrer"), _c("utm_source"), _c("utm_medium"), _c("utm_campaign"),
        _c("pageviews", "int"),
    ), mutable=False, file_format="jsonl"),
    Stream("form_submissions", "marketing", "submission_id", "submitted_at", (
        _c("submission_id", required=True), _c("visitor_id"), _c("submitted_at", "timestamp", True),
        _c("form_id"), _c("form_type", "enum", True, FORM_TYPES), _c("page_url"), _c("campaign_id"),
        _c("email", "email", True), _c("first_name"), _c("last_name"), _c("company_name"),
        _c("company_domain"), _c("job_title"), _c("company_size"), _c("industry"), _c("need"),
        _c("annual_revenue"), _c("country"), _c("phone"),
    ), mutable=False, file_format="jsonl"),
    Stream("email_events", "marketing", "event_id", "occurred_at", (
        _c("event_id", required=True), _c("email", "email", True), _c("campaign_id"),
        _c("event_type", "enum", True, EMAIL_EVENT_TYPES), _c("occurred_at", "timestamp", True),
    ), mutable=False, file_format="jsonl"),
    # --- CRM: CSV exports ----------------------------------------------------------------
    # subdivision: the ISO 3166-2 region of the rep's office ('GB-ENG', 'US-CA'), whose public
    # holidays apply; empty where the country's national calendar is enough. manager_id: the
    # owner_id of the user's manager, empty for the top of the team.
    Stream("users", "crm", "owner_id", "updated_at", (
        _c("owner_id", required=True), _c("name"), _c("email", "email"),
        _c("team", "enum", True, TEAMS), _c("timezone", "zone", True), _c("country"), _c("subdivision"),
        _c("work_start", "time", True), _c("work_end", "time", True), _c("active", "bool"),
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
        _c("change_id", required=True), _c("contact_id", required=True),
        _c("from_stage", "enum", values=LIFECYCLE_STAGES),
        _c("to_stage", "enum", True, LIFECYCLE_STAGES),
        _c("changed_at", "timestamp", True), _c("changed_by"),
    ), mutable=False),
    Stream("owner_assignments", "crm", "assignment_id", "assigned_at", (
        _c("assignment_id", required=True), _c("contact_id", required=True), _c("owner_id"),
        _c("assigned_at", "timestamp", True), _c("assigned_by"),
    ), mutable=False),
    Stream("user_absences", "crm", "absence_id", "updated_at", (
        _c("absence_id", required=True), _c("owner_id", required=True),
        _c("starts_at", "timestamp", True), _c("ends_at", "timestamp", True),
        _c("reason", "enum", values=ABSENCE_REASONS), _c("updated_at", "timestamp", True),
    ), mutable=True),
    Stream("activities", "crm", "activity_id", "updated_at", (
        _c("activity_id", required=True), _c("contact_id", required=True), _c("owner_id"),
        _c("type", "enum", True, ACTIVITY_TYPES), _c("direction", "enum", values=DIRECTIONS),
        _c("occurred_at", "timestamp", True), _c("outcome", "enum", values=OUTCOMES),
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
    ("_batch_id", "VARCHAR"),        # one id per extraction run and stream
    ("_extracted_at", "TIMESTAMP"),  # wall-clock UTC time of the extraction
    ("_source", "VARCHAR"),          # file path (relative to the landing root) or request
    ("_source_line", "BIGINT"),      # 1-based line (record) number within the source
    ("_export_date", "DATE"),        # the day the source exported this version (day folder)
    ("_row_hash", "VARCHAR"),        # md5 over the stream's source columns, in contract order
)


def get_stream(name: str) -> Stream:
    """Return the stream called ``name`` or raise a ``KeyError`` naming the known streams."""
    try:
        return STREAMS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown stream {name!r}; known streams: {', '.join(STREAMS_BY_NAME)}") from None
