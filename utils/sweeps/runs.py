"""Expand an experiment into runs: identity (key), readable name, directory."""
from __future__ import annotations

import gc
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, overload

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
    canonical = json.dumps({"task": task, "params": canonical_value(params), "seed": seed}, **_KEY_JSON)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def grid_points(spec: ExperimentSpec, as_written: bool = False) -> list[dict[str, Any]]:
    """The cartesian product of the grid, crossed with the zip rows, in file order; `as_written` gives
    the values as the file wrote them (before type conversion), which name the runs."""
    grid, zipped = (_written(spec, "grid"), _written(spec, "zip")) if as_written else (spec.grid, spec.zip)
    names = list(grid)
    product = [dict(zip(names, values)) for values in itertools.product(*grid.values())]
    rows = [dict(zip(zipped, values)) for values in zip(*zipped.values())] or [{}]
    return [{**point, **row} for point in product for row in rows]


def expand(spec: ExperimentSpec) -> SweepRuns:
    """Every run of a grid sweep: each grid point (crossed with the zip rows), each repetition."""
    return _expand(spec, {}, None, 0)


def trial_runs(spec: ExperimentSpec, trial: int, values: dict[str, Any], first_index: int = 0) -> list[RunSpec]:
    """The runs of one search trial: its sampled `values` at every grid point, each repetition;
    named trial<number>__<grid point>__rep<k>."""
    return list(_expand(spec, values, trial, first_index))


class SweepRuns(Sequence[RunSpec]):
    """The runs of a grid sweep (or of one trial), in file order: every run's key and name are made at
    once, each RunSpec when asked for. A million runs cost their keys and names, not a million
    parameter dicts, and a reader of states (status, plan) never builds one."""

    def __init__(self, keys: list[str], names: list[str], cells: list[list[list[tuple]]], seeds: list[int],
                 base: dict[str, Any], trial: int | None, first_index: int):
        self.keys, self.names = keys, names
        self._cells, self._seeds, self._base, self._trial, self._first = cells, seeds, base, trial, first_index

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> RunSpec: ...

    @overload
    def __getitem__(self, i: slice) -> list[RunSpec]: ...

    def __getitem__(self, i: int | slice) -> RunSpec | list[RunSpec]:
        if isinstance(i, slice):
            return [self._run(j) for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(f"run {i} of a sweep of {len(self)}")
        return self._run(i % len(self))

    def __iter__(self) -> Iterator[RunSpec]:
        index = self._first
        for point in itertools.product(*self._cells):
            varying = {name: value for cell in point for _, name, value, *_ in cell}
            for repetition, seed in enumerate(self._seeds):
                yield RunSpec(index, self.keys[index - self._first], self.names[index - self._first], seed,
                              repetition, self._base, varying, self._trial)
                index += 1

    def _run(self, i: int) -> RunSpec:
        point, repetition = divmod(i, len(self._seeds))
        at = []
        for axis in reversed(self._cells):
            point, position = divmod(point, len(axis))
            at.append(axis[position])
        varying = {name: value for cell in reversed(at) for _, name, value, *_ in cell}
        return RunSpec(self._first + i, self.keys[i], self.names[i], self._seeds[repetition], repetition,
                       self._base, varying, self._trial)


def run_keys(runs: Sequence[RunSpec]) -> list[str]:
    """The runs' keys, in order, without building a run of a SweepRuns."""
    return runs.keys if isinstance(runs, SweepRuns) else [run.key for run in runs]


def run_names(runs: Sequence[RunSpec]) -> list[str]:
    """The runs' names, in order, without building a run of a SweepRuns."""
    return runs.names if isinstance(runs, SweepRuns) else [run.name for run in runs]


def _expand(spec: ExperimentSpec, values: dict[str, Any], trial: int | None, first_index: int) -> SweepRuns:
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


def _expanded(spec: ExperimentSpec, values: dict[str, Any], trial: int | None, first_index: int) -> SweepRuns:
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
    cells = [[_cell(entry, slot) for entry in axis] for axis in axes]
    seeds = list(spec.seeds)
    endings = [(f',"seed":{seed},"task":{task}}}', f"rep{repetition}", repetition)
               for repetition, seed in enumerate(seeds)]
    last_axis = cells[-1] if cells else [[]]             # the last axis varies fastest, as in the file
    slots = sorted(position for position, *_ in last_axis[0])
    inner = [(tuple(part for _, _, _, part, _, _ in sorted(cell)), "__".join(text for *_, text, _ in cell),
              any(lost for *_, lost in cell), cell) for cell in last_axis]
    keys: list[str] = []
    names: list[str] = []
    sha256 = hashlib.sha256
    for outer in itertools.product(*cells[:-1]):
        parts, label, outer_lossy = _fill(list(template), [], False, outer)
        pieces = [part.replace("%", "%%") for part in parts]
        for position in slots:
            pieces[position] = "%s"
        params_format = '{"params":{' + ",".join(pieces) + "}"      # the last axis's parts left open
        outer_stem = "".join(text + "__" for text in label)
        for cell_parts, cell_text, lossy, last in inner:
            params_json = params_format % cell_parts
            stem = outer_stem + cell_text + "__" if cell_text else outer_stem
            if lossy or outer_lossy:    # two points whose readable forms agree must not share a name
                stem += _point_hash((*outer, last)) + "__"
            for ending, rep, repetition in endings:
                keys.append(sha256((params_json + ending).encode()).hexdigest()[:12])
                name = stem + rep
                names.append(prefix + (name if len(name) <= MAX_RUN_NAME else _name(name, repetition)))
    return SweepRuns(keys, names, cells, seeds, base, trial, first_index)


def _fill(parts: list[str], label: list[str], lossy: bool,
          cells: tuple[list[tuple], ...]) -> tuple[list[str], list[str], bool]:
    """Add the cells' key parts and readable parts to those given."""
    for cell in cells:
        for position, _, _, part, text, lost in cell:
            parts[position] = part
            label.append(text)
            lossy = lossy or lost
    return parts, label, lossy


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
    return f"{json.dumps(name)}:{json.dumps(canonical_value(value), **_KEY_JSON)}"


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


def canonical_value(value: Any) -> Any:
    """A value as a run key compares it: numbers by value (1.0 is 1), lists and mappings element by element."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return [canonical_value(v) for v in value]
    if isinstance(value, dict):
        return {k: canonical_value(v) for k, v in value.items()}
    return value


def _format(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return re.sub(r"[^A-Za-z0-9_.+-]", "-", text)[:40]


def experiment_dir(training_data: Path, spec: ExperimentSpec) -> Path:
    return training_data / spec.folder / spec.name
