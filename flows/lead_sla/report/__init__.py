"""The nightly SLA report: one self-contained HTML page per day, built from the published copy.

Plain modules, no Prefect: ``build_report`` is what the nightly flow and ``lead-sla report build`` call.
"""

from lead_sla.report.build import build_report, report_path
from lead_sla.report.data import NothingPublished, Publication, ReportError, read_publication

__all__ = ["NothingPublished", "Publication", "ReportError", "build_report", "read_publication", "report_path"]
