"""The experiment file: load, apply --set overrides, validate everything before anything runs."""
from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuro.utils.backends.registry import EXECUTORS
from neuro.utils.backends.registry import SECTIONS as EXECUTOR_SECTIONS
from neuro.utils.errors import SpecError, did_you_mean
from neuro.utils.experiment.param_types import TypeMismatch, coerce, describe
from neuro.utils.experiment.sections import Metric, Outputs, Resources
from neuro.utils.experiment.tasks import Pinned, Task, resolve_task
from neuro.utils.experiment.yaml_source import Source, load_yaml, parse_value
from neuro.utils.layout import quickstart
from neuro.utils.search.space import SearchSpec, parse_search

NAME_PATTERN = re.compile(r"^[a-z0-9_-]+$")
MAX_SEED = 2**32 - 1             # numpy's legacy seed, and so every library's, takes 0 .. 2**32 - 1
DEFAULT_MAX_RUNS = 100_000      # a sweep larger than this is refused unless max_runs raises the limit
MAX_NAME = 100                   # characters of an experiment's name or of a folder level (filesystems allow 255)
SECTIONS = {"metric": Metric, "resources": Resources, "outputs": Outputs, **EXECUTOR_SECTIONS}
TOP_KEYS = ("name", "folder", "task", "description", "repetitions", "seeds", "params", "grid", "zip",
            "search", "metric", "backend", "max_runs", *[k for k in SECTIONS if k != "metric"])


@dataclass
class ExperimentSpec:
    """A validated experiment file."""

    name: str
    folder: str
    task: Task
    description: str
    seeds: Sequence[int]           # the seeds, one per repetition (a range for repetitions: N)
    params: dict[str, Any]
    grid: dict[str, list]
    zip: dict[str, list]
    metric: Metric
    backend: str
    resources: Resources
    outputs: Outputs             # how often runs write checkpoints and metrics, how large their logs grow
    sections: dict[str, Any]     # each executor's section (local, slurm, qsub) -> its options
    search: SearchSpec | None    # a search over parameters (each trial a set of runs), or None: the grid alone
    raw: dict                    # the file's content after --set, as validated (for freezing)
    source: Source
    base_dirs: list[Path]        # where relative task files are looked up

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}"

    def options(self, section: str) -> Any:
        """An executor's options: the file's `section:` (e.g. slurm), defaults filled in."""
        return self.sections[section]

    def frozen(self, task_code: Path | None = None) -> dict:
        """Everything needed to rebuild this spec elsewhere (a worker, a cluster node): a task file is
        pinned (imported from `task_code`, a snapshot's copy, when given)."""
        frozen = {"raw": self.raw, "source": self.source.name, "base_dirs": [str(d) for d in self.base_dirs],
                  "checked": {"params": self.params, "grid": self.grid, "zip": self.zip,
                              "search": self.search.as_dict() if self.search else None,
                              "sections": {key: dataclasses.asdict(value) for key, value in
                                           {"metric": self.metric, "resources": self.resources, "outputs": self.outputs,
                                            **self.sections}.items()}}}
        if self.task.kind == "file":
            frozen["task_file"] = str(self.task.file)
            frozen["task_code"] = str(task_code or self.task.file)
            frozen["task_identity"] = self.task.identity
        return frozen


def load_spec(path: str | Path, overrides: typing.Sequence[str] = (), cards: Path | None = None,
              import_code: bool = True) -> ExperimentSpec:
    """Read, override and validate an experiment file. Task files are looked up next to it first, then
    in the current directory. Without `import_code`, the task's code is not imported (see neuro.utils.experiment.tasks)."""
    path = Path(path)
    raw, source = load_yaml(path)
    raw = apply_overrides(raw, overrides, source)
    return parse_spec(raw, source, [path.resolve().parent, Path.cwd()], cards, import_code)


def spec_from_frozen(frozen: dict) -> ExperimentSpec:
    pinned = (Pinned(Path(frozen["task_file"]), Path(frozen["task_code"]), frozen.get("task_identity"))
              if "task_file" in frozen else None)
    return parse_spec(frozen["raw"], Source(frozen["source"]), [Path(d) for d in frozen["base_dirs"]],
                      pinned=pinned, checked=frozen.get("checked"))


