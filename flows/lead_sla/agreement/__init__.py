"""The marketing–sales agreement as versioned, validated configuration.

``load_agreement(config_dir)`` reads and validates ``sla.yml``, ``icp.yml`` and ``holidays.yml``;
``write_agreement_tables(conn, agreement, years)`` writes the ``config.*`` tables and
``reference.public_holidays`` (national and per-subdivision calendars) that the dbt project reads. No Prefect here: the flows call these.
"""

from lead_sla.agreement.errors import AgreementError
from lead_sla.agreement.holiday_calendar import public_holidays
from lead_sla.agreement.loader import Agreement, load_agreement
from lead_sla.agreement.tables import AGREEMENT_TABLES, agreement_rows, write_agreement_tables

__all__ = [
    "AGREEMENT_TABLES",
    "Agreement",
    "AgreementError",
    "agreement_rows",
    "load_agreement",
    "public_holidays",
    "write_agreement_tables",
]
