"""Training curves: the scalars a run logged per step, read back from <run>/metrics.jsonl."""
from __future__ import annotations

import json
from pathlib import Path

from neuro.utils.execution.context import CURVES


def read_curves(run_dir: Path) -> dict[str, dict[int, float]]:
    """{scalar name: {step: value}}; a step logged again after a resume keeps its last value, and a
    torn last line (a run killed while writing) is skipped."""
    curves: dict[str, dict[int, float]] = {}
    path = run_dir / CURVES
    if not path.exists():
        return curves
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        step = record.pop("step", None)
        if not isinstance(step, int):
            continue
        for name, value in record.items():
            curves.setdefault(name, {})[step] = value
    return curves
