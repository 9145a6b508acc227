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
    lr_axes = figures["accuracy_pct_vs_lr.png"].axes[0]
    assert lr_axes.get_xscale() == "log" and lr_axes.get_xlabel() == "lr"
    assert lr_axes.get_ylabel().startswith("accuracy (%)")
    assert lr_axes.get_title() == "v1_population/lr: accuracy_pct against lr"
    assert [t.get_text() for t in lr_axes.get_legend().get_texts()] == ["model=hsm", "model=ln"]
    model_axes = figures["accuracy_pct_vs_model.png"].axes[0]
    assert [t.get_text() for t in model_axes.get_xticklabels()] == ["hsm", "ln"]
    assert [t.get_text() for t in model_axes.get_legend().get_texts()] == ["lr=0.0001", "lr=0.001", "lr=0.01"]


def test_a_narrow_numeric_range_stays_linear_and_units_come_from_names(figures, tmp_path: Path) -> None:
    rows = [_row(i, {"tau_ms": tau}, 60.0) for i, tau in enumerate([2.0, 5.0, 10.0])]
    plots.plot_results(rows, "accuracy_pct", tmp_path)
    axes = figures["accuracy_pct_vs_tau_ms.png"].axes[0]
    assert axes.get_xscale() == "linear" and axes.get_xlabel() == "tau (ms)"
    assert plots.label_with_unit("hidden_rate_hz") == "hidden_rate (Hz)" and plots.label_with_unit("loss") == "loss"