def apply_overrides(raw: Any, overrides: typing.Sequence[str], source: Source) -> Any:
    """Apply `--set a.b=value` flags (values are YAML) to a copy of the file's data."""
    if raw is None and not overrides:
        return None
    raw = copy.deepcopy(raw) if raw is not None else {}
    for flag in overrides:
        key, sep, text = flag.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SpecError("--set", flag, "expected key=value", "write e.g. --set params.lr=0.01")
        value = parse_value(text, f"--set {flag}")
        target = raw if isinstance(raw, dict) else {}
        *parents, last = key.split(".")
        for part in parents:
            if not isinstance(target.get(part, {}), dict):
                raise SpecError("--set", key, f"'{part}' is not a mapping", "set the whole value instead")
            target = target.setdefault(part, {})
        target[last] = value
        source.overrides[key] = f"--set {flag}"
    return raw


def parse_spec(raw: Any, source: Source, base_dirs: list[Path], cards: Path | None = None, import_code: bool = True,
               pinned: Pinned | None = None, checked: dict | None = None) -> ExperimentSpec:
    """Validate plain data from an experiment file; every problem is a SpecError. A frozen spec brings
    its `checked` values (parameters and sections), which are not checked again."""
    if not isinstance(raw, dict):
        raise source.error("", "the file is empty or not a mapping" if raw is None else
                           f"expected a mapping of keys, got {type(raw).__name__}",
                           f"start from {quickstart()} (`neuro configs` lists every shipped one)")
    for key in raw:
        if key not in TOP_KEYS:
            raise source.error(str(key), f"unknown key{did_you_mean(str(key), TOP_KEYS)}",
                               f"valid keys: {', '.join(TOP_KEYS)}")
    _json_only(raw, source)
    if "task" not in raw:
        raise source.error("task", "missing", "add task: with a built-in task (see `neuro tasks`) or file.py:function")
    task = resolve_task(raw["task"], source, base_dirs, cards, import_code, pinned)
    name = _identifier(raw.get("name"), "name", source, required=True)
    folder = raw.get("folder", task.family)
    if not isinstance(folder, str) or not all(NAME_PATTERN.match(p) and len(p) <= MAX_NAME for p in folder.split("/")):
        raise source.error("folder", f"invalid folder {folder!r}",
                           f"use lowercase letters, digits, '_' and '-' (at most {MAX_NAME} a level), with '/' "
                           "between levels")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise source.error("description", "expected text", "quote the description")
    seeds = _seeds(raw, source)
    if checked:
        params, grid, zipped = checked["params"], checked["grid"], checked["zip"]
        search = SearchSpec.from_dict(checked["search"]) if checked.get("search") else None
        sections = {key: cls(**checked["sections"].get(key, {})) for key, cls in SECTIONS.items()}
    else:
        params = _params(raw.get("params", {}), task, source)
        grid = _varying(raw.get("grid", {}), "grid", task, source)
        zipped = _varying(raw.get("zip", {}), "zip", task, source)
        _check_overlaps(params, grid, zipped, source)
        search = _search(raw.get("search"), task, source, params, grid, zipped)
        _check_required(task, {**params, **grid, **zipped, **(search.space if search else {})}, source)
        _check_zip_rows(zipped, source)
        _check_size(raw, seeds, grid, zipped, search, source)
        sections = {key: _section(raw.get(key, {}), key, cls, source) for key, cls in SECTIONS.items()}
    metric = sections["metric"]
    if metric.name is None and task.metric:
        metric = Metric(task.metric[0], "min" if task.metric[1] == "min" else "max")
    if metric.name is not None and task.metrics is not None and metric.name not in task.metrics:
        raise source.error("metric.name", f"task {task.ref} does not report '{metric.name}'"
                           f"{did_you_mean(metric.name, task.metrics)}", f"use one of: {', '.join(task.metrics)}")
    if search is not None and metric.name is None:
        raise source.error("metric.name", "a search needs an objective", "add metric: {name: <a metric the task "
                           "reports>, mode: max}")
    backend = raw.get("backend", "local")
    if backend not in EXECUTORS:
        raise source.error("backend", f"unknown backend {backend!r}{did_you_mean(str(backend), EXECUTORS)}",
                           f"use one of: {', '.join(EXECUTORS)}")
    return ExperimentSpec(name=name, folder=folder, task=task, description=description, seeds=seeds,
                          params=params, grid=grid, zip=zipped, metric=metric, backend=backend,
                          resources=sections["resources"], outputs=sections["outputs"],
                          sections={key: sections[key] for key in EXECUTOR_SECTIONS},
                          search=search, raw=raw, source=source, base_dirs=base_dirs)


