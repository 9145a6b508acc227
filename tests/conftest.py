"""Shared fixtures: an isolated workspace, the CLI in process (and as a subprocess where a process is the
point), a toy task."""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "tasks" / "toy.py"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory as the current directory and NEURO_WORKSPACE."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEURO_WORKSPACE", str(tmp_path))
    return tmp_path


@pytest.fixture
def config_home(workspace: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME of the test's own: its remotes file (neuro remote)."""
    home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


EVERY_EPOCH = "outputs: {checkpoint_s: 0, metrics_s: 0}\n"   # checkpoints and status at every epoch: tests of resuming
# a run resumed after a kill: from last.pt, or from previous.pt when the kill fell while the next one was written
RESUMED = re.compile(r"resumed from checkpoint (last|previous)\.pt \(epoch \d+\)")


def write_experiment(directory: Path, text: str, name: str = "exp.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def toy_experiment(directory: Path, extra: str = "", name: str = "toy", grid: str = "x: [1.0, 2.0]",
                   repetitions: int = 2, params: str = "{}") -> Path:
    return write_experiment(directory, textwrap.dedent(f"""
        name: {name}
        task: {TOY}:train
        repetitions: {repetitions}
        params: {params}
        grid: {{{grid}}}
        metric: {{name: score, mode: max}}
        """) + textwrap.dedent(extra), name=f"{name}.yaml")


def neuro(*args: str, cwd: Path, timeout: float = 300, env_path: str | None = None) -> subprocess.CompletedProcess:
    """The `neuro` command run in this process, as a user would run it in `cwd` (with `env_path` as
    its PATH, when given): its exit code and what it printed; past `timeout` seconds it fails. Runs still
    execute in worker processes."""
    from neuro.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with _command_environment(cwd, env_path, out, err), _time_limit(timeout, args):
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:            # what the interpreter would print before exiting 1
            traceback.print_exc(file=err)
            code = 1
    return subprocess.CompletedProcess(["neuro", *args], code, out.getvalue(), err.getvalue())


def neuro_process(*args: str, cwd: Path, timeout: float = 300, env_path: str | None = None,
                  **kwargs) -> subprocess.CompletedProcess:
    """The real `neuro` command in a subprocess: for what only a process shows (exit by signal, a pipe)."""
    env = {**os.environ, "NEURO_WORKSPACE": str(cwd), **({"PATH": env_path} if env_path else {})}
    return subprocess.run([sys.executable, "-m", "neuro.cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


@contextlib.contextmanager
def _time_limit(seconds: float, args: tuple[str, ...]):
    def expired(signum, frame):
        raise TimeoutError(f"neuro {' '.join(args)} ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _command_environment(cwd: Path, env_path: str | None, out: io.StringIO, err: io.StringIO):
    """The current directory, environment, standard streams and signal handlers of a command, restored after."""
    saved = os.getcwd(), dict(os.environ), sys.stdout, sys.stderr, signal.getsignal(signal.SIGINT), list(sys.argv)
    os.chdir(cwd)
    os.environ["NEURO_WORKSPACE"] = str(cwd)
    if env_path:
        os.environ["PATH"] = env_path
    sys.stdout, sys.stderr, sys.argv = out, err, ["neuro"]
    try:
        yield
    finally:
        os.chdir(saved[0])
        os.environ.clear()
        os.environ.update(saved[1])
        sys.stdout, sys.stderr = saved[2], saved[3]
        signal.signal(signal.SIGINT, saved[4])
        sys.argv = saved[5]


def neuro_popen(*args: str, cwd: Path, ignore_sigint: bool = False) -> subprocess.Popen:
    """`neuro` in the background; ignore_sigint starts it as a script's `neuro ... &` would be."""
    env = {**os.environ, "NEURO_WORKSPACE": str(cwd)}
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
    return subprocess.Popen([sys.executable, "-m", "neuro.cli.main", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=ignore)


def ledger_events(workspace: Path) -> list[dict]:
    """Every event of the workspace's ledger as readers see it (a batch line as one event per run)."""
    from neuro.utils.sweeps.ledger import Ledger
    return list(Ledger(workspace / "training_data" / "ledger.jsonl").events())
