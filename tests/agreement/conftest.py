"""Fixtures of the agreement tests: the repository's config files, and a writable copy of them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lead_sla.settings import find_project_root


@pytest.fixture(scope="session")
def repo_config_dir() -> Path:
    """The committed config/ folder."""
    return find_project_root(Path(__file__)) / "config"


@pytest.fixture
def config_copy(tmp_path: Path, repo_config_dir: Path) -> Path:
    """A copy of sla.yml, icp.yml and holidays.yml in a temporary config/ folder."""
    target = tmp_path / "config"
    target.mkdir()
    for name in ("sla.yml", "icp.yml", "holidays.yml"):
        shutil.copy(repo_config_dir / name, target / name)
    return target


@pytest.fixture
def edit_config(config_copy: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], Path]:
    """Load one file of the copy, let the test change it, write it back; returns the config folder."""

    def edit(name: str, change: Callable[[dict[str, Any]], None]) -> Path:
        path = config_copy / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return config_copy

    return edit
