"""The `search:` section of an experiment file: method, budget, pruner and the space of parameters,
checked against the task's parameters (type and range) before anything runs."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("log_uniform", "uniform", "int", "choice")
METHODS = ("random", "tpe")
PRUNERS = ("median", "successive_halving")
KEYS = ("method", "trials", "parallel", "space", "pruner", "prune_on", "prune_warmup", "seed", "startup_trials")
EXAMPLE = "e.g. lr: {log_uniform: [1.0e-5, 1.0e-2]}"


@dataclass(frozen=True)
class Dimension:
    """One searched parameter: its kind (log_uniform, uniform, int, choice) and bounds or choices."""

    kind: str
    values: list


@dataclass(frozen=True)
class SearchSpec:
    trials: int                               # the budget: trials in the study, whatever their end
    space: dict[str, Dimension]
    method: str = "tpe"                       # random | tpe (Optuna's samplers, seeded)
    parallel: int = 1                         # trials in flight at once
    pruner: str | None = None                 # median | successive_halving: stop poor trials early
    prune_on: str | None = None               # the logged metric pruning watches (default: metric.name)
    prune_warmup: int = 0                     # steps (as logged) a trial always runs before it may be pruned
    seed: int = 0                             # the sampler's seed
    startup_trials: int = 10                  # tpe: random trials before the model takes over

    def as_dict(self) -> dict[str, Any]:
        return {"trials": self.trials, "method": self.method, "parallel": self.parallel, "pruner": self.pruner,
                "prune_on": self.prune_on, "prune_warmup": self.prune_warmup, "seed": self.seed,
                "startup_trials": self.startup_trials,
                "space": {name: {"kind": d.kind, "values": d.values} for name, d in self.space.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSpec:
        space = {name: Dimension(d["kind"], d["values"]) for name, d in data["space"].items()}
        return cls(**{**data, "space": space})


# `check(value, key, name)` returns the value as the task's parameter `name` wants it, or raises the
# spec's one-line error naming `key`; `error(key, problem, fix)` builds that error.
Check = Callable[[Any, str, str], Any]
Error = Callable[[str, str, str], Exception]


def parse_search(raw: Any, check: Check, error: Error, taken: dict[str, str]) -> SearchSpec:
    """Validate the `search:` mapping; `taken` names the parameters set elsewhere (name -> section)."""
    if not isinstance(raw, dict):
        raise error("search", f"expected a mapping, got {raw!r}", "write search: {method: tpe, trials: 40, space: {...}}")
    for key in raw:
        if key not in KEYS:
            raise error(f"search.{key}", "unknown key", f"valid keys: {', '.join(KEYS)}")
    method = raw.get("method", "tpe")
    if method not in METHODS:
        raise error("search.method", f"unknown method {method!r}", f"use one of: {', '.join(METHODS)}")
    trials = _count(raw, "trials", error, required=True)
    parallel = _count(raw, "parallel", error, default=1)
    seed = _count(raw, "seed", error, default=0, least=0)
    startup = _count(raw, "startup_trials", error, default=10, least=0)
    pruner = raw.get("pruner")
    if pruner is not None and pruner not in PRUNERS:
        raise error("search.pruner", f"unknown pruner {pruner!r}", f"use one of: {', '.join(PRUNERS)}, or leave it out")
    prune_on = raw.get("prune_on")
    if prune_on is not None and (not isinstance(prune_on, str) or not prune_on):
        raise error("search.prune_on", f"expected a metric's name, got {prune_on!r}", "name a metric the task logs")
    warmup = _count(raw, "prune_warmup", error, default=0, least=0)
    for key in ("prune_on", "prune_warmup"):
        if key in raw and pruner is None:
            raise error(f"search.{key}", "set without a pruner", "add pruner: median (or successive_halving)")
    space = raw.get("space")
    if not isinstance(space, dict) or not space:
        raise error("search.space", "missing or empty" if not space else f"expected a mapping, got {space!r}",
                    f"add the parameters to search, {EXAMPLE}")
    dimensions = {}
    for name, entry in space.items():
        key = f"search.space.{name}"
        if name in taken:
            raise error(key, f"also set in {taken[name]}", f"remove it from {taken[name]} or from search.space")
        dimensions[name] = _dimension(entry, key, name, check, error)
    return SearchSpec(trials=trials, space=dimensions, method=method, parallel=parallel, pruner=pruner,
                      prune_on=prune_on, prune_warmup=warmup, seed=seed, startup_trials=startup)


def _dimension(entry: Any, key: str, name: str, check: Check, error: Error) -> Dimension:
    if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in KINDS:
        raise error(key, f"expected one of {', '.join(KINDS)} with its values, got {entry!r}",
                    f"write {name}: {{uniform: [low, high]}} ({EXAMPLE})")
    kind, values = next(iter(entry.items()))
    key = f"{key}.{kind}"
    if kind == "choice":
        if not isinstance(values, list) or not values:
            raise error(key, f"expected a non-empty list of choices, got {values!r}", f"write {kind}: [a, b]")
        if not all(isinstance(v, (str, int, float, bool)) or v is None for v in values):
            raise error(key, "choices must be numbers, text, true/false or null", "give each choice as one value")
        if len({repr(v) for v in values}) != len(values):
            raise error(key, "duplicate choices", "list each choice once")
        return Dimension(kind, [check(v, f"{key}[{i}]", name) for i, v in enumerate(values)])
    number = int if kind == "int" else (int, float)
    if not (isinstance(values, list) and len(values) == 2
            and all(isinstance(v, number) and not isinstance(v, bool) and math.isfinite(v) for v in values)):
        wanted = "two integers" if kind == "int" else "two finite numbers"
        raise error(key, f"expected [low, high], {wanted}, got {values!r}", f"write {kind}: [low, high]")
    low, high = values
    if not low < high:
        raise error(key, f"low {low} is not below high {high}", "give [low, high] with low < high")
    if kind == "log_uniform" and low <= 0:
        raise error(key, f"low {low} is not positive (a log scale needs low > 0)",
                    "give low > 0, or use uniform: [low, high]")
    low, high = check(low, f"{key}[0]", name), check(high, f"{key}[1]", name)
    if kind != "int":
        inside = low + (high - low) / math.pi     # a value between the bounds, not a whole number
        try:
            check(inside, key, name)
        except Exception:
            raise error(key, f"'{name}' takes whole numbers", f"use {name}: {{int: [{math.ceil(low)}, "
                                                               f"{math.floor(high)}]}}") from None
        low, high = float(low), float(high)
    return Dimension(kind, [low, high])


def _count(raw: dict, key: str, error: Error, default: int = 0, required: bool = False,
           least: int = 1) -> int:
    if key not in raw:
        if required:
            raise error(f"search.{key}", "missing", f"add {key}: N (an integer >= {least})")
        return default
    value = raw[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise error(f"search.{key}", f"expected an integer >= {least}, got {value!r}", f"write e.g. {key}: {max(least, 4)}")
    return value
