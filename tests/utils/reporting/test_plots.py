"""Plots a scientist can read: log axes over decades, categories as grouped points in the file's order,
units and titles."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuro.utils.reporting import plots
from neuro.utils.reporting.results import PointResult, Stat


@pytest.fixture
def figures(monkeypatch) -> dict[str, object]:
    """The figures plot_results makes, by file name, instead of files."""
    made: dict[str, object] = {}
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, dpi=120: made.setdefault(path.name, figure))
    return made


def _row(index: int, point: dict, value: float) -> PointResult:
    return PointResult(point, index, {"accuracy_pct": Stat.of([value, value + 1.0])})


def test_decades_on_a_log_axis_categories_grouped_in_file_order(figures, tmp_path: Path) -> None:
    rows = [_row(i, {"lr": lr, "model": model}, 50 + i) for i, (lr, model) in enumerate(
        [(1e-4, "hsm"), (1e-4, "ln"), (1e-3, "hsm"), (1e-3, "ln"), (1e-2, "hsm"), (1e-2, "ln")])]
    plots.plot_results(list(reversed(rows)), "accuracy_pct", tmp_path, title="v1_population/lr")
    lr_axes = figures["accuracy_pct_mean_vs_lr.png"].axes[0]
    assert lr_axes.get_xscale() == "log" and lr_axes.get_xlabel() == "lr"
    assert lr_axes.get_ylabel().startswith("accuracy (%)")
    assert lr_axes.get_title() == "v1_population/lr: accuracy_pct against lr"
    assert [t.get_text() for t in lr_axes.get_legend().get_texts()] == ["model=hsm", "model=ln"]
    model_axes = figures["accuracy_pct_mean_vs_model.png"].axes[0]
    assert [t.get_text() for t in model_axes.get_xticklabels()] == ["hsm", "ln"]
    assert [t.get_text() for t in model_axes.get_legend().get_texts()] == ["lr=0.0001", "lr=0.001", "lr=0.01"]


def test_a_narrow_numeric_range_stays_linear_and_units_come_from_names(figures, tmp_path: Path) -> None:
    rows = [_row(i, {"tau_ms": tau}, 60.0) for i, tau in enumerate([2.0, 5.0, 10.0])]
    plots.plot_results(rows, "accuracy_pct", tmp_path)
    axes = figures["accuracy_pct_mean_vs_tau_ms.png"].axes[0]
    assert axes.get_xscale() == "linear" and axes.get_xlabel() == "tau (ms)"
    assert plots.label_with_unit("hidden_rate_hz") == "hidden_rate (Hz)" and plots.label_with_unit("loss") == "loss"


def test_a_metric_over_decades_and_integer_parameters_get_readable_axes(figures, tmp_path: Path) -> None:
    rows = [PointResult({"hidden": hidden}, i, {"loss": Stat.of([loss])})
            for i, (hidden, loss) in enumerate([(8, 3.0), (16, 0.2), (32, 0.004), (64, 0.001)])]
    plots.plot_results(rows, "loss", tmp_path, stat="median", title="lab/width")
    axes = figures["loss_median_vs_hidden.png"].axes[0]
    assert axes.get_yscale() == "log" and axes.get_xscale() == "linear"       # the loss spans 3 decades, widths 1
    assert [t.get_text() for t in axes.get_xticklabels()] == ["8", "16", "32", "64"]      # the values, whole
    assert axes.get_ylabel() == "loss\nmedian"                # one repetition: no spread, none claimed
    assert not [c for c in axes.containers if getattr(c, "has_yerr", False)]
    assert axes.get_title() == "lab/width: loss against hidden"


def test_many_integer_values_get_whole_number_ticks(figures, tmp_path: Path) -> None:
    rows = [_row(i, {"layers": layers}, 50.0) for i, layers in enumerate(range(1, 13))]
    plots.plot_results(rows, "accuracy_pct", tmp_path)
    axes = figures["accuracy_pct_mean_vs_layers.png"].axes[0]
    ticks = [tick for tick in axes.get_xticks() if 1 <= tick <= 12]
    assert ticks and all(float(tick).is_integer() for tick in ticks)


def test_a_loss_over_decades_is_drawn_on_a_log_axis_titled_with_the_experiment(figures, workspace: Path) -> None:
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    from tests.conftest import neuro, toy_experiment
    exp = toy_experiment(workspace, grid="x: [2.0]", repetitions=2, params="{epochs: 300}")   # loss 1/(epoch + 1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
    plots.plot_curves(sweep, "median", workspace / "plots")
    axes = figures["curve_loss_median.png"].axes[0]
    assert axes.get_yscale() == "log" and axes.get_ylim()[0] == pytest.approx(1 / 300 / 2)
    assert axes.get_title() == "tasks/toy: loss, median over repetitions (band: 10-90 percentile)"
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["x=2.0 (2)"]
