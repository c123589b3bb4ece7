"""A demo company run through the nightly flow and published: what the session fixtures hand out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from lead_sla.publish.publisher import DATABASE_NAME
from lead_sla.settings import Settings


@dataclass(frozen=True)
class PublishedDemo:
    settings: Settings
    run_date: date

    @property
    def database(self) -> Path:
        return self.settings.published_dir / DATABASE_NAME

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of ``sql`` on the published copy (read-only): the independent side of comparisons."""
        conn = duckdb.connect(str(self.database), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()