def _identifier(value: Any, key: str, source: Source, required: bool) -> str:
    if value is None and required:
        raise source.error(key, "missing", f"add {key}: using lowercase letters, digits, '_' and '-'")
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise source.error(key, f"invalid {key} {value!r} (no '/', '..', spaces or capitals)",
                           "use lowercase letters, digits, '_' and '-' only")
    if len(value) > MAX_NAME:
        raise source.error(key, f"{len(value)} characters long", f"use at most {MAX_NAME}")
    return value


def _seeds(raw: dict, source: Source) -> Sequence[int]:
    if "seeds" in raw and "repetitions" in raw:
        raise source.error("seeds", "both seeds and repetitions given", "keep one of them")
    if "seeds" in raw:
        seeds = raw["seeds"]
        if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and 0 <= s <= MAX_SEED for s in seeds):
            raise source.error("seeds", f"expected a non-empty list of integers from 0 to {MAX_SEED} (2**32 - 1, "
                               f"what every library's seed takes), got {_short(seeds)}", "write e.g. seeds: [0, 1, 2]")
        if len(set(seeds)) != len(seeds):
            raise source.error("seeds", "duplicate seeds", "list each seed once")
        return [int(s) for s in seeds]
    repetitions = raw.get("repetitions", 1)
    if not _is_int(repetitions) or repetitions < 1:
        raise source.error("repetitions", f"expected an integer >= 1, got {_short(repetitions)}",
                           "write e.g. repetitions: 3 (seeds 0..2)")
    return range(int(repetitions))     # not a list: its size is checked against max_runs before anything is built


def _check_size(raw: dict, seeds: Sequence[int], grid: dict[str, list], zipped: dict[str, list],
                search: SearchSpec | None, source: Source) -> None:
    """Refuse a sweep of more runs than max_runs (the file's, or DEFAULT_MAX_RUNS) before it is expanded."""
    limit = raw.get("max_runs", DEFAULT_MAX_RUNS)
    if not _is_int(limit) or limit < 1:
        raise source.error("max_runs", f"expected an integer >= 1, got {_short(limit)}", "write e.g. max_runs: 200000")
    points = grid_size(grid, zipped)
    trials = search.trials if search else 1
    size = points * len(seeds) * trials
    if size <= limit:
        return
    parts = [f"{points:,} grid point{'s' * (points != 1)}", f"{len(seeds):,} repetition{'s' * (len(seeds) != 1)}"]
    if search:
        parts.append(f"{trials:,} trials")
    key = max([("grid", points), ("repetitions" if "repetitions" in raw else "seeds", len(seeds)),
               ("search.trials", trials)], key=lambda pair: pair[1])[0]
    raise source.error(key, f"the sweep is {size:,} runs ({' x '.join(parts)}), more than max_runs ({int(limit):,})",
                       "make it smaller, or raise the limit with max_runs: N in the file (or --max-runs N)")


def grid_size(grid: dict[str, list], zipped: dict[str, list]) -> int:
    """How many points a grid crossed with its zip rows has."""
    return math.prod(len(values) for values in grid.values()) * (len(next(iter(zipped.values()))) if zipped else 1)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _params(raw: Any, task: Task, source: Source) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise source.error("params", f"expected a mapping, got {type(raw).__name__}", "write params: {name: value}")
    schema = task.parameters()
    return {name: _checked(value, f"params.{name}", name, task, schema, source) for name, value in raw.items()}


def _varying(raw: Any, section: str, task: Task, source: Source) -> dict[str, list]:
    if not isinstance(raw, dict):
        raise source.error(section, f"expected a mapping of parameter lists, got {type(raw).__name__}",
                           f"write {section}: {{name: [value, ...]}}")
    schema = task.parameters()
    out = {}
    for name, values in raw.items():
        key = f"{section}.{name}"
        if not isinstance(values, list):
            raise source.error(key, f"expected a list of values, got {values!r}", f"write {name}: [{values!r}]"
                               " or move it to params")
        if not values:
            raise source.error(key, "empty list", "give at least one value, or remove the key")
        out[name] = [_checked(v, f"{key}[{i}]", name, task, schema, source) for i, v in enumerate(values)]
        if section == "grid" and len({json.dumps(v, sort_keys=True) for v in out[name]}) != len(values):
            raise source.error(key, "duplicate values", "list each value once")
    return out


