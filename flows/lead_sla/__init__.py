"""lead-sla: the marketing-sales service level agreement as a nightly data pipeline."""

__version__ = "0.1.0"
