"""Where the project and the real exports live, for tests that read committed files or shared data."""

from __future__ import annotations

from pathlib import Path

from lead_sla.settings import find_project_root

PROJECT_ROOT = find_project_root(Path(__file__).parent)
# Real exports beside the repository (never copied into it): the tests that use them skip without it.
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
