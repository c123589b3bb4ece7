"""The log of a pipeline command: a quiet console and a log file that keeps everything.

Prefect logs each failure of a task and of every flow around it with the exception and its
traceback, so one failed data check used to reach the console five times, with three tracebacks.
While a command runs, :func:`pipeline_logging` makes the console show such a failure as one short
line (``... failed with DataQualityError``): the command then prints the error itself, once. The
log file (``LEAD_SLA_LOG_FILE``) receives every record in full, tracebacks included; with
``--debug`` the console does too.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

CLI_LOGGER = "lead_sla.cli"
LOG_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"
MAX_LOG_BYTES = 10_000_000
KEPT_LOG_FILES = 3
_FINAL_STATE = re.compile(r"^(Finished in state \w+)\(.*", re.DOTALL)


class QuietFormatter(logging.Formatter):
    """Formats records as ``inner`` does, but a failure without its traceback and repeated message."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        exc = record.exc_info[1] if record.exc_info else None
        final = _FINAL_STATE.match(message)
        if exc is None and final is None and not record.exc_text:
            return self.inner.format(record)
        quiet = copy.copy(record)
        quiet.exc_info, quiet.exc_text, quiet.stack_info = None, None, None
        if exc is not None:
            name = type(exc).__name__
            short = message.replace(repr(exc), name) if repr(exc) in message else f"{message.splitlines()[0]} ({name})"
            quiet.msg = short
        else:
            quiet.msg = final.group(1) if final else message
        quiet.args = ()
        return self.inner.format(quiet)


def _console_handlers() -> list[logging.Handler]:
    """The handlers that write to the terminal: Prefect's console handler, wherever it is attached."""
    seen: list[logging.Handler] = []
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if type(handler).__name__ == "PrefectConsoleHandler" and handler not in seen:
                seen.append(handler)
    return seen


@contextmanager
def pipeline_logging(log_file: Path, *, debug: bool) -> Iterator[logging.Logger]:
    """For the duration of a command: the log file on the root logger (and the CLI's logger), the
    console quiet unless ``debug``. Yields the CLI's logger, which writes to the file only."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(log_file, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_LOG_FILES, encoding="utf-8")
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(file_handler)
    cli_logger = logging.getLogger(CLI_LOGGER)
    cli_logger.setLevel(logging.INFO)
    cli_logger.propagate = False
    cli_logger.addHandler(file_handler)
    quieted: list[tuple[logging.Handler, logging.Formatter | None]] = []
    if not debug:
        for handler in _console_handlers():
            if not isinstance(handler.formatter, QuietFormatter):
                quieted.append((handler, handler.formatter))
                handler.setFormatter(QuietFormatter(handler.formatter))
    try:
        yield cli_logger
    finally:
        for handler, formatter in quieted:
            handler.setFormatter(formatter)  # type: ignore[arg-type]
        cli_logger.removeHandler(file_handler)
        root.removeHandler(file_handler)
        file_handler.close()
