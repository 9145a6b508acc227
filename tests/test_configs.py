"""The shipped experiment files: all valid, the V1 thesis experiments at full size, and each small
variant sweeping what its full experiment sweeps."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from neuro.utils.experiment.spec import load_spec
from neuro.utils.sweeps.runs import expand, grid_points, run_key

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
V1 = CONFIGS / "v1_population"
FULL_V1 = sorted(p for p in V1.glob("*.yaml") if p.name != "search.yaml")     # the thesis's experiments
SEARCHES = sorted(CONFIGS.glob("*/search.yaml"))


@pytest.mark.parametrize("path", sorted(CONFIGS.rglob("*.yaml")), ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_config_is_valid(path: Path) -> None:
    spec = load_spec(path)
    runs = expand(spec)
    assert len(runs) == len(grid_points(spec)) * len(spec.seeds) > 0
    assert list(runs) == [runs[i] for i in range(len(runs))] == runs[:] and runs[-1] == runs[len(runs) - 1]
    assert [run.index for run in runs] == list(range(len(runs)))
    for run in runs:       # each key made from per-value parts is the key of the run's whole parameters
        assert run.key == run_key(spec.task.identity, run.params, run.seed)


@pytest.mark.parametrize("path", FULL_V1, ids=lambda p: p.name)
def test_v1_experiments_run_at_the_thesis_size(path: Path) -> None:
    spec = load_spec(path)
    assert len(spec.seeds) == 10
    for run in expand(spec):
        p = run.params
        assert p["dataset"] == "auto" and p["loss"] == "poisson" and p["optimiser"] == "adam"
        updates = p["epochs"] * math.ceil(1800 / p["batch_size"])
        assert 560_000 <= updates <= 650_000, run.name            # batch 16 x 5000 epochs on region 1
        assert 95 <= p["epochs"] / p["eval_every"] <= 105       # about 100 validation points per fit


@pytest.mark.parametrize("path", [p for p in FULL_V1 if p.name != "baseline.yaml"], ids=lambda p: p.name)
def test_each_small_variant_sweeps_what_its_experiment_sweeps(path: Path) -> None:
    small = V1 / "small" / path.name
    full_points, small_points = grid_points(load_spec(path)), grid_points(load_spec(small))
    scaled = {"epochs", "eval_every"}
    strip = [{k: v for k, v in p.items() if k not in scaled} for p in full_points]
    if path.name == "pooled_regions.yaml":      # fewer filter counts, no hidden-size axis
        assert {tuple(p["regions"]) for p in small_points} == {tuple(p["regions"]) for p in full_points}
        return
    assert [{k: v for k, v in p.items() if k not in scaled} for p in small_points] == strip
    assert load_spec(small).params.get("dataset") == "synthetic" and len(load_spec(small).seeds) == 2


def test_every_builtin_number_parameter_declares_its_range() -> None:
    from neuro.utils.experiment.param_types import range_text, type_name
    from neuro.utils.experiment.tasks import builtin_task_list
    missing = [f"{task.ref}.{p.name}" for task in builtin_task_list() for p in task.parameters().values()
               if type_name(p.annotation) in ("int", "float") and not range_text(p.annotation)]
    assert missing == []
    counted = [task.parameters()[name].annotation for task in builtin_task_list() for name in ("epochs", "lr")]
    assert [range_text(a) for a in counted] == [">= 1", "> 0"] * len(builtin_task_list())


@pytest.mark.parametrize("path", SEARCHES, ids=lambda p: p.parent.name)
def test_each_search_has_a_small_variant_over_the_same_space(path: Path) -> None:
    full, small = load_spec(path), load_spec(path.parent / "small" / "search.yaml")
    assert full.search.space == small.search.space and full.search.method == small.search.method == "tpe"
    assert full.search.pruner == small.search.pruner and full.search.prune_on == small.search.prune_on
    assert len(full.seeds) == 3 and full.search.trials >= 40 and small.search.trials < full.search.trials
    assert full.metric == small.metric


def test_the_main_families_ship_a_search() -> None:
    assert {p.parent.name for p in SEARCHES} >= {"v1_population", "sound_localisation"}
