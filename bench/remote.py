"""A remote over ssh on loopback (a private sshd whose sessions reach a real Slurm, both started here;
root needed): `neuro run --remote --backend slurm` of a 100-run sweep after a one-file edit (the project
sent again, the environment already there: sync and submit), and a second `neuro pull` with nothing new.

    python bench/remote.py [--runs 100]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.clusters.daemons import Unavailable, start_slurm  # noqa: E402
from tests.clusters.sshd import close_connections, start_sshd  # noqa: E402


def neuro(workspace: Path, env: dict, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, capture_output=True,
                          text=True, env={**os.environ, **env, "NEURO_WORKSPACE": str(workspace)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"neuro {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, (done.stdout.strip().splitlines() or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="neuro-bench-remote-"))
    workdir.chmod(0o755)
    try:
        slurm = start_slurm(workdir / "slurm")
        server = start_sshd(workdir / "sshd", slurm.env)
    except Unavailable as reason:
        sys.exit(f"unavailable: {reason}")
    try:
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            project, config = Path(tmp) / "lab", Path(tmp) / "config"
            (project / "experiments" / "my_lab").mkdir(parents=True)
            shutil.copy(ROOT / "tests" / "tasks" / "toy.py", project / "experiments" / "my_lab" / "toy.py")
            for i in range(50):            # a project of some size: 50 modules
                (project / f"module{i}.py").write_text(f"VALUE = {i}\n")
            exp = project / "experiments" / "my_lab" / "sweep.yaml"
            grid = f"grid: {{i: {list(range(args.runs))}}}\nslurm: {{runs_per_task: 25}}\n"
            exp.write_text(f"name: sweep\ntask: toy.py:instant\nparams: {{x: 1}}\n{grid}")
            env = {"XDG_CONFIG_HOME": str(config)}
            neuro(project, env, "remote", "add", "loop", server.alias, f"--path={Path(tmp) / 'remote' / 'lab'}",
                  "--ssh-option=-F", f"--ssh-option={server.client_config}", f"--python={sys.executable}")
            first, said = neuro(project, env, "run", str(exp), "--remote", "loop", "--backend", "slurm", "--wait")
            print(f"first `neuro run --remote --backend slurm --wait` ({args.runs} runs, all sent): {first:5.1f} s  {said}")
            exp.write_text(f"name: sweep\ntask: toy.py:instant\nparams: {{x: 2}}\n{grid}")   # one file edited
            again, said = neuro(project, env, "run", str(exp), "--remote", "loop", "--backend", "slurm")
            print(f"after a one-file edit, `neuro run --remote --backend slurm` (sync + submit): {again:5.1f} s  {said}")
            while f"{args.runs} runs: {args.runs} done" not in neuro(project, env, "status", str(exp), "--remote", "loop")[1]:
                time.sleep(2)
            pulled, said = neuro(project, env, "pull", str(exp), "--remote", "loop")
            print(f"first `neuro pull` ({args.runs} runs):   {pulled:5.1f} s  {said}")
            pulled, said = neuro(project, env, "pull", str(exp), "--remote", "loop")
            print(f"second `neuro pull`, nothing new: {pulled:5.1f} s  {said}")
            close_connections(server)
    finally:
        server.stop()
        slurm.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
