from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import copy_sample, small_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A small valid two-chapter workspace."""
    return small_workspace(tmp_path / "ws")


@pytest.fixture
def sample_workspace(tmp_path: Path) -> Path:
    """A copy of the repository's sample manual."""
    return copy_sample(tmp_path / "sample")