def _checked(value: Any, key: str, name: str, task: Task, schema: dict, source: Source) -> Any:
    """The value as the task's parameter wants it; an untyped task's values need only be finite."""
    if task.params_class is not None and name not in schema:
        raise source.error(key, f"'{name}' is not a parameter of task {task.ref}{did_you_mean(name, schema)}",
                           "see `neuro tasks` for its parameters")
    annotation = schema[name].annotation if name in schema else Any
    try:
        return coerce(value, annotation)
    except TypeMismatch as err:
        raise source.error(key + err.where, str(err), f"give {describe(annotation)}" if annotation is not Any
                           else "give a finite number") from None


def _search(raw: Any, task: Task, source: Source, params: dict, grid: dict, zipped: dict) -> SearchSpec | None:
    """The `search:` section, each bound and choice checked as a value of its task parameter."""
    if raw is None:
        return None
    schema = task.parameters()
    taken = {**{n: "params" for n in params}, **{n: "grid" for n in grid}, **{n: "zip" for n in zipped}}
    return parse_search(raw, lambda value, key, name: _checked(value, key, name, task, schema, source),
                        source.error, taken)


def _check_overlaps(params: dict, grid: dict, zipped: dict, source: Source) -> None:
    for name in grid:
        if name in params:
            raise source.error(f"grid.{name}", "also set in params", "remove it from params or from grid")
        if name in zipped:
            raise source.error(f"zip.{name}", "also in grid", "remove it from zip or from grid")
    for name in zipped:
        if name in params:
            raise source.error(f"zip.{name}", "also set in params", "remove it from params or from zip")


def _check_required(task: Task, given: dict, source: Source) -> None:
    for param, info in task.parameters().items():
        if info.default is dataclasses.MISSING and param not in given:
            raise source.error(f"params.{param}", "required parameter not set", "add it to params or grid")


def _check_zip_rows(zipped: dict[str, list], source: Source) -> None:
    if len({len(v) for v in zipped.values()}) > 1:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in zipped.items())
        raise source.error("zip", f"lists of unequal length ({sizes})", "give every zip list the same length")
    rows = [json.dumps(row) for row in zip(*zipped.values())]
    if len(set(rows)) != len(rows):
        raise source.error("zip", "two zip rows are identical", "make every row (the i-th values together) differ")


def _section(raw: Any, key: str, cls: type, source: Source) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise source.error(key, f"expected a mapping, got {raw!r}", f"write {key}: {{...}}")
    hints = typing.get_type_hints(cls, include_extras=True)
    names = [f.name for f in dataclasses.fields(cls)]
    values = {}
    for name, value in raw.items():
        if name not in names:
            raise source.error(f"{key}.{name}", f"unknown key{did_you_mean(str(name), names)}",
                               f"valid keys: {', '.join(names)}")
        try:
            values[name] = coerce(value, hints[name])
        except TypeMismatch as err:
            raise source.error(f"{key}.{name}{err.where}", str(err), f"give {describe(hints[name])}") from None
    return cls(**values)


def _json_only(raw: Any, source: Source, key: str = "") -> None:
    """Reject YAML values that have no JSON form (dates, binary), so runs hash and freeze cleanly."""
    if isinstance(raw, dict):
        for k, v in raw.items():
            if not isinstance(k, str):
                raise source.error(f"{key}{k}", f"key {k!r} is not text", "quote the key")
            _json_only(v, source, f"{key}{k}.")
    elif isinstance(raw, list):
        for v in raw:
            _json_only(v, source, key)
    elif not isinstance(raw, (str, int, float, bool, type(None))):
        raise source.error(key.rstrip("."), f"unsupported value {raw!r} ({type(raw).__name__})", "quote it as text")


def _is_int(value: Any) -> bool:
    """An int, or a float that is a whole number (3.0, 1e3)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
