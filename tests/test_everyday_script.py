"""Issue 15, point 16: the README's test command on a fresh machine, with apt stood in for by a
recording script (the real apt needs root and the network; everything else is the real script)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.helpers import REPO

TOOLS = ("dirname", "id", "mkdir", "tail", "cat", "chmod", "cp")


def _fake_machine(tmp_path: Path, present: tuple[str, ...]) -> tuple[Path, Path, dict[str, str]]:
    """A copy of scripts/test.sh in an empty checkout, and a PATH holding only stand-ins."""
    checkout = tmp_path / "clone"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "test.sh", checkout / "scripts" / "test.sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    for tool in TOOLS:
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    scripts = {
        # apt prints hundreds of progress lines, as dpkg does
        "apt-get": (f'echo "apt-get $*" >> {calls}\n'
                    'for i in $(seq 1 600); do echo "Unpacking pkg $i ..."; done\n'
                    # installing npm puts an npm on the PATH, as Debian's package does
                    f'case " $* " in *" npm "*) cp {bin_dir}/npm-after-install {bin_dir}/npm;; esac'),
        "npm-after-install": f'echo "npm $*" >> {calls}',
        "sudo": '"$@"',
        "python3": ('mkdir -p .venv/bin\nprintf "#!/bin/sh\\n" > .venv/bin/pip\n'
                    'printf "#!/bin/sh\\necho pytest ran \\"\\$@\\"\\n" > .venv/bin/python\n'
                    'chmod +x .venv/bin/pip .venv/bin/python'),
        "seq": 'i=$1; while [ "$i" -le "$2" ]; do echo $i; i=$((i+1)); done',
    }
    scripts.update({name: "exit 0" for name in present})
    if "npm" in present:
        scripts["npm"] = scripts["npm-after-install"]
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!{shutil.which('bash')}\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return checkout, calls, env


def _run(checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash
    return subprocess.run([bash, str(checkout / "scripts" / "test.sh"), "-k", "smoke"], env=env,
                          capture_output=True, text=True, timeout=60, check=False, cwd=checkout)


def test_installs_only_what_is_missing_quietly_waiting_for_the_lock(tmp_path: Path) -> None:
    checkout, calls, env = _fake_machine(tmp_path, present=())
    result = _run(checkout, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Installing chromium poppler-utils npm with apt (a few minutes; waits up to 600s for another apt; "
        "log: build/test-apt.log)",
        "pytest ran -m pytest -n auto -k smoke",
    ]
    recorded = calls.read_text(encoding="utf-8").splitlines()
    assert recorded == [
        "apt-get -o DPkg::Lock::Timeout=600 -q update",
        "apt-get -o DPkg::Lock::Timeout=600 -q install -y --no-upgrade chromium poppler-utils npm",
        "npm ci --no-audit --no-fund --loglevel=error",
    ]
    log = (checkout / "build" / "test-apt.log").read_text(encoding="utf-8")
    assert log.count("Unpacking pkg") == 1200


def test_a_machine_with_everything_runs_no_apt(tmp_path: Path) -> None:
    checkout, calls, env = _fake_machine(tmp_path, present=("chromium", "pdftoppm", "npm"))
    result = _run(checkout, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["pytest ran -m pytest -n auto -k smoke"]
    assert calls.read_text(encoding="utf-8").splitlines() == ["npm ci --no-audit --no-fund --loglevel=error"]


def test_a_failing_apt_shows_the_end_of_its_log(tmp_path: Path) -> None:
    checkout, calls, env = _fake_machine(tmp_path, present=("pdftoppm", "npm"))
    (Path(env["PATH"]) / "apt-get").write_text(
        "#!/bin/bash\necho 'E: Could not get lock /var/lib/dpkg/lock-frontend' >&2\nexit 100\n",
        encoding="utf-8")
    result = _run(checkout, env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["apt-get failed; the end of build/test-apt.log:",
                                          "E: Could not get lock /var/lib/dpkg/lock-frontend"]
    assert "pytest ran" not in result.stdout
    assert os.path.exists(checkout / "build" / "test-apt.log")


def test_readme_says_what_the_test_command_installs_and_how_long_it_takes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    prose = " ".join(section.split())
    for words in ("`chromium`", "`poppler-utils`", "`npm`", "axe-core",
                  "never upgrades other system packages",
                  "waits up to 10 minutes for another apt", "`build/test-apt.log`", "about 3–5 minutes",
                  "tests about 7–8 minutes"):
        assert words in prose, words
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert 'wait="${VIMANUAL_APT_WAIT:-600}"' in script  # the README's "10 minutes"
