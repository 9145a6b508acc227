"""A fast CPU path for the dense models (HSM, LNLN, LN): forward pass, hand-written gradients and Adam
in numpy on one flat parameter vector. A step of the baseline costs a few dozen small array operations
instead of a few hundred autograd nodes, which is what makes a 5000-epoch, batch-16 fit take minutes.
The torch modules in model.py stay the definition: the fitter starts from a module's weights, writes
its weights back into it, and tests check its gradients and steps against torch's autograd and Adam.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from neuro.experiments.v1_population.model import DoGLayer, PopulationModel

DOG_PARAMS = ("x", "y", "sigma", "delta", "a1", "a2")
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
POISSON_EPS = 1e-8
SOFTPLUS_THRESHOLD = 20.0


def softplus(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """softplus(z) and its slope sigmoid(z), from one exp; linear above 20 as in torch."""
    one_plus = 1 + np.exp(np.minimum(z, SOFTPLUS_THRESHOLD))
    return np.where(z > SOFTPLUS_THRESHOLD, z, np.log(one_plus)), (one_plus - 1) / one_plus


def trained_tensors(model: PopulationModel) -> dict[str, nn.Parameter]:
    """A dense model's parameters by short name, in the flat vector's order (DoG parameters first)."""
    tensors: dict[str, nn.Parameter] = {}
    dog = next((m for m in model.modules() if isinstance(m, DoGLayer)), None)
    if dog is not None:
        tensors.update({name: getattr(dog, name) for name in DOG_PARAMS})
    if model.hidden is not None:
        tensors.update({"w1": model.hidden.weight, "b1": model.hidden.bias})
    tensors.update({"w2": model.readout.linear.weight, "b2": model.readout.linear.bias})
    return tensors


def relu(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.maximum(z, 0), (z > 0).astype(z.dtype)


def sigmoid(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    value = 0.5 * (np.tanh(0.5 * z) + 1)
    return value, value * (1 - value)


def linear(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return z, np.ones_like(z)


ACTIVATIONS = {"softplus": softplus, "relu": relu, "sigmoid": sigmoid, "linear": linear}


class DenseFitter:
    """Trains a PopulationModel whose core is a DoG layer + hidden layer (HSM), a hidden layer (LNLN) or
    nothing (LN). Penalties, dropout, Poisson/MSE loss and Adam/SGD match the torch path exactly."""

    def __init__(self, model: PopulationModel, loss: str, optimiser: str, lr: float, penalties: dict[str, float],
                 dropout: float, seed: int, dtype: type = np.float32, activation: str = "softplus"):
        self.model, self.loss, self.optimiser, self.lr = model, loss, optimiser, lr
        self.activation = ACTIVATIONS[activation]
        self.penalties, self.dropout = penalties, dropout
        self.dropout_rng = np.random.default_rng([seed, 2])
        self.dog = next((m for m in model.modules() if isinstance(m, DoGLayer)), None)
        tensors = trained_tensors(model)
        self.flat = np.concatenate([t.detach().cpu().numpy().ravel() for t in tensors.values()]).astype(dtype)
        self.grad = np.zeros_like(self.flat)
        self.m, self.v, self.t = np.zeros_like(self.flat), np.zeros_like(self.flat), 0
        self.lower = np.full_like(self.flat, -np.inf)
        self.upper = np.full_like(self.flat, np.inf)
        self.param, self.gradient, offset = {}, {}, 0
        for name, tensor in tensors.items():
            size, shape = tensor.numel(), tuple(tensor.shape)
            self.param[name] = self.flat[offset:offset + size].reshape(shape)
            self.gradient[name] = self.grad[offset:offset + size].reshape(shape)
            if self.dog is not None and name in DOG_PARAMS:
                self.lower[offset:offset + size], self.upper[offset:offset + size] = self.dog.bounds()[name]
            offset += size
        if self.dog is not None:
            self.grid = np.arange(self.dog.side, dtype=dtype)

    # ---- forward and backward ----------------------------------------------------------------------

    def _dog_factors(self) -> dict[str, np.ndarray]:
        """The DoG filters are separable: a1 G(s1) - a2 G(s2) with G(s) = gy(s) gx(s)^T. Per width w
        (centre s1, surround s2) and axis (x, y): offsets u (axis, filters, side), 1-D Gaussians
        e (width, axis, filters, side) and signed normalised amplitudes c = +-a / (2 pi s^2)."""
        p = self.param
        u = self.grid - np.stack([p["x"], p["y"]])[:, :, None]
        s = np.stack([p["sigma"], p["sigma"] + p["delta"]])
        e = np.exp(u * u / (-2 * s * s)[:, None, :, None])
        c = np.stack([p["a1"], -p["a2"]]) / (2 * np.pi * s * s)
        return {"u": u, "s": s, "e": e, "c": c}

    def dog_filters(self, f: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """(filters, side*side): sum over widths of c gy gx^T, as one batched matmul."""
        f = f or self._dog_factors()
        rows = (f["c"][:, :, None] * f["e"][:, 1]).transpose(1, 2, 0)  # (filters, side, width)
        filters = rows @ f["e"][:, 0].transpose(1, 0, 2)                # (filters, side, side)
        return filters.reshape(len(filters), -1)

    def _dog_backward(self, f: dict[str, np.ndarray], grad_filters: np.ndarray) -> None:
        """Gradients of the DoG parameters from the gradient G of the filters (filters, side*side).
        Every one is a moment sum_ij G_ij e_ij ux^a uy^b, so two batched matmuls give them all."""
        n, side = grad_filters.shape[0], len(self.grid)
        u, s, e, c = f["u"], f["s"], f["e"], f["c"]
        powers = np.stack([np.ones_like(u), u, u * u], axis=-1)        # (axis, filters, side, 3)
        weighted = e[..., None] * powers                                # (width, axis, filters, side, 3)
        cols, rows = weighted[:, 0], weighted[:, 1]
        moments = rows.swapaxes(-1, -2) @ grad_filters.reshape(n, side, side) @ cols  # (width, filters, b, a)
        total, moment_x, moment_y = moments[..., 0, 0], moments[..., 0, 1], moments[..., 1, 0]
        moment_r = moments[..., 0, 2] + moments[..., 2, 0]
        d_s = c * (moment_r / (s * s) - 2 * total) / s                      # through G(s) and 1 / s^2
        grads = np.stack([(c * moment_x / (s * s)).sum(0), (c * moment_y / (s * s)).sum(0), d_s.sum(0), d_s[1],
                          total[0] / (2 * np.pi * s[0] ** 2), -total[1] / (2 * np.pi * s[1] ** 2)])
        self.grad[:grads.size] = grads.ravel()

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x, train=False)[0]

    def weights(self) -> np.ndarray:
        return self.flat.copy()

    def set_weights(self, weights: np.ndarray) -> None:
        self.flat[:] = weights

    def _forward(self, x: np.ndarray, train: bool) -> tuple[np.ndarray, dict]:
        p, cache = self.param, {}
        features = x
        if self.dog is not None:
            cache["dog"] = self._dog_factors()
            features = x @ self.dog_filters(cache["dog"]).T
        cache["features"] = features
        if "w1" in p:
            features, cache["slope1"] = self.activation(features @ p["w1"].T + p["b1"])
        if train and self.dropout > 0:
            keep = self.dropout_rng.random(features.shape) >= self.dropout
            cache["keep"] = keep / (1 - self.dropout)
            features = features * cache["keep"]
        cache["readout_in"] = features
        rate, cache["slope2"] = softplus(features @ p["w2"].T + p["b2"])
        return rate, cache

    def loss_and_gradient(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
        """Masked mean loss plus penalties; fills self.grad."""
        rate, cache = self._forward(x, train=True)
        p, grad, total = self.param, self.gradient, mask.sum()
        if self.loss == "poisson":
            loss = ((rate - y * np.log(rate + POISSON_EPS)) * mask).sum() / total
            d_rate = (1 - y / (rate + POISSON_EPS)) * mask / total
        else:
            loss = (((rate - y) ** 2) * mask).sum() / total
            d_rate = 2 * (rate - y) * mask / total
        d_z = d_rate * cache["slope2"]
        grad["w2"][:] = d_z.T @ cache["readout_in"]
        grad["b2"][:] = d_z.sum(0)
        loss += self._penalise("w2", self.penalties["l1_output"], self.penalties["l2_output"])
        if "w1" in p or self.dog is not None:
            d_features = d_z @ p["w2"]
            if "keep" in cache:
                d_features *= cache["keep"]
            if "w1" in p:
                d_z = d_features * cache["slope1"]
                grad["w1"][:] = d_z.T @ cache["features"]
                grad["b1"][:] = d_z.sum(0)
                loss += self._penalise("w1", self.penalties["l1_hidden"], self.penalties["l2_hidden"])
                d_features = d_z @ p["w1"] if self.dog is not None else None
            if self.dog is not None:
                self._dog_backward(cache["dog"], d_features.T @ x)
        return float(loss)

    def _penalise(self, name: str, l1: float, l2: float) -> float:
        w = self.param[name]
        if l1:
            self.gradient[name] += l1 * np.sign(w)
        if l2:
            self.gradient[name] += 2 * l2 * w
        return float(l1 * np.abs(w).sum() + l2 * (w * w).sum()) if (l1 or l2) else 0.0

    # ---- optimiser ---------------------------------------------------------------------------------

    def step(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
        """One optimiser step on a batch; parameters clipped to their bounds afterwards. Returns the loss."""
        loss = self.loss_and_gradient(x, y, mask)
        if self.optimiser == "sgd":
            self.flat -= self.lr * self.grad
        else:
            self._adam()
        np.clip(self.flat, self.lower, self.upper, out=self.flat)
        return loss

    def _adam(self) -> None:
        """torch.optim.Adam's update (same bias corrections and epsilon placement)."""
        (b1, b2), self.t = ADAM_BETAS, self.t + 1
        self.m *= b1
        self.m += (1 - b1) * self.grad
        self.v *= b2
        self.v += (1 - b2) * self.grad * self.grad
        denom = np.sqrt(self.v) / math.sqrt(1 - b2 ** self.t) + ADAM_EPS
        self.flat -= (self.lr / (1 - b1 ** self.t)) * self.m / denom

    # ---- state -------------------------------------------------------------------------------------

    def write_back(self) -> PopulationModel:
        """Copy the trained parameters into the torch model and return it."""
        with torch.no_grad():
            for name, tensor in trained_tensors(self.model).items():
                tensor.copy_(torch.from_numpy(np.array(self.param[name])).to(tensor.dtype))
        return self.model

    def state_dict(self) -> dict:
        return {"flat": self.flat.copy(), "m": self.m.copy(), "v": self.v.copy(), "t": self.t,
                "dropout_rng": self.dropout_rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.flat[:], self.m[:], self.v[:], self.t = state["flat"], state["m"], state["v"], state["t"]
        self.dropout_rng.bit_generator.state = state["dropout_rng"]
