"""Training: it learns, early stopping works, and an interrupted run resumes to the same result."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from experiments.sound_localisation.params import SoundLocalisationParams
from experiments.sound_localisation.task import should_stop, train
from utils.context import RunContext

SMALL = dict(anf_per_ear=40, duration_steps=60, batch_size=32, train_batches=16, val_batches=4, test_batches=8,
             epochs=12, min_epochs=12)


def _context(tmp_path: Path, on_metrics=None) -> RunContext:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    return RunContext(tmp_path, tmp_path / "Data", seed=0, device="cpu", hparams={"seed": 0}, on_metrics=on_metrics)


def test_early_stopping_rule() -> None:
    improving = [1.0 - 0.01 * i for i in range(15)]
    assert not should_stop(improving, patience=10, min_epochs=10)
    stalled = [1.0, 0.5] + [0.6] * 9          # the last 10 start with their best: no progress in 9 epochs
    assert should_stop(stalled, patience=10, min_epochs=10)
    assert not should_stop(stalled + [0.4], patience=10, min_epochs=10)
    assert not should_stop([0.5] + [0.6] * 8, patience=10, min_epochs=10)  # too early


def test_small_network_learns_far_above_chance(tmp_path: Path) -> None:
    metrics = train(SoundLocalisationParams(**SMALL), _context(tmp_path))
    assert metrics["test_accuracy"] > 40.0  # chance: 100/12 = 8.3%
    assert metrics["test_ipd_error_deg"] < 15.0  # chance: about 60 degrees
    assert 1.0 < metrics["hidden_rate_hz"] < 500.0


def test_interrupted_training_resumes_to_the_same_result(tmp_path: Path) -> None:
    params = SoundLocalisationParams(**{**SMALL, "epochs": 5, "min_epochs": 5})
    straight = train(params, _context(tmp_path / "straight"))

    def stop_after_epoch_2(step: int, metrics: dict) -> None:
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(params, _context(tmp_path / "cut", on_metrics=stop_after_epoch_2))
    # the checkpoint of epoch 2 is written after the metrics: the run resumes from epoch 1
    ctx = _context(tmp_path / "cut")
    resumed = train(params, ctx)
    assert ctx.resumed_from == 1
    assert resumed == pytest.approx(straight, rel=1e-6)
