"""`neuro results --compare PARAM`: paired differences with a bootstrap interval and Holm-corrected
p-values, checked against scipy.stats on known data; an effect of zero is not significant."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from neuro.utils.reporting.compare import holm, paired_test
from tests.conftest import neuro, toy_experiment


def test_the_paired_statistics_are_scipys() -> None:
    rng = np.random.default_rng(0)
    first = rng.normal(1.0, 1.0, 15)
    second = first - 0.4 + rng.normal(0, 0.5, 15)
    differences = first - second
    low, high, p = paired_test(differences, "wilcoxon")
    assert p == pytest.approx(stats.wilcoxon(first, second).pvalue)
    assert paired_test(differences, "t")[2] == pytest.approx(stats.ttest_rel(first, second).pvalue)
    assert low < differences.mean() < high
    reference = stats.bootstrap((differences,), np.mean, n_resamples=10_000, method="percentile",
                                random_state=np.random.default_rng(0)).confidence_interval
    assert (low, high) == pytest.approx((reference.low, reference.high))


def test_holm_steps_down() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, float("nan"), 0.01]) == pytest.approx([0.5, float("nan"), 0.02], nan_ok=True)


def test_compare_pairs_runs_that_differ_only_in_the_parameter(tmp_path: Path) -> None:
    """score = -(x - 2)^2 + seed / 10: x = 1 against 2 differs by -1 in every pair; `label` changes
    nothing, so its effect is zero and not significant."""
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0, 4.0], label: [a, b]", repetitions=4,
                         params="{epochs: 1}")
    assert neuro("run", str(exp), cwd=tmp_path).returncode == 0
    by_x = json.loads(neuro("results", str(exp), "--compare", "x", "-f", "json", cwd=tmp_path).stdout)
    assert [(c["first"], c["second"], c["n"], c["difference"]) for c in by_x] == [
        (1.0, 2.0, 8, pytest.approx(-1)), (1.0, 4.0, 8, pytest.approx(3)), (2.0, 4.0, 8, pytest.approx(4))]
    one_sided = stats.wilcoxon(np.full(8, -1.0)).pvalue
    assert by_x[0]["p"] == pytest.approx(one_sided) and by_x[0]["p_holm"] == pytest.approx(3 * one_sided)
    by_label = json.loads(neuro("results", str(exp), "--compare", "label", "-f", "json", cwd=tmp_path).stdout)
    assert by_label == [{"metric": "score", "first": "a", "second": "b", "n": 12, "difference": 0.0, "low": 0.0,
                         "high": 0.0, "p": 1.0, "p_holm": 1.0}]
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "--compare", "x", "-f", "csv", cwd=tmp_path).stdout)))
    assert list(rows[0]) == ["metric", "x_a", "x_b", "n", "mean_difference", "interval_low", "interval_high", "p", "p_holm"]
    for row, comparison in zip(rows, by_x):       # the json's numbers, to the last digit
        assert [float(row[k]) for k in ("mean_difference", "interval_low", "interval_high", "p", "p_holm")] == [
            comparison[k] for k in ("difference", "low", "high", "p", "p_holm")]
    wrong = neuro("results", str(exp), "--compare", "seed", cwd=tmp_path)
    assert wrong.returncode == 2 and "--compare: 'seed' is not swept" in wrong.stderr
