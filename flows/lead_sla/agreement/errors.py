"""The one error the agreement package raises, always naming the file, the version and the field."""

from __future__ import annotations


class AgreementError(ValueError):
    """An agreement file is missing, unreadable or invalid; the message says where and why."""
