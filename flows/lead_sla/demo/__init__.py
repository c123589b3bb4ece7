"""Deterministic demo data: a simulated B2B SaaS company's marketing and CRM exports.

``generate(out_dir, leads=..., days=..., seed=..., end_date=..., late_exports=...)`` writes the
nightly export drop of the twelve raw streams (see ``lead_sla.sources.streams``) and returns a
``GenerationSummary``; ``LateExports`` delays a share of every stream's rows (for property tests).
"""

from lead_sla.demo.generator import GenerationSummary, generate
from lead_sla.demo.writer import LateExports, MalformedRow

__all__ = ["GenerationSummary", "LateExports", "MalformedRow", "generate"]
