"""A search's figures in neuro's style: the metric's name and scale, the space's scales, pruned trials
marked (drawn from an in-memory study with known trials)."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuro.utils.reporting import search_plots
from neuro.utils.search.space import Dimension, SearchSpec

SPACE = {"lr": Dimension("log_uniform", [1e-5, 1e-1]), "hidden": Dimension("int", [2, 64]),
         "activation": Dimension("choice", ["tanh", "relu"])}


@pytest.fixture
def figures(monkeypatch) -> dict[str, object]:
    made: dict[str, object] = {}
    monkeypatch.setattr(search_plots, "save_figure", lambda figure, path, dpi=120: made.setdefault(path.name, figure))
    return made


def _study():
    """Eight complete trials whose loss spans four decades, and three pruned ones."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    from optuna.trial import TrialState, create_trial

    from neuro.utils.search.study import quiet_optuna
    quiet_optuna()
    study = optuna.create_study(direction="minimize")
    space = {"lr": FloatDistribution(1e-5, 1e-1, log=True), "hidden": IntDistribution(2, 64),
             "activation": CategoricalDistribution(["tanh", "relu"])}
    for i in range(11):
        params = {"lr": 10.0 ** -(1 + i % 4), "hidden": 2 + 6 * i, "activation": ["tanh", "relu"][i % 2]}
        pruned = i in (3, 6, 9)
        study.add_trial(create_trial(params=params, distributions=space, state=TrialState.PRUNED if pruned else
                                     TrialState.COMPLETE, value=None if pruned else 10.0 ** -(i % 5),
                                     intermediate_values={0: 1.0}))
    return study


def test_history_has_the_metric_its_scale_the_best_so_far_and_pruned_trials(figures, tmp_path: Path) -> None:
    search = SearchSpec(trials=11, space=SPACE)
    search_plots.plot_search(_study(), search, "loss/validation", "min", tmp_path, "lab/search")
    assert sorted(figures) == sorted(["search_history.png", "search_slice_lr.png", "search_slice_hidden.png",
                                      "search_slice_activation.png", "search_parallel_coordinates.png"])
    axes = figures["search_history.png"].axes[0]
    assert axes.get_ylabel() == "loss/validation (lower is better)" and axes.get_yscale() == "log"
    assert axes.get_title() == "lab/search: loss/validation per trial"
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert labels == ["complete (8)", "best so far", "pruned (3)"]
    best = next(line for line in axes.get_lines() if line.get_label() == "best so far")
    assert list(best.get_ydata()) == [1.0, 0.1, 0.01, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4]       # never worse


def test_slices_take_the_space_scales_and_parallel_coordinates_name_every_axis(figures, tmp_path: Path) -> None:
    search_plots.plot_search(_study(), SearchSpec(trials=11, space=SPACE), "mse", "min", tmp_path, "lab/search")
    assert figures["search_slice_lr.png"].axes[0].get_xscale() == "log"
    hidden = figures["search_slice_hidden.png"].axes[0]
    assert all(float(tick).is_integer() for tick in hidden.get_xticks())
    choice = figures["search_slice_activation.png"].axes[0]
    assert [t.get_text() for t in choice.get_xticklabels()] == ["tanh", "relu"]
    parallel = figures["search_parallel_coordinates.png"].axes[0]
    assert [t.get_text() for t in parallel.get_xticklabels()] == ["lr", "hidden", "activation", "mse"]
    assert parallel.get_title() == "lab/search: 8 complete trials, 3 pruned (dashed)"
    dashed = [line for line in parallel.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 3


def test_no_complete_trial_draws_nothing(tmp_path: Path) -> None:
    import optuna
    study = optuna.create_study()
    assert search_plots.plot_search(study, SearchSpec(trials=1, space=SPACE), "mse", "min", tmp_path, "x") == []
