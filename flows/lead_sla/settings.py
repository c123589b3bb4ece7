"""One typed settings object for the whole pipeline, scoring included.

Built once at an entry point (the CLI, a flow's parameters, a test) and passed down.
Nothing here reads the environment at import time: ``Settings()`` reads ``LEAD_SLA_*``
variables (and a ``.env`` file in the project root, if present) when it is called. Every field
is listed, with its variable and default, in the README's settings table (a test checks it).
Paths are resolved once, from ``project_root``, before validation: every path field is a
``Path`` afterwards, never ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_ROOT_MARKERS = ("pyproject.toml", "dbt_project")
_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)", re.IGNORECASE)


def find_project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` (default: cwd) holding the project.

    The project root is recognised by ``pyproject.toml`` next to ``dbt_project/``. Falls
    back to the installed package's checkout, so the CLI works from any folder.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if all((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    package_checkout = Path(__file__).resolve().parents[2]
    if all((package_checkout / marker).exists() for marker in _ROOT_MARKERS):
        return package_checkout
    raise FileNotFoundError(
        f"no lead-sla project found at or above {here}; run from the repository or set LEAD_SLA_PROJECT_ROOT"
    )


@dataclass(frozen=True)
class ModelPolicy:
    """When the learned model may be trained and used, and what it predicts."""

    min_labelled_leads: int = 1000
    min_conversions: int = 100
    horizon_days: int = 60
    validation_days: int = 30


class Settings(BaseSettings):
    """Every knob of the pipeline. Paths left unset resolve from ``project_root``."""

    model_config = SettingsConfigDict(env_prefix="LEAD_SLA_", env_file=".env", extra="ignore")

    project_root: Path

    # Unset (or empty): the defaults of _resolve_paths; relative: from project_root.
    warehouse_path: Path
    landing_dir: Path
    source_mapping: Path
    config_dir: Path
    dbt_project_dir: Path
    published_dir: Path
    # Where every command that runs the pipeline appends its log, tracebacks included (the console
    # shows each expected failure once, without them). Unset: logs/lead-sla.log beside the warehouse.
    log_file: Path

    reporting_timezone: str = "America/New_York"

    crm_api_url: str | None = None
    crm_api_token: SecretStr | None = None
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    http_max_retries: int = Field(default=5, ge=0)
    http_backoff_seconds: float = Field(default=0.5, ge=0)
    http_page_size: int = Field(default=500, ge=1)

    # A stream whose rows of the night go to quarantine beyond this share is a data-quality warning;
    # beyond the critical share the night stops before scoring and publishing.
    quarantine_warning_share: float = Field(default=0.01, ge=0, le=1)
    quarantine_critical_share: float = Field(default=0.10, ge=0, le=1)

    dbt_threads: int = Field(default=2, ge=1)
    # DuckDB's buffer memory for the pipeline's heavy stages (dbt, validation, scoring, extraction,
    # publishing); beyond it DuckDB spills to disk. "80%" is DuckDB's own default.
    duckdb_memory_limit: str = "6GB"
    # dbt unit tests check the models' logic, which only changes with the code: `make test` runs
    # them (tests/transform/test_dbt_unit_tests.py); the nightly build skips them unless this is set.
    dbt_unit_tests_nightly: bool = False
    lock_wait_seconds: float = Field(default=0.0, ge=0)
    # Publish the dbt docs site beside the published copy after each night (a backfill does it once,
    # at its end). The docs describe the models, not the day: a deployment that publishes them on
    # every code change can turn this off.
    publish_docs: bool = True

    # Delivery of the day's report (`lead-sla report send`), each channel off until configured: e-mail
    # through an SMTP server (the report inline as the HTML body), and a short summary posted to a
    # webhook as Slack-compatible JSON. The password and the webhook URL are secrets.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    report_mail_from: str | None = None
    report_mail_to: str | None = None  # comma-separated addresses
    report_webhook_url: SecretStr | None = None

    # Scoring: the CRM task import API (unset: nothing is ever sent; the token falls back to the CRM
    # API's), and when the learned model may be trained and used (see ModelPolicy).
    crm_tasks_url: str | None = None
    crm_tasks_token: SecretStr | None = None
    scoring_min_labelled_leads: int = Field(1000, ge=1)
    scoring_min_conversions: int = Field(100, ge=1)
    scoring_horizon_days: int = Field(60, ge=1, le=3650)
    scoring_validation_days: int = Field(30, ge=1, le=3650)
    scoring_tasks_per_owner: int = Field(25, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _resolve_paths(cls, data: object) -> object:
        """Every path as an absolute ``Path``: unset ones from their defaults, relative ones from the root."""
        if not isinstance(data, dict):
            return data
        values = dict(data)
        given_root = values.get("project_root")
        root = (Path(given_root) if given_root not in (None, "") else find_project_root()).resolve()
        values["project_root"] = root

        def resolve(name: str, default: Path) -> Path:
            value = values.get(name)
            path = default if value in (None, "") else (root / Path(value)).resolve()
            values[name] = path
            return path

        warehouse = resolve("warehouse_path", root / "warehouse" / "lead_sla.duckdb")
        resolve("landing_dir", root / "data" / "landing")
        config = resolve("config_dir", root / "config")
        resolve("dbt_project_dir", root / "dbt_project")
        resolve("published_dir", root / "warehouse" / "published")
        resolve("log_file", warehouse.parent / "logs" / "lead-sla.log")
        resolve("source_mapping", config / "sources" / "demo.yml")
        return values

    @field_validator("reporting_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as 'America/New_York' or 'Europe/Berlin'") from None
        return value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        if not _MEMORY_LIMIT.fullmatch(value.strip()):
            raise ValueError(f"must be a size such as '6GB' or '512MiB', or a share of RAM such as '80%', got {value!r}")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.quarantine_warning_share > self.quarantine_critical_share:
            raise ValueError(
                f"LEAD_SLA_QUARANTINE_WARNING_SHARE ({self.quarantine_warning_share}) is above "
                f"LEAD_SLA_QUARANTINE_CRITICAL_SHARE ({self.quarantine_critical_share}); the warning comes first"
            )
        if self.smtp_host and not self.report_recipients:
            raise ValueError("LEAD_SLA_SMTP_HOST is set but LEAD_SLA_REPORT_MAIL_TO is not: say who gets the report")
        if self.smtp_host and not self.report_mail_from:
            raise ValueError("LEAD_SLA_SMTP_HOST is set but LEAD_SLA_REPORT_MAIL_FROM is not: say who sends the report")
        if self.smtp_password is not None and not self.smtp_username:
            raise ValueError("LEAD_SLA_SMTP_PASSWORD is set but LEAD_SLA_SMTP_USERNAME is not")
        if self.report_webhook_url is not None and not self.report_webhook_url.get_secret_value().startswith(
                ("https://", "http://")):
            raise ValueError("LEAD_SLA_REPORT_WEBHOOK_URL must be an http(s) URL")
        return self

    # Short names for the resolved paths.
    @property
    def warehouse(self) -> Path:
        """The DuckDB warehouse the pipeline writes (``warehouse_path``)."""
        return self.warehouse_path

    @property
    def landing(self) -> Path:
        """Where source exports are dropped (``landing_dir``)."""
        return self.landing_dir

    @property
    def published(self) -> Path:
        """The read-only copy readers open (``published_dir``)."""
        return self.published_dir

    @property
    def mapping(self) -> Path:
        """How the exports map onto the streams (``source_mapping``)."""
        return self.source_mapping

    @property
    def log_path(self) -> Path:
        """The log file every pipeline command appends to (``log_file``)."""
        return self.log_file

    @property
    def config(self) -> Path:
        """The agreement files' folder (``config_dir``)."""
        return self.config_dir

    @property
    def dbt_dir(self) -> Path:
        """The dbt project (``dbt_project_dir``)."""
        return self.dbt_project_dir

    @property
    def expectations_dir(self) -> Path:
        """The data-quality suites (versioned with the code)."""
        return self.project_root / "expectations"

    @property
    def report_recipients(self) -> list[str]:
        """The addresses of ``report_mail_to``, in order (empty when unset)."""
        return [a.strip() for a in (self.report_mail_to or "").split(",") if a.strip()]

    @property
    def reports_dir(self) -> Path:
        """Nightly HTML reports: ``reports/`` beside the warehouse file."""
        return self.warehouse.parent / "reports"

    @property
    def exports_root(self) -> Path:
        """Where the CRM task exports go: ``exports/`` beside the warehouse file."""
        return self.warehouse.parent / "exports"

    @property
    def model_policy(self) -> ModelPolicy:
        """The learned model's policy from the ``scoring_*`` settings."""
        return ModelPolicy(
            min_labelled_leads=self.scoring_min_labelled_leads,
            min_conversions=self.scoring_min_conversions,
            horizon_days=self.scoring_horizon_days,
            validation_days=self.scoring_validation_days,
        )

    @property
    def tasks_token(self) -> SecretStr | None:
        """The CRM task API token: its own, else the CRM API token (same CRM)."""
        return self.crm_tasks_token or self.crm_api_token

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs: ``data_docs/`` beside the warehouse file."""
        return self.warehouse.parent / "data_docs"


ENV_PREFIX = "LEAD_SLA_"


def describe_settings_error(exc: ValidationError) -> str:
    """One line per invalid setting, named as the user sets it: ``LEAD_SLA_REPORTING_TIMEZONE: ...``."""
    lines = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            name = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
            shown = error.get("input")
            got = "" if isinstance(shown, dict) or shown is None or repr(shown) in message else f" (got {shown!r})"
            lines.append(f"{name}: {message}{got}")
        else:
            lines.append(message)
    return "\n".join(lines)
