"""Every family trains the one way (utils/execution/training.py): a run cut off mid-training and resumed from its
checkpoint ends with exactly the metrics of a run that was never interrupted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuro.utils.execution.context import RunContext, apply_seed
from neuro.utils.experiment.builtins import builtin_tasks
from neuro.utils.experiment.sections import Outputs
from neuro.utils.experiment.tasks import builtin_task_list

SMALL = {
    "sound_localisation": dict(anf_per_ear=20, duration_steps=40, batch_size=32, train_batches=8, val_batches=2,
                               test_batches=4, epochs=4, min_epochs=0, patience=10),
    "v1_population": dict(dataset="synthetic", epochs=4, eval_every=1, filters=3, lr=0.01, dropout=0.2),
    "multisensory": dict(n=600, epochs=4, patience=10, batch_size=100),
    "auditory_strf": dict(dataset="synthetic", synthetic_neurons=4, synthetic_sounds=8, synthetic_bins=80,
                          synthetic_bands=8, model="dnet", prefilter="adaptrans", epochs=4, patience=10),
    "nif": dict(dataset="synthetic", synthetic_images=30, synthetic_v1=10, synthetic_v2=12, epochs=4, patience=10),
}


class Cut(Exception):
    """Stands for the process being killed: nothing after it is written."""


def _train(family: str, data: Path, run_dir: Path, stop_at: int | None = None) -> tuple[dict[str, float], RunContext]:
    task = next(t for t in builtin_task_list() if t.ref == family)

    def cut(step: int, metrics: dict) -> None:
        if step == stop_at:
            raise Cut                # after epoch `stop_at`'s metrics, before its checkpoint

    run_dir.mkdir(parents=True, exist_ok=True)
    apply_seed(0)
    ctx = RunContext(run_dir, data, seed=0, device="cpu", hparams={}, on_metrics=cut,
                     outputs=Outputs(checkpoint_s=0))      # a checkpoint every epoch: the cut falls after one
    metrics = task.load_function()(task.make_params(SMALL[family]), ctx)
    ctx.finish(metrics)
    return metrics, ctx


def test_every_family_is_covered() -> None:
    assert set(SMALL) == set(builtin_tasks())


@pytest.mark.parametrize("family", sorted(SMALL))
def test_a_resumed_run_ends_with_the_metrics_of_an_uninterrupted_one(family: str, tmp_path: Path) -> None:
    if family == "v1_population":
        from neuro.experiments.v1_population.data import make_synthetic
        from neuro.experiments.v1_population.synthetic import SyntheticSpec
        make_synthetic(tmp_path / "Data" / "synthetic_v1" / "region1", SyntheticSpec(seed=1, neurons=10, images=160))
    whole, first = _train(family, tmp_path / "Data", tmp_path / "whole")
    with pytest.raises(Cut):
        _train(family, tmp_path / "Data", tmp_path / "cut", stop_at=2)
    resumed, ctx = _train(family, tmp_path / "Data", tmp_path / "cut")
    assert ctx.resumed_from == 1                      # from the last checkpoint, not from scratch
    assert resumed == whole and whole["best_epoch"] >= 0
    if family == "sound_localisation":                # its stimuli are made in memory: no data files
        assert ctx.data_fingerprint is None
        return
    assert ctx.data_fingerprint == first.data_fingerprint and len(ctx.data_fingerprint) == 12   # the same files
    listed = json.loads((tmp_path / "cut" / "data.json").read_text())
    assert listed["fingerprint"] == ctx.data_fingerprint and listed["files"] and all(
        not f["path"].startswith("/") and f["bytes"] > 0 for f in listed["files"])      # paths in the data folder
