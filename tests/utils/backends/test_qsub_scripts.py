"""Job scripts per dialect against reference files, quoting, and parsing the schedulers' output."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from neuro.utils.backends.cluster import ArrayRequest, SubmissionError
from neuro.utils.backends.qsub import DIALECTS, PBSProExecutor, SGEExecutor, TorqueExecutor, parse_qstat
from neuro.utils.experiment.spec import load_spec
from neuro.utils.sweeps.sweep import Sweep
from neuro.utils.sweeps.workspace import Workspace
from tests.conftest import neuro, write_experiment

HERE = Path(__file__).parent
EXPERIMENT = """
name: dale
task: sound_localisation
repetitions: 2
grid: {ie_ratio: [0.25, 0.5]}
resources: {cpus: 4, mem_gb: 8, time_min: 90, gpus: 1}
qsub: {queue: cpu.q, additional: ["-l mem_free=8G,act_mem_free=8G,h_data=20G"]}
"""


def _request(root: Path, jobs: int = 4) -> ArrayRequest:
    exp = write_experiment(root, EXPERIMENT)
    sweep = Sweep.build(load_spec(exp), Workspace(root))
    return ArrayRequest(sweep, root / "sweep.json", root / "code", sweep.runs[:jobs],
                        root / "logs", python="/opt/venv/bin/python")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_scripts_match_the_reference_files(dialect: str, tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    script = DIALECTS[dialect]().render(_request(root)).replace(str(root), "/PROJECT")
    reference = HERE / "reference" / f"{dialect}.sh"
    assert script == reference.read_text()


def test_pbs_pro_leaves_out_the_array_for_one_run(tmp_path: Path) -> None:
    script = PBSProExecutor().render(_request(tmp_path, jobs=1))
    assert "#PBS -J" not in script and "${PBS_ARRAY_INDEX:-0}" in script


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_paths_with_spaces_quotes_and_substitutions_survive(dialect: str, tmp_path: Path) -> None:
    root = tmp_path / "my lab's $(rm -rf ~) `x` project"
    root.mkdir()
    request = _request(root)
    script = DIALECTS[dialect]().render(request)
    # run everything up to the final exec with bash, printing what the job would use
    probe = script.rsplit("exec ", 1)[0].replace('exec >>"${dirs[$i]}/scheduler.log" 2>&1', "")
    probe += 'printf "%s\\n" "$PWD" "${dirs[$i]}" "${keys[$i]}" "$PYTHONPATH"\n'
    env = {"SGE_TASK_ID": "2", "PBS_ARRAY_INDEX": "1", "PBS_ARRAYID": "1", "JOB_ID": "7", "PBS_JOBID": "7[1].s",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, check=True).stdout
    run = request.runs[1]
    assert out.splitlines() == [str(root), str(request.sweep.run_dir(run)), run.key, str(root / "code")]


def test_job_ids_from_recorded_qsub_output() -> None:
    recorded = HERE / "recorded"
    assert SGEExecutor.parse_job_id((recorded / "sge_qsub_terse.txt").read_text()) == "4217"
    assert SGEExecutor.parse_job_id((recorded / "sge_qsub.txt").read_text()) == "4218"
    assert PBSProExecutor.parse_job_id((recorded / "pbspro_qsub.txt").read_text()) == "1234[].pbs01"
    assert TorqueExecutor.parse_job_id((recorded / "torque_qsub.txt").read_text()) == "5678[].torque-head.hpc.edu"
    assert PBSProExecutor().task_job_id("1234[].pbs01", 3, 8) == "1234[3].pbs01"
    assert SGEExecutor().task_job_id("4217", 0, 8) == "4217.1"
    with pytest.raises(SubmissionError):
        PBSProExecutor.parse_job_id("qsub: submit error")


def test_live_jobs_from_recorded_qstat_output() -> None:
    recorded = HERE / "recorded"
    assert parse_qstat((recorded / "sge_qstat.txt").read_text()) == ["4217", "4217", "4219"]
    assert parse_qstat((recorded / "pbspro_qstat.txt").read_text()) == ["1234[].pbs01", "1240.pbs01"]
    assert parse_qstat((recorded / "torque_qstat.txt").read_text()) == ["5678[].torque-head", "5679.torque-head"]
    assert parse_qstat("") == []


def test_a_refused_qsub_is_an_error_quoting_the_scheduler(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "qsub"
    fake.write_text("#!/bin/sh\necho 'qsub: Unknown queue cpu.q' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    exp = write_experiment(tmp_path, EXPERIMENT)
    result = neuro("run", str(exp), "--backend", "pbs", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "neuro: error: qsub failed (exit 1): qsub: Unknown queue cpu.q"
    ledger = tmp_path / "training_data" / "ledger.jsonl"
    assert not ledger.exists() or ledger.read_text() == ""  # no run recorded queued


def test_plan_prints_the_script_and_submits_nothing(tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, EXPERIMENT)
    out = neuro("plan", str(exp), "--backend", "sge", "--set", "qsub.max_array_size=3", cwd=tmp_path).stdout
    assert "# sge job script 1 of 2 (3 runs)" in out and "# sge job script 2 of 2 (1 run)" in out
    assert "#$ -t 1-3" in out and "#$ -t 1-1" in out and "#$ -pe smp 4" in out and "#$ -q cpu.q" in out
    assert not (tmp_path / "training_data").exists()
