"""Models of the HSM family (Antolik et al. 2016), split into a core (shared features) and a readout
(one output unit per neuron), as neuralpredictors does."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neuro.experiments.v1_population.params import IMAGE_SIDE

MIN_SIGMA = 0.5                      # pixels; widths below one pixel stay reachable
MIN_DELTA = 0.1                      # sigma2 = sigma1 + delta: the surround is always wider
AMPLITUDE = (0.0, 10.0)


class DoGLayer(nn.Module):
    """Concentric difference-of-Gaussians filters on a side x side grid: a1 G(sigma1) - a2 G(sigma1 + delta)
    centred at (x, y). Parameters are kept inside their bounds by `clip_()` after every optimiser step."""

    def __init__(self, filters: int, generator: torch.Generator, side: int = IMAGE_SIDE):
        super().__init__()
        def uniform(low: float, high: float) -> nn.Parameter:
            return nn.Parameter(low + (high - low) * torch.rand(filters, generator=generator))
        self.side = side
        self.x, self.y = uniform(side * 0.3, side * 0.7), uniform(side * 0.3, side * 0.7)
        widths = (min(1.0, side / 8), min(3.0, side / 4))
        self.sigma, self.delta = uniform(*widths), uniform(*widths)
        self.a1, self.a2 = uniform(0.5, 1.5), uniform(0.2, 0.8)
        grid = torch.arange(side, dtype=torch.float32)
        self.register_buffer("gy", grid[:, None].expand(side, side).reshape(-1))
        self.register_buffer("gx", grid[None, :].expand(side, side).reshape(-1))

    def bounds(self) -> dict[str, tuple[float, float]]:
        """Centres inside the grid, widths from MIN_SIGMA to half the grid, non-negative amplitudes."""
        centre, width = (0.0, self.side - 1.0), self.side / 2
        return {"x": centre, "y": centre, "sigma": (MIN_SIGMA, width), "delta": (MIN_DELTA, width),
                "a1": AMPLITUDE, "a2": AMPLITUDE}

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


class ConvLayer(nn.Module):
    """A linear convolutional first layer over the 31x31 image: free kernels, or DoG kernels
    (conv-DoG: each kernel a DoGLayer filter on a kernel_size grid, its centre free within it)."""

    def __init__(self, filters: int, kernel_size: int, stride: int, dog: bool, generator: torch.Generator):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride
        if dog:
            self.dog, self.weight = DoGLayer(filters, generator, side=kernel_size), None
        else:
            bound = math.sqrt(6 / (2 * kernel_size ** 2))
            weight = (torch.rand(filters, kernel_size ** 2, generator=generator) * 2 - 1) * bound
            self.dog, self.weight = None, nn.Parameter(weight)

    def kernels(self) -> torch.Tensor:
        """(filters, kernel_size**2)."""
        return self.dog.filters() if self.dog is not None else self.weight

    def output_size(self) -> int:
        positions = (IMAGE_SIDE - self.kernel_size) // self.stride + 1
        return len(self.kernels()) * positions ** 2

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size
        kernels = self.kernels().reshape(-1, 1, k, k)
        out = F.conv2d(images.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE), kernels, stride=self.stride)
        return out.flatten(1)


class Readout(nn.Module):
    """One softplus output unit per neuron on the core's features."""

    def __init__(self, features: int, neurons: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(features, neurons)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return F.softplus(self.linear(self.dropout(features)))

    def regularizer(self, l1: float, l2: float) -> torch.Tensor:
        """The L1/L2 penalty on the readout's weights."""
        return elastic(self.linear.weight, l1, l2)


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

    def regularizer(self, l1_hidden: float, l2_hidden: float, l1_output: float, l2_output: float) -> torch.Tensor:
        """The L1/L2 penalties on the hidden layer's weights (where there is one) and the readout's."""
        penalty = self.readout.regularizer(l1_output, l2_output)
        return penalty + elastic(self.hidden.weight, l1_hidden, l2_hidden) if self.hidden is not None else penalty


def elastic(weight: torch.Tensor, l1: float, l2: float) -> torch.Tensor:
    """l2 * sum of squares + l1 * sum of magnitudes."""
    return l2 * (weight ** 2).sum() + l1 * weight.abs().sum()


ACTIVATIONS = {"softplus": nn.Softplus, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


def build_model(kind: str, neurons: int, filters: int, hidden_fraction: float, dropout: float, bias_init: str,
                generator: torch.Generator, kernel_size: int = 7, stride: int = 1,
                activation: str = "softplus") -> PopulationModel:
    """ln: images -> softplus output; lnln: images -> hidden -> output; hsm: DoG layer -> hidden
    -> output; conv / conv_dog: convolutional first layer (free or DoG kernels) -> hidden -> output.
    `activation` is the hidden layer's; the output is always softplus (rates are positive)."""
    hidden_units = max(1, round(hidden_fraction * neurons))
    pixels = IMAGE_SIDE ** 2
    if kind == "ln":
        model = PopulationModel(nn.Identity(), Readout(pixels, neurons, dropout), None)
    else:
        first: nn.Module | None = None
        features = pixels
        if kind == "hsm":
            first, features = DoGLayer(filters, generator), filters
        elif kind in ("conv", "conv_dog"):
            first = ConvLayer(filters, kernel_size, stride, kind == "conv_dog", generator)
            features = first.output_size()
        hidden = nn.Linear(features, hidden_units)
        core = nn.Sequential(*([first] if first else []), hidden, ACTIVATIONS[activation]())
        model = PopulationModel(core, Readout(hidden_units, neurons, dropout), hidden)
    _initialise(model, bias_init, generator)
    return model


def first_layer_filters(model: PopulationModel) -> np.ndarray:
    """What the first layer sees, one row per unit, for pictures: DoG filters, conv kernels, the hidden
    units' receptive fields (LNLN) or the neurons' (LN)."""
    with torch.no_grad():
        first = model.core[0] if isinstance(model.core, nn.Sequential) else None
        if isinstance(first, DoGLayer):
            return first.filters().cpu().numpy()
        if isinstance(first, ConvLayer):
            return first.kernels().cpu().numpy()
        weights = model.hidden.weight if model.hidden is not None else model.readout.linear.weight
        return weights.cpu().numpy()


def _initialise(model: nn.Module, bias_init: str, generator: torch.Generator) -> None:
    """Glorot-uniform weights; biases zero or truncated normal (sd 0.1, within 2 sd)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                bound = math.sqrt(6 / (module.in_features + module.out_features))
                module.weight.copy_((torch.rand(module.weight.shape, generator=generator) * 2 - 1) * bound)
                bias = torch.randn(module.bias.shape, generator=generator).clamp_(-2, 2) * 0.1
                module.bias.copy_(bias if bias_init == "truncated_normal" else torch.zeros_like(bias))
