"""Expand an experiment into runs: identity (key), readable name, directory."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuro.utils.experiment.spec import ExperimentSpec


@dataclass(frozen=True)
class RunSpec:
    """One run: a task with fully resolved parameters and a seed."""

    index: int                     # position in the sweep (array task index)
    key: str                       # short hash of (task, params, seed): the run's identity
    name: str                      # readable: the swept values and the repetition
    seed: int
    repetition: int
    params: dict[str, Any]         # every parameter, defaults included
    varying: dict[str, Any]        # the grid/zip values of this run (and a search trial's values)
    trial: int | None = None       # the search trial this run is one of


MAX_RUN_NAME = 120     # characters; longer names keep their start and end and gain a hash of the whole


def run_key(task: str, params: dict[str, Any], seed: int) -> str:
    """The run's identity: the task (its resolved identity), every parameter and the seed. Numbers are
    compared by value (1 and 1.0 are one run), so the key does not depend on how a value was written."""
    canonical = json.dumps({"task": task, "params": _canonical(params), "seed": seed}, sort_keys=True,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def grid_points(spec: ExperimentSpec, as_written: bool = False) -> list[dict[str, Any]]:
    """The cartesian product of the grid, crossed with the zip rows, in file order; `as_written` gives
    the values as the file wrote them (before type conversion), which name the runs."""
    grid, zipped = (_written(spec, "grid"), _written(spec, "zip")) if as_written else (spec.grid, spec.zip)
    names = list(grid)
    product = [dict(zip(names, values)) for values in itertools.product(*grid.values())]
    rows = [dict(zip(zipped, values)) for values in zip(*zipped.values())] or [{}]
    return [{**point, **row} for point in product for row in rows]


def expand(spec: ExperimentSpec) -> list[RunSpec]:
    defaults = spec.task.defaults()
    runs: list[RunSpec] = []
    names: set[str] = set()
    for point, written in zip(grid_points(spec), grid_points(spec, as_written=True)):
        for repetition, seed in enumerate(spec.seeds):
            params = {**defaults, **spec.params, **point}
            key = run_key(spec.task.identity, params, seed)
            name = run_name(written, repetition)
            if name in names:
                name = f"{name}__{key[:6]}"
            names.add(name)
            runs.append(RunSpec(len(runs), key, name, seed, repetition, params, point))
    return runs


def trial_runs(spec: ExperimentSpec, trial: int, values: dict[str, Any], first_index: int = 0) -> list[RunSpec]:
    """The runs of one search trial: its sampled `values` at every grid point, each repetition;
    named trial<number>__<grid point>__rep<k>."""
    defaults = spec.task.defaults()
    runs: list[RunSpec] = []
    for point, written in zip(grid_points(spec), grid_points(spec, as_written=True)):
        for repetition, seed in enumerate(spec.seeds):
            params = {**defaults, **spec.params, **values, **point}
            name = f"trial{trial:04d}__{run_name(written, repetition)}"
            runs.append(RunSpec(first_index + len(runs), run_key(spec.task.identity, params, seed), name, seed,
                                repetition, params, {**values, **point}, trial))
    return runs


def runs_per_trial(spec: ExperimentSpec) -> int:
    """How many runs one search trial is: every grid point, each repetition."""
    return len(grid_points(spec)) * len(spec.seeds)


def run_name(point: dict[str, Any], repetition: int) -> str:
    """`name=value__..__rep<k>`; too long for a file name, it keeps its start and end around a hash."""
    parts = [f"{name}={_format(value)}" for name, value in point.items()]
    name = "__".join([*parts, f"rep{repetition}"])
    if len(name) <= MAX_RUN_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    tail = f"rep{repetition}"
    return f"{name[:MAX_RUN_NAME - len(tail) - 14]}__{digest}__{tail}"


def _written(spec: ExperimentSpec, section: str) -> dict[str, list]:
    written = spec.raw.get(section) or {}
    return {name: written[name] for name in getattr(spec, section)}


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _format(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return re.sub(r"[^A-Za-z0-9_.+-]", "-", text)[:40]


def experiment_dir(training_data: Path, spec: ExperimentSpec) -> Path:
    return training_data / spec.folder / spec.name
