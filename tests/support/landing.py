"""Land a landing folder's exports into the warehouse without Prefect (tests that build with dbt directly)."""

from __future__ import annotations

from datetime import date

from lead_sla.landing.extract import extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.sources.mapping import load_mapping
from lead_sla.warehouse import open_warehouse


def land_exports(settings: Settings, up_to: date) -> None:
    """Extract every stream of the settings' mapping from its files, up to the export day ``up_to``."""
    conn = open_warehouse(settings)
    try:
        ensure_raw_schema(conn)
        mapping = load_mapping(settings.mapping)
        for stream in mapping.streams:
            extract_stream_files(conn, settings.landing, mapping, stream, up_to=up_to)
    finally:
        conn.close()
