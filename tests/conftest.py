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


@pytest.fixture(autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps its intent keys (vimanual.base.journal) in its own state folder."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("VIMANUAL_STATE_DIR", str(folder))
    return folder
