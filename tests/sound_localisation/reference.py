"""The plain per-time-step network, as in the original notebook: autograd over a Python loop.

The shipped model (experiments/sound_localisation/model.py) must agree with it in values and
gradients; bench/snn_epoch.py times both.
"""
from __future__ import annotations

import torch


class SurrogateSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, beta: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.beta = beta
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        sig = torch.sigmoid(ctx.beta * x)
        return grad * ctx.beta * sig * (1 - sig), None


def reference_snn(x: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor, alpha: float, beta: float):
    """x (B, T, inputs) -> (log-probabilities, hidden spikes (B, T, hidden)), one step at a time."""
    batch, steps, _ = x.shape
    h = torch.einsum("abc,cd->abd", x, w1)
    v = torch.zeros(batch, w1.shape[1], dtype=x.dtype)
    s = torch.zeros_like(v)
    spikes = [s]
    for t in range(steps - 1):
        v = (alpha * v + h[:, t, :]) * (1 - s)
        s = SurrogateSpike.apply(v - 1, beta)
        spikes.append(s)
    spikes = torch.stack(spikes, dim=1)
    h2 = torch.einsum("abc,cd->abd", spikes, w2)
    out = torch.zeros(batch, w2.shape[1], dtype=x.dtype)
    outs = [out]
    for t in range(steps - 1):
        out = alpha * out + h2[:, t, :]
        outs.append(out)
    m = torch.stack(outs, dim=1).sum(1) * 0.01
    return torch.log_softmax(m, dim=1), spikes
