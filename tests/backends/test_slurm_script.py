"""Slurm without Slurm: `neuro plan --backend slurm` renders the exact sbatch script on a machine with
no srun (a laptop), checked against a reference file; `neuro run --backend slurm` there is one line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.backends.test_qsub_scripts import HERE, _request
from tests.conftest import neuro, write_experiment
from utils.backends.slurm import SlurmBackend


def test_the_sbatch_script_matches_the_reference_without_slurm(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))            # no srun, no sbatch
    root = tmp_path / "project"
    root.mkdir()
    script = SlurmBackend().render(_request(root)).replace(str(root), "/PROJECT")
    assert script == (HERE / "reference" / "slurm.sh").read_text()


def test_plan_prints_the_script_and_run_refuses_in_one_line_without_slurm(tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, "name: p\ntask: sound_localisation\nrepetitions: 2\nparams: {epochs: 2}\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    plan = neuro("plan", str(exp), "--backend", "slurm", cwd=tmp_path, env_path=str(empty))
    assert plan.returncode == 0, plan.stderr
    assert "#SBATCH --array=0-1%2" in plan.stdout and re.search(r"^srun --unbuffered", plan.stdout, re.M)
    run = neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path, env_path=str(empty))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == ("neuro: error: 'sbatch' not found: slurm jobs are submitted from a login node "
                                  "of the cluster; `neuro plan --backend slurm` shows the job script here")
    assert not (tmp_path / "training_data").exists()


@pytest.mark.parametrize("dialect", ["sge", "pbs", "torque"])
def test_qsub_dialects_refuse_in_one_line_without_qsub(dialect: str, tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, "name: p\ntask: sound_localisation\nparams: {epochs: 2}\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    run = neuro("run", str(exp), "--backend", dialect, cwd=tmp_path, env_path=str(empty))
    assert run.returncode == 2 and "'qsub' not found" in run.stderr
    assert not (tmp_path / "training_data").exists()
