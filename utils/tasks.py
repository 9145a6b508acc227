"""Find a task (built-in, a Python file, or a module) and read its parameter schema."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.registry import BUILTIN_TASKS
from utils.errors import did_you_mean
from utils.yaml_source import Source

TaskFunction = Callable[[Any, Any], dict]
TASK_FORMS = "a built-in task (see `neuro tasks`), 'path/to/file.py:function' or 'package.module:function'"


@dataclass(frozen=True)
class ParamInfo:
    name: str
    annotation: Any
    default: Any
    help: str


@dataclass
class Task:
    """A resolved task: its reference as written, parameter schema and (lazily) its function."""

    ref: str
    family: str
    description: str
    params_class: type | None               # a dataclass, or None when the task takes a plain dict
    metric: tuple[str, str] | None          # (name, mode) the task reports as its headline
    load_function: Callable[[], TaskFunction]
    load_check: Callable[[], Callable[[Any, Path], None] | None] = lambda: None
    load_plots: Callable[[], Callable[..., list[Path]] | None] = lambda: None

    def parameters(self) -> dict[str, ParamInfo]:
        if self.params_class is None:
            return {}
        hints = typing.get_type_hints(self.params_class)
        return {f.name: ParamInfo(f.name, hints.get(f.name, Any), _default(f), f.metadata.get("help", ""))
                for f in dataclasses.fields(self.params_class)}

    def make_params(self, values: dict[str, Any]) -> Any:
        """The object handed to the task function: its dataclass, or the dict itself."""
        return self.params_class(**values) if self.params_class else dict(values)


def resolve_task(ref: Any, source: Source, base_dirs: Sequence[Path]) -> Task:
    """The task that `ref` names; errors name the `task` key of `source`."""
    if not isinstance(ref, str) or not ref.strip():
        raise source.error("task", f"expected {TASK_FORMS}, got {ref!r}", "set task: to one of those")
    if ref in BUILTIN_TASKS:
        return _builtin(ref)
    if ":" not in ref:
        hint = did_you_mean(ref, BUILTIN_TASKS)
        raise source.error("task", f"unknown task '{ref}'{hint}", f"use {TASK_FORMS}")
    location, function_name = ref.rsplit(":", 1)
    if location.endswith(".py") or "/" in location:
        module = _import_file(location, source, base_dirs)
    else:
        module = _import_module(location, source)
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
        raise source.error("task", f"'{location}' has no function '{function_name}'{did_you_mean(function_name, names)}",
                           "name a function defined in that file or module")
    family = Path(location).parent.name if location.endswith(".py") else location.rsplit(".", 1)[0].rsplit(".", 1)[-1]
    return Task(ref=ref, family=family or "experiments", description=(function.__doc__ or "").strip().split("\n")[0],
                params_class=_params_class(function), metric=None, load_function=lambda: function)


def builtin_tasks() -> list[Task]:
    return [_builtin(name) for name in BUILTIN_TASKS]


def _builtin(name: str) -> Task:
    entry = BUILTIN_TASKS[name]
    return Task(ref=name, family=name, description=entry.description, params_class=_load_attr(entry.params),
                metric=(entry.metric, entry.mode), load_function=lambda: _load_attr(entry.train),
                load_check=lambda: _load_attr(entry.check) if entry.check else None,
                load_plots=lambda: _load_attr(entry.plots) if entry.plots else None)


def _load_attr(target: str) -> Any:
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def _params_class(function: Callable) -> type | None:
    """The dataclass annotating the function's first parameter, if any."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        return None
    params = list(inspect.signature(function).parameters)
    annotation = hints.get(params[0]) if params else None
    return annotation if dataclasses.is_dataclass(annotation) else None


def _import_file(location: str, source: Source, base_dirs: Sequence[Path]):
    candidates = [Path(location)] if Path(location).is_absolute() else [d / location for d in base_dirs]
    path = next((p.resolve() for p in candidates if p.is_file()), None)
    if path is None:
        looked = ", ".join(str(d) for d in base_dirs)
        raise source.error("task", f"task file '{location}' not found (looked in {looked})",
                           "give a path relative to the current directory or to the experiment file")
    name = "neuro_task_" + hashlib.sha1(str(path).encode()).hexdigest()[:10]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise source.error("task", f"importing '{location}' failed: {type(err).__name__}: {err}",
                           "fix that file (--debug shows the traceback)") from err
    return module


def _import_module(location: str, source: Source):
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as err:
        raise source.error("task", f"no module named '{err.name}'",
                           "check the module path, or install the package into this environment") from err
    except Exception as err:
        raise source.error("task", f"importing '{location}' failed: {type(err).__name__}: {err}",
                           "fix that module (--debug shows the traceback)") from err


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING
