"""A pipeline command's log: a failure reaches the console once, short; the log file keeps the traceback."""

from __future__ import annotations

import io
import logging

import pytest
from prefect.logging.handlers import PrefectConsoleHandler

from lead_sla.ops.logs import QuietFormatter, pipeline_logging


class DataCheckFailed(RuntimeError):
    pass


@pytest.fixture
def console() -> io.StringIO:
    """Prefect's console handler on the root logger, as Prefect sets it up, writing to a buffer."""
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    handler.setFormatter(logging.Formatter("%(levelname)s | %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger("prefect.test_logs").setLevel(logging.INFO)
    yield stream
    logging.getLogger().removeHandler(handler)


def console_handler() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler))


def fail_loudly(logger: logging.Logger) -> DataCheckFailed:
    exc = DataCheckFailed("2 critical data-quality checks failed:\n- raw.deals: stage in its set\n- rows")
    try:
        raise exc
    except DataCheckFailed:
        logger.error("Task run failed with exception: %r - Retries are exhausted", exc, exc_info=True)
    logger.info("Finished in state Failed('Task run encountered an exception DataCheckFailed: 2 critical\\n...')")
    logger.info("dbt build as of 2026-10-31: {'success': 51}")
    return exc


def test_a_failure_reaches_the_console_as_one_short_line_and_the_file_in_full(tmp_path, console):
    log_file = tmp_path / "logs" / "lead-sla.log"
    logger = logging.getLogger("prefect.test_logs")
    with pipeline_logging(log_file, debug=False) as cli_log:
        fail_loudly(logger)
        cli_log.error("run failed", exc_info=(DataCheckFailed, DataCheckFailed("x"), None))
    shown = console.getvalue()
    assert shown.splitlines() == [
        "ERROR | Task run failed with exception: DataCheckFailed - Retries are exhausted",
        "INFO | Finished in state Failed",
        "INFO | dbt build as of 2026-10-31: {'success': 51}",
    ]
    assert "Traceback" not in shown and "critical data-quality" not in shown
    kept = log_file.read_text()
    assert "Traceback (most recent call last)" in kept and "2 critical data-quality checks failed" in kept
    assert "run failed" in kept


def test_with_debug_the_console_keeps_the_traceback(tmp_path, console):
    logger = logging.getLogger("prefect.test_logs")
    with pipeline_logging(tmp_path / "lead-sla.log", debug=True):
        fail_loudly(logger)
    shown = console.getvalue()
    assert "Traceback (most recent call last)" in shown and "2 critical data-quality checks failed" in shown


def test_the_console_is_itself_again_after_the_command(tmp_path, console):
    logger = logging.getLogger("prefect.test_logs")
    with pipeline_logging(tmp_path / "lead-sla.log", debug=False):
        assert isinstance(console_handler().formatter, QuietFormatter)
    assert not isinstance(console_handler().formatter, QuietFormatter)
    assert not [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "").endswith("lead-sla.log")]
    fail_loudly(logger)
    assert "Traceback" in console.getvalue()


def test_records_without_a_failure_pass_unchanged():
    inner = logging.Formatter("%(name)s: %(message)s")
    record = logging.LogRecord("prefect.flow_runs", logging.INFO, __file__, 1, "rows %d", (3,), None)
    assert QuietFormatter(inner).format(record) == "prefect.flow_runs: rows 3"
