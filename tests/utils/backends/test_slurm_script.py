"""Slurm without Slurm: `neuro plan --backend slurm` renders the exact sbatch script on a machine with
no srun (a laptop), checked against a reference file; `neuro run --backend slurm` there is one line;
and with fake sbatch/squeue/scancel on PATH (as submitit's own tests do), the whole submit, status and
cancel round trip runs without root or daemons."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from neuro.utils.backends.slurm import SlurmExecutor
from tests.conftest import ledger_events, neuro, write_experiment
from tests.utils.backends.test_qsub_scripts import HERE, _request


def test_the_sbatch_script_matches_the_reference_without_slurm(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))            # no srun, no sbatch
    root = tmp_path / "project"
    root.mkdir()
    script = SlurmExecutor().render(_request(root)).replace(str(root), "/PROJECT")
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


FAKES = {
    # sbatch keeps each script it is given and answers with the next job id, which squeue then lists
    "sbatch": 'n=$(($(cat "$FAKE/counter" 2>/dev/null || echo 4241) + 1)); echo $n > "$FAKE/counter"\n'
              'cp "$1" "$FAKE/sbatch-$n.sh"; echo $n >> "$FAKE/live"; echo "Submitted batch job $n"',
    "squeue": 'cat "$FAKE/live" 2>/dev/null; true',
    "scancel": 'for job in "$@"; do echo "$job" >> "$FAKE/cancelled"; grep -vx "$job" "$FAKE/live" > "$FAKE/left"; '
               'mv "$FAKE/left" "$FAKE/live"; done',
    "srun": "exit 0",
}


def _fake_slurm(directory: Path) -> str:
    """A PATH whose Slurm commands are the fakes above, keeping their state in `directory`."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    for name, body in FAKES.items():
        (bin_dir / name).write_text(f"#!/bin/sh\nFAKE={directory}\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return f"{bin_dir}:/usr/bin:/bin"


def test_submit_status_and_cancel_through_fake_slurm_commands(tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, "name: p\ntask: sound_localisation\nrepetitions: 2\nparams: {epochs: 2}\n")
    path = _fake_slurm(tmp_path)
    planned = neuro("plan", str(exp), "--backend", "slurm", cwd=tmp_path, env_path=path).stdout
    run = neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path, env_path=path)
    assert run.returncode == 0, run.stderr
    assert "submitted 2 runs to slurm: job array(s) 4242" in run.stdout
    submitted = (tmp_path / "sbatch-4242.sh").read_text()
    stamp = re.compile(r"\.jobs/\d{8}-\d{6}-0")            # the submission's time names its log folder
    assert stamp.sub("STAMP", submitted).strip() in stamp.sub("STAMP", planned)
    lines = (tmp_path / "training_data" / "ledger.jsonl").read_text().splitlines()
    assert len(lines) == 1, "one submission, one ledger line"
    events = ledger_events(tmp_path)
    assert sorted((e["state"], e["job_id"], e["array_job"], e["backend"]) for e in events) == [
        ("queued", "4242_0", "4242", "slurm"), ("queued", "4242_1", "4242", "slurm")]
    assert "sound_localisation/p: 2 runs: 2 queued" in neuro("status", str(exp), cwd=tmp_path, env_path=path).stdout
    again = neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path, env_path=path)
    assert "2 queued or running already" in again.stdout and not (tmp_path / "sbatch-4243.sh").exists()
    cancel = neuro("cancel", str(exp), cwd=tmp_path, env_path=path)
    assert cancel.returncode == 0 and "cancelled 2 runs (2 slurm)" in cancel.stdout
    assert (tmp_path / "cancelled").read_text().split() == ["4242"]
    assert "sound_localisation/p: 2 runs: 2 cancelled" in neuro("status", str(exp), cwd=tmp_path, env_path=path).stdout
