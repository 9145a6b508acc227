"""A sweep: a validated experiment, its runs and where they live; frozen to a file for workers and jobs."""
from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuro.utils.atomic import read_json, write_json
from neuro.utils.execution.snapshot import snapshot_path
from neuro.utils.experiment.spec import ExperimentSpec, spec_from_frozen
from neuro.utils.layout import PACKAGE_ROOT
from neuro.utils.search.study import trial_values
from neuro.utils.sweeps.ledger import LatestEvents, Ledger, batch
from neuro.utils.sweeps.recovery import with_folders
from neuro.utils.sweeps.runs import RunSpec, expand, experiment_dir, trial_runs
from neuro.utils.sweeps.workspace import Workspace

KEYS_MARKER = ".task_identity.json"   # the experiment's runs are keyed by the task file's path in the workspace


@dataclass
class Sweep:
    spec: ExperimentSpec
    runs: Sequence[RunSpec]        # a grid's SweepRuns; a search's list, grown as trials are asked for
    workspace: Workspace
    git: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: ExperimentSpec, workspace: Workspace) -> Sweep:
        sweep = cls(spec, [], workspace)
        sweep.runs = expand(spec) if spec.search is None else sweep.trial_runs()
        return sweep

    def trial_runs(self) -> list[RunSpec]:
        """A search's runs: those of every trial its study has asked for so far."""
        runs: list[RunSpec] = []
        for number, values in trial_values(self.spec, self.dir):
            runs += trial_runs(self.spec, number, values, len(runs))
        return runs

    @property
    def dir(self) -> Path:
        return experiment_dir(self.workspace.training_data, self.spec)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.workspace.ledger_path)

    def run_dir(self, run: RunSpec) -> Path:
        return self.dir / run.name

    def event(self, run: RunSpec, state: str, **fields: Any) -> dict[str, Any]:
        """A ledger event of one of this sweep's runs (time and host are added on append)."""
        return {"experiment": self.spec.id, "key": run.key, "run": run.name, "state": state,
                "git": self.git or None, **fields}

    def batch_event(self, runs: list[RunSpec], state: str, each: dict[str, list] | None = None,
                    **fields: Any) -> dict[str, Any]:
        """One ledger line recording the same event of many runs (with `each` run's own fields by position)."""
        return batch({"experiment": self.spec.id, "state": state, "git": self.git or None, **fields},
                     [(run.key, run.name) for run in runs], each)

    def latest(self) -> LatestEvents:
        """The last event of each of this experiment's runs, by run key: the ledger's, unless the run's
        folder says it ended since (the folders are the truth: neuro.utils.sweeps.recovery)."""
        return with_folders(self.ledger.latest(self.spec.id), self.runs, self.dir, self.spec.id)

    def freeze(self, code_dir: Path | None = None, write: bool = True) -> Path:
        """Write the sweep to <experiment>/.sweeps/<hash>.json (same content, same file) and return it.
        With `code_dir` (a snapshot of the project), a task file inside the snapshot loads from it."""
        task = self.spec.task
        self.git = self.git or git_state(task.file.parent if task.file else PACKAGE_ROOT)
        task_code = snapshot_path(code_dir, task.file) if code_dir is not None and task.file and task.kind == "file" else None
        frozen = self.spec.frozen(task_code)
        data = {"spec": frozen, "workspace": str(self.workspace.root), "git": self.git}
        digest = hashlib.sha256(json.dumps(data).encode()).hexdigest()[:12]  # key order matters: it names runs
        path = self.dir / ".sweeps" / f"{digest}.json"
        if write and not path.exists():
            write_json(path, data)
        if write and task.former_identity and not (self.dir / KEYS_MARKER).exists():   # keyed as now from the start
            write_json(self.dir / KEYS_MARKER, {"task_identity": task.identity, "former": task.former_identity})
        return path


def load_sweep(path: Path) -> Sweep:
    """Rebuild a frozen sweep, exactly as it was when frozen."""
    data = read_json(path)
    if data is None:
        raise FileNotFoundError(f"sweep file {path} is missing or unreadable")
    sweep = Sweep.build(spec_from_frozen(data["spec"]), Workspace(Path(data["workspace"])))
    sweep.git = data.get("git", {})
    return sweep


def git_state(directory: Path) -> dict[str, Any]:
    """The commit of the repository holding `directory` (the task's code) and whether its tree had
    uncommitted changes ({} outside git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return {}
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                               capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.TimeoutExpired):
        return {}
