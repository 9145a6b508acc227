"""The spiking network: LIF hidden layer with surrogate gradients, leaky non-spiking readout, Dale's law.

The hidden layer's time loop is the hot path. `LIFHidden` runs it with preallocated buffers and a
hand-written backward: the reverse pass collapses to one linear recurrence (one fused op per step)
instead of the graph of hundreds of small autograd nodes a per-step implementation builds.
tests/sound_localisation/reference.py holds the plain per-step version it is checked against.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from neuro.experiments.sound_localisation.params import SoundLocalisationParams

READOUT_SCALE = 0.01


class LIFHidden(torch.autograd.Function):
    """Hidden spikes (T, B, N) of LIF neurons fed input spikes x (B, T, inputs) through weights w (inputs, N).

    h_t = x_t w;  u_t = alpha v_t + h_t;  v_{t+1} = u_t (1 - s_t);  s_{t+1} = H(v_{t+1} - 1);  v_0 = s_0 = 0.
    The Heaviside's gradient is replaced by that of sigmoid(beta x). On the CPU the time loops and the
    input matmuls run on NumPy views of the tensors: a small ufunc costs a fraction of a torch op's
    dispatch, and OpenBLAS beats MKL on the AMD CPUs of our clusters for these tall, thin products.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, w: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
        batch, steps, _ = x.shape
        h = _matmul(x.reshape(batch * steps, -1), w).reshape(batch, steps, -1).transpose(0, 1).contiguous()
        pre, volt, keep = torch.empty_like(h), torch.zeros_like(h), torch.ones_like(h)
        integrate = _integrate_numpy if h.device.type == "cpu" else _integrate_torch
        integrate(h, alpha, pre, volt, keep)
        ctx.save_for_backward(x, w, pre, volt, keep)
        ctx.alpha, ctx.beta = alpha, beta
        return 1.0 - keep

    @staticmethod
    def backward(ctx, grad_spikes: torch.Tensor):
        x, w, pre, volt, keep = ctx.saved_tensors
        sig = torch.sigmoid(ctx.beta * (volt - 1.0))
        surrogate = ctx.beta * sig * (1.0 - sig)
        direct = grad_spikes * surrogate                        # dL/dv_t through s_t
        carry = ctx.alpha * keep - pre * surrogate             # dv_{t+1}/dv_t
        grad_volt = torch.empty_like(volt)
        accumulate = _accumulate_numpy if volt.device.type == "cpu" else _accumulate_torch
        accumulate(direct, carry, grad_volt)
        grad_h = torch.zeros_like(volt)
        torch.mul(grad_volt[1:], keep[:-1], out=grad_h[:-1])
        grad_h = grad_h.transpose(0, 1).reshape(-1, w.shape[1])          # (B*T, N), batch-major like x
        flat_x = x.reshape(-1, w.shape[0])
        grad_x = _matmul(grad_h, w.t()).reshape(x.shape) if ctx.needs_input_grad[0] else None
        grad_w = _matmul(flat_x.t(), grad_h) if ctx.needs_input_grad[1] else None
        return grad_x, grad_w, None, None


def _matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.device.type == "cpu":
        return torch.from_numpy(a.detach().numpy() @ b.detach().numpy())
    return a @ b


def _integrate_numpy(h, alpha, pre, volt, keep) -> None:
    h, pre, volt, keep = h.detach().numpy(), pre.numpy(), volt.numpy(), keep.numpy()
    alpha = h.dtype.type(alpha)
    for t in range(h.shape[0] - 1):
        np.multiply(volt[t], alpha, out=pre[t])
        pre[t] += h[t]
        np.multiply(pre[t], keep[t], out=volt[t + 1])
        np.less_equal(volt[t + 1], 1.0, out=keep[t + 1])
    pre[-1] = 0.0


def _integrate_torch(h, alpha, pre, volt, keep) -> None:
    for t in range(h.shape[0] - 1):
        torch.add(h[t], volt[t], alpha=alpha, out=pre[t])
        torch.mul(pre[t], keep[t], out=volt[t + 1])
        keep[t + 1] = volt[t + 1] <= 1.0
    pre[-1] = 0.0


def _accumulate_numpy(direct, carry, grad_volt) -> None:
    """grad_v_t = direct_t + carry_t grad_v_{t+1}, backwards from the last step (t >= 1)."""
    direct, carry, grad = direct.numpy(), carry.numpy(), grad_volt.numpy()
    grad[-1] = direct[-1]
    for t in range(grad.shape[0] - 2, 0, -1):
        np.multiply(carry[t], grad[t + 1], out=grad[t])
        grad[t] += direct[t]
    grad[0] = 0.0


def _accumulate_torch(direct, carry, grad_volt) -> None:
    grad_volt[-1] = direct[-1]
    for t in range(grad_volt.shape[0] - 2, 0, -1):
        torch.addcmul(direct[t], carry[t], grad_volt[t + 1], out=grad_volt[t])
    grad_volt[0] = 0.0


def readout_weights(steps: int, alpha: float, dtype=torch.float32) -> torch.Tensor:
    """c_j such that sum_t o_t = sum_j c_j (s_j W2) for the leaky output o_{t+1} = alpha o_t + s_t W2."""
    j = torch.arange(steps, dtype=torch.float64)
    weights = (1 - alpha ** (steps - 1 - j)) / (1 - alpha)
    return weights.to(dtype)


def dale_signs(rows: int, ie_ratio: float, generator: torch.Generator) -> torch.Tensor:
    """+1/-1 per presynaptic row; round(ie_ratio * rows) rows, chosen at random, are inhibitory."""
    signs = torch.ones(rows)
    inhibitory = torch.randperm(rows, generator=generator)[:round(ie_ratio * rows)]
    signs[inhibitory] = -1.0
    return signs


class SoundLocalisationSNN(nn.Module):
    def __init__(self, p: SoundLocalisationParams, generator: torch.Generator):
        super().__init__()
        n_in = 2 * p.anf_per_ear
        self.alpha = math.exp(-p.dt_ms / p.tau_ms)
        self.beta = p.surrogate_beta
        self.w1 = nn.Parameter(_uniform(n_in, p.num_hidden, generator))
        self.w2 = nn.Parameter(_uniform(p.num_hidden, p.num_classes, generator))
        self.dale = p.dale
        sign1 = dale_signs(n_in, p.ie_ratio, generator)
        sign2 = dale_signs(p.num_hidden, p.ie_ratio, generator)
        self.register_buffer("sign1", torch.ones(n_in) if p.w1_positive else sign1)
        self.register_buffer("sign2", torch.ones(p.num_hidden) if p.w2_positive else sign2)
        self.register_buffer("readout", readout_weights(p.duration_steps, self.alpha))

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The effective weights: |w| times each presynaptic row's sign under Dale's law."""
        if not self.dale:
            return self.w1, self.w2
        return self.w1.abs() * self.sign1[:, None], self.w2.abs() * self.sign2[:, None]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, inputs) -> (log-probabilities (B, classes), hidden spikes (T, B, hidden))."""
        w1, w2 = self.weights()
        spikes = LIFHidden.apply(x, w1, self.alpha, self.beta)
        counts = torch.einsum("tbn,t->bn", spikes, self.readout)
        return torch.log_softmax(READOUT_SCALE * counts @ w2, dim=1), spikes


def _uniform(fan_in: int, fan_out: int, generator: torch.Generator) -> torch.Tensor:
    bound = 1 / math.sqrt(fan_in)
    return (torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound
