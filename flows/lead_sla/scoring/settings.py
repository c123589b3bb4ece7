"""The scoring flow's settings: the pipeline's :class:`~lead_sla.settings.Settings` plus a few knobs.

:class:`ScoringSettings` *is* a ``Settings`` (same ``LEAD_SLA_`` prefix, same ``.env``), with the
fields only scoring reads. Build it once at an entry point: ``ScoringSettings()`` reads the
environment; :func:`scoring_settings` upgrades a plain ``Settings`` built elsewhere (the nightly
flow) without changing any of its values.

| setting | default | meaning |
|---|---|---|
| ``LEAD_SLA_CRM_TASKS_URL`` | unset | base URL of the CRM's task import API; unset means nothing is ever sent |
| ``LEAD_SLA_CRM_TASKS_TOKEN`` | unset | bearer token for it (a secret); falls back to ``LEAD_SLA_CRM_API_TOKEN`` |
| ``LEAD_SLA_SCORING_MIN_LABELLED_LEADS`` | 1000 | labelled leads needed before the learned model is used |
| ``LEAD_SLA_SCORING_MIN_CONVERSIONS`` | 100 | of which converted (became customer within the horizon) |
| ``LEAD_SLA_SCORING_HORIZON_DAYS`` | 60 | the label: became a customer within this many days |
| ``LEAD_SLA_SCORING_VALIDATION_DAYS`` | 30 | the nightly model is validated on outcomes that matured in these last days |
| ``LEAD_SLA_SCORING_TASKS_PER_OWNER`` | 25 | CRM tasks exported per owner (the top of their list) |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr

from lead_sla.settings import Settings


@dataclass(frozen=True)
class ModelPolicy:
    """When the learned model may be trained and used, and what it predicts."""

    min_labelled_leads: int = 1000
    min_conversions: int = 100
    horizon_days: int = 60
    validation_days: int = 30


class ScoringSettings(Settings):
    """``Settings`` plus what the scoring flow needs (see the module docstring)."""

    crm_tasks_url: str | None = None
    crm_tasks_token: SecretStr | None = None
    scoring_min_labelled_leads: int = Field(1000, ge=1)
    scoring_min_conversions: int = Field(100, ge=1)
    scoring_horizon_days: int = Field(60, ge=1, le=3650)
    scoring_validation_days: int = Field(30, ge=1, le=3650)
    scoring_tasks_per_owner: int = Field(25, ge=1)

    @property
    def model_policy(self) -> ModelPolicy:
        """The learned model's policy from these settings."""
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
    def exports_root(self) -> Path:
        """Where the CRM exports go: ``<warehouse dir>/exports``."""
        return self.warehouse.parent / "exports"


def scoring_settings(settings: Settings | None = None) -> ScoringSettings:
    """Return ``settings`` as :class:`ScoringSettings` (read from the environment when ``None``).

    A plain ``Settings`` keeps every value it has; only the scoring fields are read from the
    environment (or take their defaults).
    """
    if isinstance(settings, ScoringSettings):
        return settings
    if settings is None:
        return ScoringSettings()
    return ScoringSettings(**{name: getattr(settings, name) for name in Settings.model_fields})

