"""Hostile and malformed input: each case's exit code, wall time, peak memory and first line of output.

    python bench/hostile_inputs.py

Every case runs `neuro` in a process of its own in a fresh workspace. Input that must be refused is
refused in one line with exit code 2 within a second or so and a few tens of MB; what must run, runs.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from timing import measured

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "tasks" / "toy.py"
GOOD = f"name: exp\ntask: {TOY}:train\nrepetitions: 2\nparams: {{epochs: 2}}\ngrid: {{x: [1.0, 2.0]}}\n"


def _bomb() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi")]
    return "name: bomb\ntask: sound_localisation\n" + "\n".join(lines) + "\n"


def _file(text: str) -> Callable[[Path], Path]:
    def make(workspace: Path) -> Path:
        path = workspace / "exp.yaml"
        path.write_bytes(text.encode())
        return path
    return make


def _symlink_loop(workspace: Path) -> Path:
    (workspace / "b.yaml").symlink_to(workspace / "exp.yaml")
    (workspace / "exp.yaml").symlink_to(workspace / "b.yaml")
    return workspace / "exp.yaml"


def _million(workspace: Path) -> Path:
    values = ", ".join(str(i) for i in range(1000))
    return _file(f"name: big\ntask: {TOY}:train\ngrid: {{x: [{values}], sleep_s: [{values}]}}\n")(workspace)


CASES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("YAML alias bomb", _file(_bomb()), ["plan"]),
    ("grid of 1,000,000 runs", _million, ["plan"]),
    ("repetitions: 1e9", _file(GOOD.replace("repetitions: 2", "repetitions: 1e9")), ["run"]),
    ("task: /etc/passwd:train", _file(GOOD.replace(f"task: {TOY}:train", "task: /etc/passwd:train")), ["plan"]),
    ("task: os:system", _file(GOOD.replace(f"task: {TOY}:train", "task: os:system")), ["plan"]),
    ("symlink loop", _symlink_loop, ["plan"]),
    ("seed 2**63", _file(GOOD.replace("repetitions: 2", "seeds: [9223372036854775808]")), ["run"]),
    ("NUL byte", _file(GOOD.replace("name: exp", "name: e\0xp")), ["plan"]),
    ("epochs: 40.0 (accepted)", _file(GOOD.replace("{epochs: 2}", "{epochs: 4.0}")), ["run"]),
    ("epochs: 2.5 (refused)", _file(GOOD.replace("{epochs: 2}", "{epochs: 2.5}")), ["plan"]),
]


def measure(workspace: Path, args: list[str], env: dict[str, str] | None = None) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak MB and first line (stderr's, else stdout's) of `neuro ARGS`."""
    code, seconds, peak, printed, errors = measured(workspace, args, env)
    text = errors.strip() or printed.strip()
    first = text.splitlines()[0] if text else ""
    return code, seconds, peak, first.replace(str(workspace) + "/", "")


def main() -> None:
    print(f"{'case':<28} {'command':<7} {'exit':>4} {'time':>7} {'peak':>8}  first line")
    rows = []
    for name, make, commands in CASES:
        for command in commands:
            with tempfile.TemporaryDirectory() as tmp:
                workspace = Path(tmp)
                path = make(workspace)
                rows.append((name, command, *measure(workspace, [command, str(path)])))
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        (workspace / "a_file").write_text("")
        path = _file(GOOD)(workspace)
        env = {**os.environ, "NEURO_WORKSPACE": str(workspace / "a_file")}
        rows.append(("NEURO_WORKSPACE is a file", "run", *measure(workspace, ["run", str(path)], env)))
    for name, command, code, seconds, peak, first in rows:
        print(f"{name:<28} {command:<7} {code:>4} {seconds:6.2f}s {peak:6.0f}MB  {first[:150]}")


if __name__ == "__main__":
    main()
