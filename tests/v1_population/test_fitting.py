"""The numpy fast path against torch's autograd and Adam, the convolutional models, and resuming."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from neuro.experiments.v1_population.data import make_synthetic
from neuro.experiments.v1_population.dense import DenseFitter, trained_tensors
from neuro.experiments.v1_population.fitting import TorchFitter, penalties, training_loss
from neuro.experiments.v1_population.model import ConvLayer, build_model
from neuro.experiments.v1_population.params import V1Params
from neuro.experiments.v1_population.synthetic import SyntheticSpec
from neuro.experiments.v1_population.task import train
from neuro.utils.execution.context import RunContext, apply_seed
from neuro.utils.reporting.curves import read_curves

PENALISED = V1Params(l1_output=0.01, l2_output=0.1, l1_hidden=0.02, l2_hidden=0.03)


def _batch(neurons: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mask = np.ones((16, neurons))
    mask[:8, :3] = 0                                   # a multi-region style mask
    return rng.standard_normal((16, 961)), rng.poisson(2.0, (16, neurons)).astype(float), mask


def _pair(kind: str, p: V1Params) -> tuple[DenseFitter, TorchFitter]:
    """The same initial float64 model, once per path."""
    def model():
        return build_model(kind, 30, 9, 0.2, 0.0, "truncated_normal", torch.Generator().manual_seed(0),
                           activation=p.activation).double()
    dense = DenseFitter(model(), p.loss, p.optimiser, p.lr, penalties(p), 0.0, 0, dtype=np.float64,
                        activation=p.activation)
    return dense, TorchFitter(model(), replace(p, model=kind), "cpu")


@pytest.mark.parametrize("kind,loss,activation", [
    ("hsm", "poisson", "softplus"), ("hsm", "mse", "softplus"), ("lnln", "poisson", "softplus"),
    ("lnln", "mse", "softplus"), ("ln", "poisson", "softplus"), ("ln", "mse", "softplus"),
    ("hsm", "poisson", "relu"), ("hsm", "poisson", "sigmoid"), ("lnln", "poisson", "linear")])
def test_hand_written_gradients_equal_autograd(kind: str, loss: str, activation: str) -> None:
    p = replace(PENALISED, loss=loss, model=kind, activation=activation)
    dense, reference = _pair(kind, p)
    x, y, mask = _batch(30)
    value = dense.loss_and_gradient(x, y, mask)
    expected = training_loss(reference.model, p, *(torch.from_numpy(a) for a in (x, y, mask)))
    expected.backward()
    assert value == pytest.approx(expected.item(), rel=1e-12)
    expected_grads = {name: t.grad.numpy() for name, t in trained_tensors(reference.model).items()}
    assert list(expected_grads) == list(dense.gradient)
    for name, ours in dense.gradient.items():
        np.testing.assert_allclose(ours, expected_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("optimiser,lr", [("adam", 1e-2), ("sgd", 1e-2), ("adam", 2.0)])
def test_steps_match_torch_optimisers_and_respect_bounds(optimiser: str, lr: float) -> None:
    """lr 2.0 drives DoG parameters into their bounds: both paths clip the same way."""
    p = replace(PENALISED, optimiser=optimiser, lr=lr, model="hsm")
    dense, reference = _pair("hsm", p)
    for step in range(25):
        dense.step(*_batch(30, seed=step))
        reference.step(*_batch(30, seed=step))
    dog = reference.model.core[0]
    clipped = 0
    for name, (low, high) in dog.bounds().items():
        ours = dense.param[name]
        np.testing.assert_allclose(ours, getattr(dog, name).detach().numpy(), rtol=1e-7, atol=1e-9, err_msg=name)
        assert (ours >= low).all() and (ours <= high).all()
        clipped += int(((ours == low) | (ours == high)).sum())
    assert (clipped > 0) == (lr > 1)
    np.testing.assert_allclose(dense.predict(_batch(30)[0]), reference.predict(_batch(30)[0]), rtol=1e-6)
    written = dense.write_back()
    assert torch.equal(written.readout.linear.weight, torch.from_numpy(dense.param["w2"]))


def test_dropout_zeroes_and_rescales_the_readout_input() -> None:
    model = build_model("hsm", 30, 9, 1.0, 0.5, "zeros", torch.Generator().manual_seed(0))
    fitter = DenseFitter(model, "poisson", "adam", 1e-3, penalties(V1Params()), 0.5, seed=0)
    x = _batch(30)[0].astype(np.float32)
    plain = fitter._forward(x, train=False)[1]["readout_in"]
    dropped = fitter._forward(x, train=True)[1]["readout_in"]
    kept = dropped != 0
    assert 0.35 < kept.mean() < 0.65
    np.testing.assert_allclose(dropped[kept], 2 * plain[kept], rtol=1e-6)
    np.testing.assert_array_equal(fitter.predict(x), fitter.predict(x))     # no dropout when predicting


@pytest.mark.parametrize("kind", ["conv", "conv_dog"])
def test_convolutional_models(kind: str) -> None:
    model = build_model(kind, 30, 4, 0.2, 0.0, "zeros", torch.Generator().manual_seed(0), kernel_size=7, stride=2)
    first = model.core[0]
    assert isinstance(first, ConvLayer) and first.kernels().shape == (4, 49)
    assert first.output_size() == 4 * 13 * 13 and model.hidden.in_features == 4 * 13 * 13
    fitter = TorchFitter(model, V1Params(model=kind, lr=1.0), "cpu")
    fitter.step(*(a.astype(np.float32) for a in _batch(30)))
    if kind == "conv_dog":
        bounds = first.dog.bounds()
        assert bounds["x"] == (0.0, 6.0) and bounds["sigma"][1] == 3.5          # a 7 x 7 kernel's grid
        for name, (low, high) in bounds.items():
            values = getattr(first.dog, name)
            assert bool(((values >= low) & (values <= high)).all()), name
    assert all(torch.isfinite(p).all() for p in model.parameters())


def _fit(tmp_path: Path, name: str, p: V1Params) -> tuple[dict, np.ndarray]:
    run_dir = tmp_path / name
    run_dir.mkdir(exist_ok=True)
    apply_seed(0)                                        # as the runner does
    ctx = RunContext(run_dir, tmp_path / "Data", seed=0, device="cpu", hparams={"seed": 0})
    metrics = train(p, ctx)
    ctx.finish(metrics)
    return metrics, np.load(run_dir / "per_neuron_r.npy")


@pytest.mark.parametrize("kind", ["hsm", "conv_dog"])
def test_a_resumed_fit_ends_exactly_where_an_uninterrupted_one_does(kind: str, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    make_synthetic(tmp_path / "Data" / "synthetic_v1" / "region1", SyntheticSpec(seed=1, neurons=10, images=160))
    p = V1Params(model=kind, dataset="synthetic", epochs=4, eval_every=2, lr=0.01, dropout=0.2, filters=3,
                 stride=3)
    whole = _fit(tmp_path, "whole", p)
    _fit(tmp_path, "cut", replace(p, epochs=2))                   # stops after the epoch-2 checkpoint
    resumed = _fit(tmp_path, "cut", p)
    assert resumed[0] == whole[0]
    np.testing.assert_array_equal(resumed[1], whole[1])
    assert read_curves(tmp_path / "cut")["correlation/validation"] == read_curves(tmp_path / "whole")[
        "correlation/validation"]
