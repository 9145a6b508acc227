"""Expand an experiment into runs: identity (key), readable name, directory."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from utils.spec import ExperimentSpec


@dataclass(frozen=True)
class RunSpec:
    """One run: a task with fully resolved parameters and a seed."""

    index: int                     # position in the sweep (array task index)
    key: str                       # short hash of (task, params, seed): the run's identity
    name: str                      # readable: the swept values and the repetition
    seed: int
    repetition: int
    params: dict[str, Any]         # every parameter, defaults included
    varying: dict[str, Any]        # the grid/zip values of this run


def run_key(task_ref: str, params: dict[str, Any], seed: int) -> str:
    canonical = json.dumps({"task": task_ref, "params": params, "seed": seed}, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def grid_points(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The cartesian product of the grid, crossed with the zip rows, in file order."""
    names = list(spec.grid)
    product = [dict(zip(names, values)) for values in itertools.product(*spec.grid.values())]
    rows = [dict(zip(spec.zip, values)) for values in zip(*spec.zip.values())] or [{}]
    return [{**point, **row} for point in product for row in rows]


def expand(spec: ExperimentSpec) -> list[RunSpec]:
    defaults = {name: info.default for name, info in spec.task.parameters().items()}
    runs, names = [], set()
    for point in grid_points(spec):
        for repetition, seed in enumerate(spec.seeds):
            params = {**defaults, **spec.params, **point}
            key = run_key(spec.task.ref, params, seed)
            name = run_name(point, repetition)
            if name in names:
                name = f"{name}__{key[:6]}"
            names.add(name)
            runs.append(RunSpec(len(runs), key, name, seed, repetition, params, point))
    return runs


def run_name(point: dict[str, Any], repetition: int) -> str:
    parts = [f"{name}={_format(value)}" for name, value in point.items()]
    return "__".join([*parts, f"rep{repetition}"])


def _format(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return re.sub(r"[^A-Za-z0-9_.+-]", "-", text)[:40]


def experiment_dir(training_data: Path, spec: ExperimentSpec) -> Path:
    return training_data / spec.folder / spec.name
