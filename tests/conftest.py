"""Shared fixtures: an isolated workspace, the CLI in-process and as a subprocess, a toy task."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
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


def write_experiment(directory: Path, text: str, name: str = "exp.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def toy_experiment(directory: Path, extra: str = "", name: str = "toy", grid: str = "x: [1.0, 2.0]",
                   repetitions: int = 2, params: str = "{}") -> Path:
    return write_experiment(directory, f"""
        name: {name}
        task: {TOY}:train
        repetitions: {repetitions}
        params: {params}
        grid: {{{grid}}}
        metric: {{name: score, mode: max}}
        """ + textwrap.dedent(extra), name=f"{name}.yaml")


def neuro(*args: str, cwd: Path, timeout: float = 300, env_path: str | None = None,
          **kwargs) -> subprocess.CompletedProcess:
    """Run the real `neuro` command in a subprocess (with `env_path` as its PATH, when given)."""
    env = {**os.environ, "NEURO_WORKSPACE": str(cwd), **({"PATH": env_path} if env_path else {})}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def neuro_popen(*args: str, cwd: Path, ignore_sigint: bool = False) -> subprocess.Popen:
    """`neuro` in the background; ignore_sigint starts it as a script's `neuro ... &` would be."""
    env = {**os.environ, "NEURO_WORKSPACE": str(cwd)}
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
    return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=ignore)


def ledger_events(workspace: Path) -> list[dict]:
    lines = (workspace / "training_data" / "ledger.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]
