"""Training: it learns, early stopping works, and an interrupted run resumes to the same result."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuro.experiments.sound_localisation.params import SoundLocalisationParams
from neuro.experiments.sound_localisation.task import train
from neuro.utils.execution.context import RunContext, apply_seed
from neuro.utils.experiment.sections import Outputs

SMALL = dict(anf_per_ear=40, duration_steps=60, batch_size=32, train_batches=16, val_batches=4, test_batches=8,
             epochs=12, min_epochs=12)


def _context(tmp_path: Path, on_metrics=None) -> RunContext:
    apply_seed(0)                                        # as the runner does
    return RunContext(tmp_path, tmp_path / "Data", seed=0, device="cpu", hparams={"seed": 0}, on_metrics=on_metrics,
                      outputs=Outputs(checkpoint_s=0))


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
