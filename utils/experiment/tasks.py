"""Find a task (built-in, a Python file, or a module) and read its parameter schema.

A task file is looked up next to the experiment file first, then in the current directory; a path that
names two different files is an error. The task's identity (part of every run key) is the file's
path in the workspace (its absolute path when it lies outside): the same project gives the same keys
wherever it sits (a laptop, a cluster's login node), while two projects with the same `task:
task.py:train` never share runs.

Reading a sweep's state (`neuro status`, `results`, `ls`) must not import the user's code: a broken or
slow import would hide finished results. Whenever a task is imported its defaults are written to a
task card (`training_data/.tasks/`), and readers take them from there.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import json
import re
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuro.utils.atomic import read_json, write_json
from neuro.utils.errors import did_you_mean
from neuro.utils.experiment.builtins import builtin_tasks
from neuro.utils.experiment.yaml_source import Source
from neuro.utils.layout import OUTSIDE
from neuro.utils.sweeps.workspace import Workspace

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
    """A resolved task: its reference as written, identity, parameter schema and (lazily) its function."""

    ref: str
    kind: str                               # "builtin", "file" or "module"
    identity: str                           # what run keys name: built-in name, file:function, module:function
    family: str                             # the default folder
    description: str
    params_class: type | None               # a dataclass, or None (a plain dict, or not imported)
    metric: tuple[str, str] | None          # (name, mode) the task reports as its headline
    load_function: Callable[[], TaskFunction]
    metrics: tuple[str, ...] | None = None  # every metric the task declares it reports; None: not declared
    file: Path | None = None                # the task's source file (its repository is the git record)
    card_defaults: dict[str, Any] | None = None   # defaults from the task card, when not imported
    stale_card: bool = False                # the task file changed since its card was written
    load_check: Callable[[], Callable[[Any, Path], None] | None] = lambda: None
    load_plots: Callable[[], Callable[..., list[Path]] | None] = lambda: None
    former_identity: str | None = None      # a file in the workspace: its identity by absolute path, as keyed before

    def parameters(self) -> dict[str, ParamInfo]:
        if self.params_class is None:
            return {}
        hints = typing.get_type_hints(self.params_class, include_extras=True)
        return {f.name: ParamInfo(f.name, hints.get(f.name, Any), _default(f), f.metadata.get("help", ""))
                for f in dataclasses.fields(self.params_class)}

    def defaults(self) -> dict[str, Any]:
        """Each parameter's default (required ones left out)."""
        if self.card_defaults is not None:
            return dict(self.card_defaults)
        return {name: p.default for name, p in self.parameters().items() if p.default is not dataclasses.MISSING}

    def make_params(self, values: dict[str, Any]) -> Any:
        """The object handed to the task function: its dataclass, or the dict itself."""
        return self.params_class(**values) if self.params_class else dict(values)


@dataclass(frozen=True)
class Pinned:
    """A task file fixed by a frozen sweep: the file, the copy to import (a code snapshot), and the
    identity it had when frozen (None in sweeps frozen before identities were paths in the workspace)."""

    file: Path
    code: Path
    identity: str | None = None


def resolve_task(ref: Any, source: Source, base_dirs: Sequence[Path], cards: Path | None = None,
                 import_code: bool = True, pinned: Pinned | None = None) -> Task:
    """The task that `ref` names; errors name the `task` key of `source`. Without `import_code`, a
    file or module task is described from its card in `cards` (imported only when it has none; the
    caller records cards with write_card)."""
    if not isinstance(ref, str) or not ref.strip():
        raise source.error("task", f"expected {TASK_FORMS}, got {ref!r}", "set task: to one of those")
    if ref in builtin_tasks():
        return _builtin(ref)
    if ":" not in ref:
        hint = did_you_mean(ref, builtin_tasks())
        raise source.error("task", f"unknown task '{ref}'{hint}", f"use {TASK_FORMS}")
    location, function_name = ref.rsplit(":", 1)
    is_file = location.endswith(".py") or "/" in location
    if is_file and not location.endswith(".py"):
        raise source.error("task", f"'{location}' is not a Python file", "name a .py file: path/to/file.py:function")
    path = pinned.file if pinned else locate_file(location, source, base_dirs) if is_file else None
    kind = "file" if path else "module"
    if path is None:
        identity = ref
    elif pinned:       # as when it was frozen (by absolute path in sweeps frozen before identities were relative)
        identity = pinned.identity or f"{path}:{function_name}"
    else:
        identity = file_identity(path, function_name)
    former = f"{path}:{function_name}" if path and identity != f"{path}:{function_name}" else None
    family = folder_name(path.parent.name if path else location.rsplit(".", 1)[0].rsplit(".", 1)[-1])
    if not import_code and cards is not None and (card := read_card(cards, identity)) is not None:
        stale = path is not None and card.get("file_sha") != _file_sha(path)
        return Task(ref=ref, kind=kind, identity=identity, family=family, description=card.get("description", ""),
                    params_class=None, metric=None, load_function=_not_imported, file=path,
                    card_defaults=card["defaults"], stale_card=stale, former_identity=former)
    module = (_import_file(pinned.code if pinned else path, location, source, base_dirs[-1]) if path
              else _import_module(location, source, base_dirs[-1]))
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
        raise source.error("task", f"'{location}' has no function '{function_name}'{did_you_mean(function_name, names)}",
                           "name a function defined in that file or module")
    if (problem := _not_a_task(function)) is not None:
        raise source.error("task", f"'{ref}' is not a task: {problem}",
                           "name a function defined as def train(params, ctx) -> dict")
    return Task(ref=ref, kind=kind, identity=identity, family=family,
                description=(function.__doc__ or "").strip().split("\n")[0], params_class=_params_class(function),
                metric=None, load_function=lambda: function, file=path or _module_file(module), former_identity=former)


