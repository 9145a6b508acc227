"""Expand an experiment into runs: identity (key), readable name, directory."""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any, NamedTuple

from neuro.utils.experiment.spec import ExperimentSpec, grid_size


class RunSpec(NamedTuple):
    """One run: a task with fully resolved parameters and a seed (a named tuple: a sweep may hold a
    million of them)."""

    index: int  # type: ignore[assignment]  # position in the sweep (array task index); shadows tuple.index
    key: str                       # short hash of (task, params, seed): the run's identity
    name: str                      # readable: the swept values and the repetition
    seed: int
    repetition: int
    base: dict[str, Any]           # the parameters every run of its sweep (or trial) shares: one dict for all
    varying: dict[str, Any]        # the grid/zip values of this run (and a search trial's values)
    trial: int | None = None       # the search trial this run is one of

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter, defaults included."""
        return {**self.base, **self.varying}


MAX_RUN_NAME = 120     # characters; longer names keep their start and end and gain a hash of the whole
_KEY_JSON: dict[str, Any] = {"sort_keys": True, "separators": (",", ":"), "default": str}


def run_key(task: str, params: dict[str, Any], seed: int) -> str:
    """The run's identity: the task (its resolved identity), every parameter and the seed. Numbers are
    compared by value (1 and 1.0 are one run), so the key does not depend on how a value was written."""
    canonical = json.dumps({"task": task, "params": _canonical(params), "seed": seed}, **_KEY_JSON)
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
    """Every run of a grid sweep: each grid point (crossed with the zip rows), each repetition."""
    return _expand(spec, {}, None, 0)


def trial_runs(spec: ExperimentSpec, trial: int, values: dict[str, Any], first_index: int = 0) -> list[RunSpec]:
    """The runs of one search trial: its sampled `values` at every grid point, each repetition;
    named trial<number>__<grid point>__rep<k>."""
    return _expand(spec, values, trial, first_index)


def _expand(spec: ExperimentSpec, values: dict[str, Any], trial: int | None, first_index: int) -> list[RunSpec]:
    """The runs at every grid point and repetition, with `values` (a trial's) fixed. Each value's part of
    the key's canonical JSON and of the name is made once, not once per run, and the cycle collector
    waits (nothing here makes a cycle): a million runs take seconds, and `run_key` of any run's
    parameters gives its key."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _expanded(spec, values, trial, first_index)
    finally:
        if collecting:
            gc.enable()


def _expanded(spec: ExperimentSpec, values: dict[str, Any], trial: int | None, first_index: int) -> list[RunSpec]:
    base = {**spec.task.defaults(), **spec.params, **values}
    axes = [[[(name, value, written)] for value, written in zip(spec.grid[name], _written(spec, "grid")[name])]
            for name in spec.grid]
    if spec.zip:     # one axis more, whose entries are the rows
        rows = zip(zip(*spec.zip.values()), zip(*_written(spec, "zip").values()))
        axes.append([list(zip(spec.zip, values, written)) for values, written in rows])
    order = sorted({*base, *spec.grid, *spec.zip})
    slot = {name: i for i, name in enumerate(order)}
    template = [_key_part(name, base[name]) if name in base else "" for name in order]
    task = json.dumps(spec.task.identity, **_KEY_JSON)
    prefix = f"trial{trial:04d}__" if trial is not None else ""
    cells = [[_cell(entry, slot) for entry in axis] for axis in axes] or [[[]]]
    runs: list[RunSpec] = []
    for outer in itertools.product(*cells[:-1]):          # the last axis varies fastest, as in the file
        outer_parts, outer_varying, outer_label, outer_lossy = _fill(list(template), {}, [], False, outer)
        for last in cells[-1]:
            combination = (*outer, last)
            parts, varying, label, lossy = _fill(list(outer_parts), dict(outer_varying), list(outer_label),
                                                 outer_lossy, (last,))
            if lossy:    # two points whose readable forms agree must not share a name
                label.append(_point_hash(combination))
            params_json = '{"params":{' + ",".join(parts) + '},"seed":'
            for repetition, seed in enumerate(spec.seeds):
                key = hashlib.sha256(f'{params_json}{seed},"task":{task}}}'.encode()).hexdigest()[:12]
                name = prefix + _name("__".join([*label, f"rep{repetition}"]), repetition)
                runs.append(RunSpec(first_index + len(runs), key, name, seed, repetition, base, varying, trial))
    return runs


def _fill(parts: list[str], varying: dict[str, Any], label: list[str], lossy: bool,
          cells: tuple[list[tuple], ...]) -> tuple[list[str], dict[str, Any], list[str], bool]:
    """Add the cells' key parts, values and readable parts to those given."""
    for cell in cells:
        for position, name, value, part, text, lost in cell:
            parts[position] = part
            varying[name] = value
            label.append(text)
            lossy = lossy or lost
    return parts, varying, label, lossy


def _cell(entry: list[tuple[str, Any, Any]], slot: dict[str, int]) -> list[tuple]:
    """One grid value (or zip row), each of its (parameter, value, value as written) made once: where its
    key part goes, the value, the key part, its readable `name=value`, and whether that readable form
    lost information (characters a file name cannot hold, or its length)."""
    out = []
    for name, value, written in entry:
        text = _format(written)
        exact = written if isinstance(written, str) else json.dumps(written)
        out.append((slot[name], name, value, _key_part(name, value), f"{name}={text}", text != exact))
    return out


def _point_hash(combination: tuple[list[tuple], ...]) -> str:
    """'h' and 6 hex digits naming a grid point by its readable parts and values (not its key, which
    changes with the fixed parameters while the point's folder stays)."""
    described = [[text, repr(value)] for cell in combination for _, _, value, _, text, _ in cell]
    return "h" + hashlib.sha256(json.dumps(described).encode()).hexdigest()[:6]


def _key_part(name: str, value: Any) -> str:
    return f"{json.dumps(name)}:{json.dumps(_canonical(value), **_KEY_JSON)}"


def runs_per_trial(spec: ExperimentSpec) -> int:
    """How many runs one search trial is: every grid point, each repetition."""
    return grid_size(spec.grid, spec.zip) * len(spec.seeds)


def _name(name: str, repetition: int) -> str:
    """The name as it is, or, too long for a file name, its start and end around a hash of the whole."""
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
