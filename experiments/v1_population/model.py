"""Models of the HSM family (Antolik et al. 2016), split into a core (shared features) and a readout
(one output unit per neuron), as neuralpredictors does."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from experiments.v1_population.data import IMAGE_SIDE

# Bounds of the DoG parameters, in pixels (centre, widths) and input units (amplitudes).
CENTRE = (0.0, IMAGE_SIDE - 1.0)
SIGMA = (0.5, IMAGE_SIDE / 2)
DELTA = (0.1, IMAGE_SIDE / 2)       # sigma2 = sigma1 + delta: the surround is always wider
AMPLITUDE = (0.0, 10.0)


class DoGLayer(nn.Module):
    """Concentric difference-of-Gaussians filters: a1 G(sigma1) - a2 G(sigma1 + delta) at (x, y).
    Parameters are kept inside their bounds by `clip_()` after every optimiser step."""

    def __init__(self, filters: int, generator: torch.Generator, side: int = IMAGE_SIDE):
        super().__init__()
        def uniform(low: float, high: float) -> nn.Parameter:
            return nn.Parameter(low + (high - low) * torch.rand(filters, generator=generator))
        self.x, self.y = uniform(side * 0.3, side * 0.7), uniform(side * 0.3, side * 0.7)
        self.sigma, self.delta = uniform(1.0, 3.0), uniform(1.0, 3.0)
        self.a1, self.a2 = uniform(0.5, 1.5), uniform(0.2, 0.8)
        grid = torch.arange(side, dtype=torch.float32)
        self.register_buffer("gy", grid[:, None].expand(side, side).reshape(-1))
        self.register_buffer("gx", grid[None, :].expand(side, side).reshape(-1))

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {"x": CENTRE, "y": CENTRE, "sigma": SIGMA, "delta": DELTA, "a1": AMPLITUDE, "a2": AMPLITUDE}

    @torch.no_grad()
    def clip_(self) -> None:
        for name, (low, high) in self.bounds().items():
            getattr(self, name).clamp_(low, high)

    def filters(self) -> torch.Tensor:
        """(filters, side*side)."""
        r2 = (self.gx[None, :] - self.x[:, None]) ** 2 + (self.gy[None, :] - self.y[:, None]) ** 2
        s1, s2 = self.sigma[:, None], (self.sigma + self.delta)[:, None]
        centre = torch.exp(-r2 / (2 * s1 ** 2)) / (2 * math.pi * s1 ** 2)
        surround = torch.exp(-r2 / (2 * s2 ** 2)) / (2 * math.pi * s2 ** 2)
        return self.a1[:, None] * centre - self.a2[:, None] * surround

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return images @ self.filters().T


class Readout(nn.Module):
    """One softplus output unit per neuron on the core's features."""

    def __init__(self, features: int, neurons: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(features, neurons)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return F.softplus(self.linear(self.dropout(features)))


class PopulationModel(nn.Module):
    """core (images -> features) + readout (features -> rates); `hidden` is the layer penalised as hidden."""

    def __init__(self, core: nn.Module, readout: Readout, hidden: nn.Linear | None):
        super().__init__()
        self.core, self.readout, self.hidden = core, readout, hidden

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.readout(self.core(images))

    def clip_(self) -> None:
        for module in self.modules():
            if isinstance(module, DoGLayer):
                module.clip_()


def build_model(kind: str, neurons: int, dog_filters: int, hidden_fraction: float, dropout: float,
                bias_init: str, generator: torch.Generator) -> PopulationModel:
    hidden_units = max(1, round(hidden_fraction * neurons))
    pixels = IMAGE_SIDE ** 2
    if kind == "ln":
        model = PopulationModel(nn.Identity(), Readout(pixels, neurons, dropout), None)
    else:
        first = DoGLayer(dog_filters, generator) if kind == "hsm" else None
        hidden = nn.Linear(dog_filters if first else pixels, hidden_units)
        core = nn.Sequential(*([first] if first else []), hidden, nn.Softplus())
        model = PopulationModel(core, Readout(hidden_units, neurons, dropout), hidden)
    _initialise(model, bias_init, generator)
    return model


def _initialise(model: nn.Module, bias_init: str, generator: torch.Generator) -> None:
    """Glorot-uniform weights; biases zero or truncated normal (sd 0.1, within 2 sd)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                bound = math.sqrt(6 / (module.in_features + module.out_features))
                module.weight.copy_((torch.rand(module.weight.shape, generator=generator) * 2 - 1) * bound)
                bias = torch.randn(module.bias.shape, generator=generator).clamp_(-2, 2) * 0.1
                module.bias.copy_(bias if bias_init == "truncated_normal" else torch.zeros_like(bias))
