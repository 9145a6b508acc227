"""Every model is causal (in training and in evaluation, with and without AdapTrans); AdapTrans equals
a direct evaluation of its equations and reads its time constants in milliseconds."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from neuro.experiments.auditory_strf.bands import centre_frequencies
from neuro.experiments.auditory_strf.model import AdapTrans, build_model, exponential_average
from neuro.experiments.auditory_strf.params import MODELS

BANDS, NEURONS, LENGTH, CUT = 8, 3, 40, 22


def _model(name: str, prefilter: str, padding: str = "causal"):
    """A small model with every weight non-zero (an STRF starts flat)."""
    torch.manual_seed(0)
    model = build_model(name, prefilter, "default", BANDS, NEURONS, 5.0, window=5, hidden=4, channels=3,
                        padding=padding)
    with torch.no_grad():
        for parameter in model.parameters():
            if not parameter.any():
                parameter.normal_(0, 0.3)
    return model


def _outputs_before_and_after_a_change(model, training: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's output for an input and for the same input changed after bin CUT, each from the same
    state (training mode updates running statistics, so each call gets its own copy)."""
    torch.manual_seed(1)
    x = torch.rand(2, 1, BANDS, LENGTH)
    changed = x.clone()
    changed[..., CUT + 1:] = torch.rand(2, 1, BANDS, LENGTH - CUT - 1) * 3
    outputs = []
    for inputs in (x, changed):
        copy_ = copy.deepcopy(model).train(training)
        with torch.no_grad():
            outputs.append(copy_(inputs))
    return outputs[0], outputs[1]


@pytest.mark.parametrize("training", [True, False], ids=["training", "evaluation"])
@pytest.mark.parametrize("prefilter", ["none", "adaptrans"])
@pytest.mark.parametrize("name", MODELS)
def test_every_model_is_causal(name: str, prefilter: str, training: bool) -> None:
    model = _model(name, prefilter)
    model.train(training)
    model(torch.rand(2, 1, BANDS, LENGTH))          # running statistics away from their start
    before, after = _outputs_before_and_after_a_change(model, training)
    assert before.shape == (2, NEURONS, LENGTH)
    assert torch.allclose(before[..., :CUT + 1], after[..., :CUT + 1], atol=1e-6)
    assert not torch.allclose(before[..., CUT + 1:], after[..., CUT + 1:])


@pytest.mark.parametrize("name", ["linear", "nrf", "cnn2d"])
def test_symmetric_padding_sees_the_future(name: str) -> None:
    """The original's padding, kept to reproduce its numbers: the test above would catch it."""
    before, after = _outputs_before_and_after_a_change(_model(name, "none", "symmetric"), training=False)
    assert not torch.allclose(before[..., CUT - 1:CUT + 1], after[..., CUT - 1:CUT + 1])


def _adaptrans_directly(x: np.ndarray, a_on: np.ndarray, a_off: np.ndarray, w: np.ndarray) -> np.ndarray:
    """SCIENCE.md's equations, one bin at a time: ON[t] = x[t] - w EMA_on[t-1], OFF[t] = EMA_off[t-1] - w x[t],
    EMA[t] = sum_{m>=0} (1 - a) a^m x[t - m] (nothing before the sound)."""
    bands, length = x.shape
    out = np.zeros((2, bands, length))
    for t in range(length):
        for f in range(bands):
            past = x[f, :t][::-1]                                   # x[t-1], x[t-2], ...
            ema_on = sum((1 - a_on[f]) * a_on[f] ** m * v for m, v in enumerate(past))
            ema_off = sum((1 - a_off[f]) * a_off[f] ** m * v for m, v in enumerate(past))
            out[0, f, t] = x[f, t] - w[f] * ema_on
            out[1, f, t] = ema_off - w[f] * x[f, t]
    return out


def test_adaptrans_equals_its_equations() -> None:
    torch.manual_seed(2)
    front = AdapTrans(6, bin_ms=5.0)
    with torch.no_grad():                                 # away from the initial values, ON and OFF apart
        front.d_on.mul_(torch.rand(6) + 0.5)
        front.d_off.mul_(torch.rand(6) + 0.5)
        front.p.add_(torch.randn(6) * 0.3)
    x = torch.rand(1, 1, 6, 60)
    a_on, a_off = (a.detach().numpy().astype(np.float64) for a in front.decays())
    w = (1 / (1 + front.p.detach() ** 2)).numpy()
    expected = _adaptrans_directly(x[0, 0].numpy().astype(np.float64), a_on, a_off, w)
    assert np.allclose(front(x)[0].detach().numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("bin_ms", [1.0, 5.0, 10.0])
def test_adaptrans_time_constants_are_in_milliseconds(bin_ms: float) -> None:
    """Initially 216.6 ms at 500 Hz and 48.4 ms at 20 kHz whatever the bin width, and a step's average
    reaches 1 - 1/e after tau ms."""
    front = AdapTrans(34, bin_ms=bin_ms)
    tau_on, tau_off = (t.numpy() for t in front.time_constants_ms())
    assert centre_frequencies(34)[[0, -1]] == pytest.approx([500, 20000])
    assert tau_on[[0, -1]] == pytest.approx([216.6, 48.4], abs=0.05) and np.allclose(tau_on, tau_off)
    step = torch.ones(1, 34, int(400 / bin_ms))
    average = exponential_average(step, front.decays()[0].detach())[0]
    reached = (average.numpy() >= 1 - np.exp(-1)).argmax(axis=1) * bin_ms       # first bin past 63 %
    assert np.all(np.abs(reached - tau_on) <= bin_ms + 1e-6)


def test_linear_strfs_are_the_weights_lag_0_first() -> None:
    model = _model("linear", "none")
    with torch.no_grad():
        model.core.conv.weight.copy_(torch.randn_like(model.core.conv.weight))
    weights = model.core.conv.weight[:, 0]                 # (N, F, window), oldest lag first
    assert torch.allclose(model.strfs(), weights.flip(-1), atol=1e-6)
    assert _model("nrf", "none").strfs() is None
