"""Each run's events carry the commit of the code it ran and whether the tree had changes."""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import ledger_events, neuro, toy_experiment


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_commit_and_dirty_flag_are_recorded(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    (workspace / ".gitignore").write_text("training_data/\n")
    _git("init", "-q", cwd=workspace)
    _git("add", ".", cwd=workspace)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start", cwd=workspace)
    commit = _git("rev-parse", "HEAD", cwd=workspace)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert {e["state"]: e["git"] for e in ledger_events(workspace)}["done"] == {"commit": commit, "dirty": False}

    exp.write_text(exp.read_text().replace("x: [1.0]", "x: [1.0, 2.0]"))  # an uncommitted change
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    last = ledger_events(workspace)[-1]
    assert last["run"] == "x=2.0__rep0" and last["git"] == {"commit": commit, "dirty": True}
