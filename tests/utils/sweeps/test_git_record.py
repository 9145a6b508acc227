"""Each run's events carry the commit of the code it ran (the task file's repository, or neuro's own for
a built-in task), and whether that tree had changes."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT, TOY, ledger_events, neuro, write_experiment


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _repository(folder: Path, task: str = "task.py") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(TOY, folder / task)
    _git("init", "-q", cwd=folder)
    _git("add", ".", cwd=folder)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start", cwd=folder)
    return _git("rev-parse", "HEAD", cwd=folder)


def test_commit_and_dirty_flag_of_the_task_files_repository(workspace: Path) -> None:
    """The task file's repository, not the current directory's: here the workspace is in another
    repository, which must not be recorded."""
    _repository(workspace, "other.py")
    lab = workspace.parent / f"{workspace.name}-lab"
    commit = _repository(lab)
    exp = write_experiment(lab, "name: toy\ntask: task.py:train\ngrid: {x: [1.0]}\n")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert {e["state"]: e["git"] for e in ledger_events(workspace)}["done"] == {"commit": commit, "dirty": False}

    (lab / "task.py").write_text((lab / "task.py").read_text() + "\n# an uncommitted change\n")
    exp.write_text(exp.read_text().replace("x: [1.0]", "x: [1.0, 2.0]"))
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    last = ledger_events(workspace)[-1]
    assert last["run"] == "x=2.0__rep0" and last["git"] == {"commit": commit, "dirty": True}


def test_a_builtin_task_records_neuros_own_commit(workspace: Path) -> None:
    _repository(workspace)  # the current directory is a repository too: it must not be recorded
    exp = write_experiment(workspace, "name: g\ntask: sound_localisation\n")
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.sweep import Sweep, git_state
    from neuro.utils.sweeps.workspace import Workspace
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
    sweep.freeze(write=False)
    assert sweep.git == git_state(ROOT) and sweep.git.get("commit") == _git("rev-parse", "HEAD", cwd=ROOT)
