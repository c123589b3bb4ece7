"""The extract flow: one task per stream, from file exports or the CRM API into ``raw``."""

from __future__ import annotations

from datetime import date

import httpx
from prefect import flow, get_run_logger, task

from lead_sla.landing.extract import StreamReport, extract_stream_api, extract_stream_files, require_landing_folder
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.settings import Settings
from lead_sla.sources.http_api import CrmApiClient
from lead_sla.sources.mapping import load_mapping
from lead_sla.sources.streams import STREAMS, get_stream
from lead_sla.warehouse import open_warehouse


class ExtractionFailed(RuntimeError):
    """One or more streams failed; the message names each with its error."""


def _retry_io_only(task_, task_run, state) -> bool:  # noqa: ANN001 - Prefect's callback signature
    """Retry source I/O hiccups, never data errors (a missing column stays missing)."""
    try:
        state.result()
    except (OSError, httpx.TransportError, httpx.HTTPStatusError):
        return True
    except Exception:  # noqa: BLE001 - anything else is a bug or bad data: fail now
        return False
    return False


@task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_io_only, task_run_name="extract-{stream}")
def extract_stream(settings: Settings, stream: str, up_to: date | None) -> StreamReport:
    """Land the new data of one stream; files or, for CRM streams when configured, the API."""
    conn = open_warehouse(settings)
    try:
        ensure_raw_schema(conn)
        if settings.crm_api_url and get_stream(stream).system == "crm":
            with CrmApiClient.from_settings(settings) as client:
                return extract_stream_api(conn, client, stream, source_name=f"api:{settings.crm_api_url}")
        mapping = load_mapping(settings.mapping)
        return extract_stream_files(conn, settings.landing, mapping, stream, up_to=up_to)
    finally:
        conn.close()


@flow(name="extract", log_prints=True)
def extract(settings: Settings | None = None, up_to: date | None = None, streams: list[str] | None = None) -> list[StreamReport]:
    """Extract every stream (or ``streams``) up to the export day ``up_to``; fails naming failed streams.

    A failing stream does not stop the others: each lands what it can, then the flow fails.
    Raises ``LandingFolderMissing`` before any stream when a stream is read from files and the
    landing folder does not exist, and ``MappingError`` when the mapping file is invalid: both are
    configuration errors, which the CLI reports with exit code 2.
    """
    settings = settings or Settings()
    logger = get_run_logger()
    if settings.crm_api_url:
        wanted = streams or [s.name for s in STREAMS]
    else:
        wanted = streams or load_mapping(settings.mapping).streams
    if any(not (settings.crm_api_url and get_stream(name).system == "crm") for name in wanted):
        require_landing_folder(settings.landing)
    reports: list[StreamReport] = []
    failures: list[str] = []
    for name in wanted:
        state = extract_stream(settings, name, up_to, return_state=True)
        if state.is_completed():
            report = state.result()
            reports.append(report)
            logger.info(
                "%s: %d files, %d rows read, %d loaded, %d duplicate, %d quarantined, %d filtered out; cursor %s",
                name, report.files_loaded, report.rows_read, report.rows_loaded,
                report.rows_duplicate, report.rows_quarantined, report.rows_filtered, report.cursor,
            )
        else:
            failures.append(f"{name}: {state.message}")
    if failures:
        raise ExtractionFailed("extraction failed for " + "; ".join(failures))
    return reports
