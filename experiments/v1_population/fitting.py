"""How a population model is trained: one optimiser step on a batch, predictions, and the state a
checkpoint needs. The dense models train on the CPU through the numpy fast path (dense.py); the
convolutional ones, and everything on a GPU, through torch's autograd."""
from __future__ import annotations

import copy
from typing import Any, Protocol

import numpy as np
import torch

from neuro.experiments.v1_population.dense import POISSON_EPS, DenseFitter
from neuro.experiments.v1_population.model import PopulationModel
from neuro.experiments.v1_population.params import V1Params

DENSE_MODELS = ("hsm", "ln", "lnln")


class Fitter(Protocol):
    def step(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float: ...
    def predict(self, x: np.ndarray) -> np.ndarray: ...
    def weights(self) -> Any: ...
    def set_weights(self, weights: Any) -> None: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...
    def write_back(self) -> PopulationModel: ...


def penalties(p: V1Params) -> dict[str, float]:
    return {"l1_output": p.l1_output, "l2_output": p.l2_output, "l1_hidden": p.l1_hidden, "l2_hidden": p.l2_hidden}


def make_fitter(model: PopulationModel, p: V1Params, seed: int, device: str) -> Fitter:
    if p.model in DENSE_MODELS and device == "cpu":
        return DenseFitter(model, p.loss, p.optimiser, p.lr, penalties(p), p.dropout, seed, activation=p.activation)
    return TorchFitter(model, p, device)


class TorchFitter:
    """Autograd and torch.optim; the reference the numpy path is tested against."""

    def __init__(self, model: PopulationModel, p: V1Params, device: str):
        self.model, self.p, self.device = model.to(device), p, device
        optimiser = torch.optim.Adam if p.optimiser == "adam" else torch.optim.SGD
        self.optimiser = optimiser(self.model.parameters(), lr=p.lr)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array).to(self.device)

    def step(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
        self.model.train()
        loss = training_loss(self.model, self.p, self._tensor(x), self._tensor(y), self._tensor(mask))
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        self.optimiser.step()
        self.model.clip_()
        return loss.item()

    @torch.no_grad()
    def predict(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        return self.model(self._tensor(x)).cpu().numpy()

    def weights(self) -> dict:
        return copy.deepcopy(self.model.state_dict())

    def set_weights(self, weights: dict) -> None:
        self.model.load_state_dict(weights)

    def state_dict(self) -> dict:
        """Weights, optimiser and the random state dropout draws from (so a resumed fit is exact)."""
        rng = torch.cuda.get_rng_state() if self.device.startswith("cuda") else torch.get_rng_state()
        return {"model": self.model.state_dict(), "optimiser": self.optimiser.state_dict(), "rng": rng}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimiser.load_state_dict(state["optimiser"])
        if self.device.startswith("cuda"):
            torch.cuda.set_rng_state(state["rng"].cpu())
        else:
            torch.set_rng_state(state["rng"].cpu())

    def write_back(self) -> PopulationModel:
        return self.model.cpu()


def training_loss(model: PopulationModel, p: V1Params, x: torch.Tensor, y: torch.Tensor,
                  mask: torch.Tensor) -> torch.Tensor:
    """Masked mean Poisson negative log-likelihood (or squared error) plus the L1/L2 penalties."""
    rate = model(x)
    error = rate - y * torch.log(rate + POISSON_EPS) if p.loss == "poisson" else (rate - y) ** 2
    loss = (error * mask).sum() / mask.sum()
    return loss + model.regularizer(p.l1_hidden, p.l2_hidden, p.l1_output, p.l2_output)
