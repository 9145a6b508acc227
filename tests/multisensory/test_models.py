"""The integration models' sizes and outputs, early stopping, and a short fit that beats chance."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from neuro.experiments.multisensory.model import IntegrationModel, parameter_count
from neuro.experiments.multisensory.params import MSIParams
from neuro.experiments.multisensory.task import data_file, split, train
from neuro.utils.execution.context import RunContext, apply_seed

# the original Keras models' trainable parameters, layer for layer
PARAMETERS = {"early": 159_500, "intermediate": 158_540, "late": 158_709}


@pytest.mark.parametrize("integration", sorted(PARAMETERS))
def test_parameter_counts_and_output_shapes(integration: str) -> None:
    model = IntegrationModel(integration)
    assert parameter_count(model) == PARAMETERS[integration]
    out = model(torch.randn(7, 650), torch.randn(7, 650))
    assert out["dec_logits"].shape == (7, 2)
    assert out["rate"].shape == out["left_rate"].shape == out["right_rate"].shape == (7,)
    assert bool((out["rate"] >= 0).all())


def test_late_integration_keeps_the_channels_apart_until_the_head() -> None:
    model = IntegrationModel("late").eval()
    left, right = torch.randn(3, 650), torch.randn(3, 650)
    changed = model(left, right + torch.randn(3, 650))
    same = model(left, right)
    assert torch.equal(changed["left_rate"], same["left_rate"])      # the left branch never sees the right
    assert not torch.equal(changed["dec_logits"], same["dec_logits"])   # the head sees both


def test_test_rows_are_shared_and_training_rows_differ_between_repetitions() -> None:
    p = MSIParams(n=1000)
    train_0, val_0, test_0 = split(1000, p, seed=0)
    train_1, val_1, test_1 = split(1000, p, seed=1)
    assert np.array_equal(test_0, test_1) and len(test_0) == 200
    assert len(val_0) == 80 and len(train_0) == 720 and not np.array_equal(val_0, val_1)
    assert len(set(train_0) | set(val_0) | set(test_0)) == 1000


def _fit(tmp_path: Path, p: MSIParams, name: str = "run") -> tuple[dict, Path]:
    run_dir = tmp_path / name
    run_dir.mkdir()
    apply_seed(0)                                        # as the runner does
    ctx = RunContext(run_dir, tmp_path / "Data", seed=0, device="cpu", hparams={"seed": 0})
    metrics = train(p, ctx)
    ctx.finish(metrics)
    return metrics, run_dir


SHORT = MSIParams(n=2000, epochs=12, patience=12, batch_size=100, lr=0.002, integration="early")


def test_a_short_fit_on_easy_data_beats_chance_and_is_evaluated_per_type(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    metrics, run_dir = _fit(tmp_path, SHORT)
    assert metrics["accuracy"] > 0.7                                  # chance: 0.5
    assert metrics["parameters"] == PARAMETERS["early"] and metrics["epochs_trained"] == 12
    evaluation = json.loads((run_dir / "evaluation.json").read_text())
    assert sorted(evaluation) == ["1", "2", "3", "4", "5"] and sum(e["n"] for e in evaluation.values()) == 400
    for e in evaluation.values():
        assert len(e["levels"]) == len(e["proportion_fast"]) and set(e["fit"]) >= {"bias", "threshold", "ok"}
    assert (tmp_path / "Data" / data_file(SHORT)).exists()


def test_early_stopping_stops_and_keeps_the_best_weights(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    p = replace(SHORT, n=600, epochs=200, patience=2, lr=0.05)        # a step far too large: no progress
    metrics, run_dir = _fit(tmp_path, p)
    assert metrics["stopped_early"] == 1.0 and metrics["epochs_trained"] < 200
    assert metrics["epochs_trained"] == metrics["best_epoch"] + 1 + p.patience
    curve = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    best = min(curve, key=lambda c: c["loss/validation"])
    assert best["step"] == metrics["best_epoch"]
