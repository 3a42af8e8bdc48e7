from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import copy_sample, isolate_git, small_workspace

# Property tests check what holds, not how fast: Hypothesis's default 200 ms deadline per
# example failed under a loaded CI machine (load 15-20 on 2 cores) with DeadlineExceeded.
settings.register_profile("vimanual", deadline=None)
settings.load_profile("vimanual")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A small valid two-chapter workspace."""
    return small_workspace(tmp_path / "ws")


@pytest.fixture
def sample_workspace(tmp_path: Path) -> Path:
    """A copy of the repository's sample manual."""
    return copy_sample(tmp_path / "sample")


@pytest.fixture(scope="session", autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests' user state folder (clone keys, each by its workspace's path; the cache
    secret), outside the machine's own: one for the session, as a user has one, and set before
    any module's fixture builds a workspace that later tests build again from its caches."""
    folder = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIMANUAL_STATE_DIR", str(folder))
        yield folder
@pytest.fixture
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """git isolated from the machine for this test (tests.helpers.isolate_git): its own HOME and global
    config outside tmp_path (so snapshots of tmp_path do not see it), no system config. It applies to
    tests.helpers.git, to the CLI run in-process (verify, identity) and to subprocesses (cli_env).
    Yields the isolated home."""
    home = tmp_path_factory.mktemp("git-home")
    for name, value in isolate_git(home).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    yield home


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-outputs", action="store_true", default=False,
                     help="rewrite the pinned outputs of tests/test_outputs.py from this run")
