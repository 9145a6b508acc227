"""States tell the truth: lost only when the process is gone, never-started runs planned, cancel stops
the process that runs a run (and only a neuro process), a closed pipe never stops a sweep, durations
stop at the end, files follow the umask, `neuro tb` takes its server down with it."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from neuro.utils.sweeps.process import identity, process_alive
from tests.conftest import EVERY_EPOCH, ledger_events, neuro, neuro_popen, toy_experiment
from tests.utils.backends.test_reliability import _checkpointed_runs, _wait_for


def _latest(workspace: Path) -> dict[str, dict]:
    return {e["run"]: e for e in ledger_events(workspace) if "state" in e}


def _status_rows(workspace: Path, exp: Path) -> dict[str, list[str]]:
    out = neuro("status", str(exp), cwd=workspace).stdout.splitlines()
    return {line.split()[0]: line.split() for line in out[2:-1]}


def test_a_second_run_leaves_a_running_run_to_its_process_and_cancel_stops_it(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1, params="{epochs: 60, sleep_s: 0.5}",
                         extra=EVERY_EPOCH)
    first = neuro_popen("run", str(exp), cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 1)
    second = neuro("run", str(exp), cwd=workspace)
    assert second.returncode == 0
    assert "1 run: 0 done, 1 queued or running already (another `neuro run` or a cluster job), 0 to run" in \
        second.stdout
    assert _status_rows(workspace, exp)["x=1.0__rep0"][1] == "running"        # not "lost"
    assert [e["state"] for e in ledger_events(workspace)] == ["queued", "running"]   # the second wrote nothing

    cancelled = neuro("cancel", str(exp), cwd=workspace)
    assert cancelled.returncode == 0 and "cancelled 1 run (1 local)" in cancelled.stdout
    first.communicate(timeout=60)
    assert first.returncode == 130
    states = [e["state"] for e in ledger_events(workspace)]
    assert states[-2:] == ["interrupted", "cancelled"] and "done" not in states


def test_cancel_never_signals_a_pid_that_is_no_longer_the_recorded_neuro_process(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        start = identity(bystander.pid)["start"]
        ledger = workspace / "training_data" / "ledger.jsonl"
        ledger.parent.mkdir(parents=True)
        from neuro.utils.experiment.spec import load_spec
        from neuro.utils.sweeps.sweep import Sweep
        from neuro.utils.sweeps.workspace import Workspace
        sweep = Sweep.build(load_spec(exp), Workspace(workspace))
        run = sweep.runs[0]
        event = {"time": time.time(), "host": socket.gethostname(), "experiment": sweep.spec.id, "key": run.key,
                 "run": run.name, "state": "queued", "runner": bystander.pid, "runner_start": start - 3600}
        ledger.write_text(json.dumps(event) + "\n")      # the pid was a neuro run an hour ago, now it is another
        assert _status_rows(workspace, exp)[run.name][1] == "planned"
        assert "cancelled 0 runs" in neuro("cancel", str(exp), cwd=workspace).stdout
        time.sleep(0.5)
        assert bystander.poll() is None                  # never signalled
    finally:
        bystander.kill()
        bystander.wait()


def test_runs_never_started_before_ctrl_c_are_planned_and_a_lost_runs_duration_stops(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0]", repetitions=1, params="{epochs: 40, sleep_s: 0.3}",
                         extra=EVERY_EPOCH)
    runner = neuro_popen("run", str(exp), "--workers", "1", cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 1)
    os.killpg(runner.pid, signal.SIGINT)
    runner.communicate(timeout=60)
    rows = _status_rows(workspace, exp)
    assert [rows[f"x={x}__rep0"][1] for x in ("1.0", "2.0", "3.0")] == ["interrupted", "planned", "planned"]
    assert "1 interrupted, 2 planned" in neuro("status", str(exp), cwd=workspace).stdout

    killed = neuro_popen("run", str(exp), "--workers", "1", cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 1)
    killed.send_signal(signal.SIGKILL)       # the runner dies; its worker follows it
    killed.wait()
    _wait_for(lambda: _status_rows(workspace, exp)["x=1.0__rep0"][1] == "lost")
    before = _status_rows(workspace, exp)["x=1.0__rep0"][2]
    time.sleep(2.2)
    assert _status_rows(workspace, exp)["x=1.0__rep0"][2] == before     # the duration of a lost run stands still
    assert [_status_rows(workspace, exp)[f"x={x}__rep0"][1] for x in ("2.0", "3.0")] == ["planned", "planned"]


def test_a_closed_pipe_never_stops_a_sweep(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0]", repetitions=2, params="{sleep_s: 0.2}")
    env = {**os.environ, "NEURO_WORKSPACE": str(workspace)}
    piped = subprocess.run(f"{sys.executable} -m neuro.cli.main run {exp} 2>&1 | head -1", shell=True, cwd=workspace,
                           env=env, capture_output=True, text=True, timeout=120)
    assert piped.stdout.count("\n") == 1
    latest = _latest(workspace)
    assert len(latest) == 6 and {e["state"] for e in latest.values()} == {"done"}


def test_output_files_follow_the_umask(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    env = {**os.environ, "NEURO_WORKSPACE": str(workspace)}
    subprocess.run(f"umask 022 && {sys.executable} -m neuro.cli.main run {exp}", shell=True, cwd=workspace, env=env,
                   check=True, capture_output=True)
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    files = [run_dir / "result.json", run_dir / "status.json", run_dir / "checkpoints" / "last.pt",
             workspace / "training_data" / "ledger.jsonl", *(run_dir.parent / ".sweeps").iterdir()]
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o644"}


def test_tb_stops_its_tensorboard_on_sigterm(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    server = neuro_popen("tb", str(exp), "--port", str(port), cwd=workspace)
    try:
        _wait_for(lambda: _answers(port))
        import psutil
        children = psutil.Process(server.pid).children(recursive=True)
        assert children
        server.send_signal(signal.SIGTERM)            # to neuro only, as `kill PID` does
        server.wait(timeout=30)
        _wait_for(lambda: not any(process_alive(c.pid) for c in children), timeout=15)
        assert not _answers(port)
    finally:
        os.killpg(server.pid, signal.SIGKILL) if server.poll() is None else None


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://localhost:{port}/data/runs", timeout=2).read()
        return True
    except OSError:
        return False
