"""The DoG layer and the HSM family: shapes, bounds, gradients, and recovery of a known model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from neuro.experiments.v1_population.data import make_synthetic
from neuro.experiments.v1_population.model import DoGLayer, build_model
from neuro.experiments.v1_population.params import V1Params
from neuro.experiments.v1_population.synthetic import SyntheticSpec
from neuro.experiments.v1_population.task import train
from neuro.utils.execution.context import RunContext, apply_seed


def test_dog_layer_shapes_bounds_and_gradients() -> None:
    layer = DoGLayer(9, torch.Generator().manual_seed(0))
    images = torch.randn(16, 961)
    out = layer(images)
    assert out.shape == (16, 9) and layer.filters().shape == (9, 961)
    out.pow(2).sum().backward()
    assert all(torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0 for p in layer.parameters())
    optimiser = torch.optim.SGD(layer.parameters(), lr=1e4)  # a step far outside every bound
    optimiser.step()
    layer.clip_()
    for name, (low, high) in layer.bounds().items():
        values = getattr(layer, name)
        assert bool(((values >= low) & (values <= high)).all()), name
    with torch.no_grad():  # widths below 1 px stay reachable (a fork of the original pinned sigma to 1)
        layer.sigma.fill_(0.7)
    layer.clip_()
    assert torch.allclose(layer.sigma.detach(), torch.full((9,), 0.7))
    assert torch.isfinite(layer.filters()).all()


def test_every_model_maps_images_to_positive_rates() -> None:
    for kind in ("hsm", "ln", "lnln", "conv", "conv_dog"):
        model = build_model(kind, neurons=7, filters=4, hidden_fraction=0.5, dropout=0.1,
                            bias_init="truncated_normal", generator=torch.Generator().manual_seed(1))
        rates = model(torch.randn(5, 961))
        assert rates.shape == (5, 7) and bool((rates > 0).all()), kind


def test_a_fit_recovers_90_percent_of_the_ground_truth_correlation(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    folder = tmp_path / "Data" / "synthetic_v1" / "region1"
    truth = make_synthetic(folder, SyntheticSpec(seed=1, neurons=20, images=400))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    apply_seed(0)                                        # as the runner does
    ctx = RunContext(run_dir, tmp_path / "Data", seed=0, device="cpu", hparams={"seed": 0})
    metrics = train(V1Params(dataset="synthetic", epochs=120, eval_every=10, lr=0.01, l2_output=0.0), ctx)
    ctx.finish(metrics)
    assert metrics["validation_r"] >= 0.9 * truth["ground_truth_validation_r"]
    assert np.load(run_dir / "per_neuron_r.npy").shape == (20,)
    assert (run_dir / "filters.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((folder / "ground_truth.json").read_text())["neurons"] == 20
