"""A landing folder that does not exist is an error naming it, never a quiet "0 files"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lead_sla.flows.extract import extract
from lead_sla.landing.extract import LandingFolderMissing, extract_stream_files
from lead_sla.landing.raw import ensure_raw_schema
from lead_sla.sources.mapping import SourceMapping, StreamLoad
from lead_sla.warehouse import connect

MAPPING = SourceMapping(name="test", loads=[StreamLoad(stream="contacts", files="contacts/*/*.csv")])


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def test_a_missing_landing_folder_raises_naming_the_path(conn, tmp_path):
    nowhere = tmp_path / "no-such-folder"
    with pytest.raises(LandingFolderMissing, match="no-such-folder") as info:
        extract_stream_files(conn, nowhere, MAPPING, "contacts")
    assert info.value.path == nowhere
    assert conn.execute("select count(*) from raw._batches").fetchone() == (0,)


def test_a_landing_path_that_is_a_file_is_refused_too(conn, tmp_path):
    a_file = tmp_path / "landing.csv"
    a_file.write_text("contact_id\n")
    with pytest.raises(LandingFolderMissing, match="not a folder"):
        extract_stream_files(conn, a_file, MAPPING, "contacts")


def test_an_existing_empty_landing_folder_is_zero_files(conn, tmp_path):
    empty = tmp_path / "landing"
    empty.mkdir()
    report = extract_stream_files(conn, empty, MAPPING, "contacts")
    assert (report.files_loaded, report.files_skipped, report.rows_read) == (0, 0, 0)


def test_the_extract_flow_raises_the_error_itself_before_any_stream(prefect_harness, settings):
    """The flow raises ``LandingFolderMissing`` (not a per-stream failure), so the CLI can exit 2."""
    assert not settings.landing.exists()
    with pytest.raises(LandingFolderMissing, match=str(settings.landing.name)):
        extract(settings=settings, streams=["contacts"])