def _not_a_task(function: Callable) -> str | None:
    """Why `function` cannot be called as task(params, ctx), or None when it can."""
    if inspect.isbuiltin(function) or inspect.isclass(function):
        return f"{getattr(function, '__name__', function)} is a built-in function or a class"
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return "its signature cannot be read"
    try:
        signature.bind(None, None)
    except TypeError:
        return f"it takes {signature}, not (params, ctx)"
    return None


def file_identity(path: Path, function_name: str) -> str:
    """A task file's identity: its path relative to the workspace, or absolute when it lies outside (a
    file sent to a remote from outside the project keeps the absolute path it has where it came from)."""
    try:
        where = path.relative_to(Workspace.current().root).as_posix()
    except ValueError:
        return f"{path}:{function_name}"
    if where.startswith(f"{OUTSIDE}/"):
        where = where[len(OUTSIDE):]
    return f"{where}:{function_name}"


def locate_file(location: str, source: Source, base_dirs: Sequence[Path]) -> Path:
    """The one file `location` names: absolute, or relative to the experiment file's folder or the
    current directory (in that order); two different files is an ambiguity, not a choice."""
    candidates = [Path(location)] if Path(location).is_absolute() else [d / location for d in base_dirs]
    found = list(dict.fromkeys(p.resolve() for p in candidates if p.is_file()))
    if not found:
        looked = ", ".join(str(d) for d in base_dirs)
        raise source.error("task", f"task file '{location}' not found (looked in {looked})",
                           "give a path relative to the experiment file or to the current directory")
    if len(found) > 1:
        raise source.error("task", f"'{location}' names two files: {found[0]} and {found[1]}",
                           "write a path that names one of them, e.g. the absolute path")
    return found[0]


def folder_name(text: str) -> str:
    """A default experiment folder from a directory's name: lowercase letters, digits, '_' and '-'."""
    return re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_")[:100] or "experiments"


def builtin_task_list() -> list[Task]:
    return [_builtin(name) for name in builtin_tasks()]


def _builtin(name: str) -> Task:
    entry = builtin_tasks()[name]
    return Task(ref=name, kind="builtin", identity=name, family=name, description=entry.description,
                params_class=_load_attr(entry.params), metric=(entry.metric, entry.mode), metrics=entry.metrics,
                load_function=lambda: _load_attr(entry.train),
                load_check=lambda: _load_attr(entry.check) if entry.check else None,
                load_plots=lambda: _load_attr(entry.plots) if entry.plots else None)


def card_path(cards: Path, identity: str) -> Path:
    return cards / f"{hashlib.sha256(identity.encode()).hexdigest()[:16]}.json"


def read_card(cards: Path, identity: str) -> dict | None:
    card = read_json(card_path(cards, identity))
    return card if isinstance(card, dict) and card.get("identity") == identity else None


def write_card(cards: Path, task: Task) -> None:
    """Record what readers need without importing the task: its defaults (written only when changed)."""
    card = {"identity": task.identity, "description": task.description,
            "defaults": json.loads(json.dumps(task.defaults(), default=str)),
            "file_sha": _file_sha(task.file) if task.file else None}
    if read_json(card_path(cards, task.identity)) != card:
        write_json(card_path(cards, task.identity), card)


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def _not_imported() -> TaskFunction:
    raise RuntimeError("the task was described from its card and not imported")


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
    return annotation if isinstance(annotation, type) and dataclasses.is_dataclass(annotation) else None


def _import_file(path: Path, location: str, source: Source, directory: Path):
    """Import a task file as a module of its own. Its folder goes on sys.path, and after it `directory`
    (the current directory when the experiment was read), so that the task imports the modules next to
    it and the project's own packages, as `python -m` from the project would."""
    name = "neuro_task_" + hashlib.sha1(str(path).encode()).hexdigest()[:10] + f"_{_file_sha(path)}"
    if name in sys.modules:
        return sys.modules[name]
    _first_on_path(path.parent, directory)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None    # a .py file always has both
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise source.error("task", f"importing '{location}' failed: {type(err).__name__}: {err}",
                           "fix that file (--debug shows the traceback)") from err
    return module


def _import_module(location: str, source: Source, directory: Path):
    """Import `package.module` as `python -m` would from `directory` (the current directory when the
    experiment was read): the project's own packages first, so that a lab's `utils` or `experiments`
    is its own (neuro's code is `neuro.*` and never in the way)."""
    _first_on_path(directory)
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as err:
        raise source.error("task", f"no module named '{err.name}'",
                           "check the module path, or install the package into this environment") from err
    except Exception as err:
        raise source.error("task", f"importing '{location}' failed: {type(err).__name__}: {err}",
                           "fix that module (--debug shows the traceback)") from err


def _first_on_path(*folders: Path) -> None:
    """Put `folders` at the front of sys.path, in this order (those already on it stay where they are)."""
    for folder in reversed(folders):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def _module_file(module: Any) -> Path | None:
    return Path(module.__file__).resolve() if getattr(module, "__file__", None) else None


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING
