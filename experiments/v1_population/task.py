"""Fit a population model to V1 responses: Poisson (or MSE) loss, L1/L2 penalties, validation
correlation every few epochs, the best weights kept."""
from __future__ import annotations

import copy

import numpy as np
import torch

from experiments.v1_population.dataset import load_data
from experiments.v1_population.metrics import noise_corrected, pearson_per_neuron, split_half_reliability
from experiments.v1_population.model import DoGLayer, build_model
from experiments.v1_population.params import V1Params
from experiments.v1_population.plots import save_filters


def train(p: V1Params, ctx) -> dict[str, float]:
    """Fit; report the mean per-neuron validation correlation (and noise-corrected when repeats exist)."""
    data = load_data(ctx.data_dir, p.regions, p.dataset)
    train_x, val_x = _inputs(data.train_x, data.val_x, p.inputs)
    train_y, train_mask = torch.from_numpy(data.train_y), torch.from_numpy(data.train_mask)
    generator = torch.Generator().manual_seed(ctx.seed)
    model = build_model(p.model, data.neurons, p.dog_filters, p.hidden_fraction, p.dropout, p.bias_init, generator)
    optimiser = (torch.optim.Adam if p.optimiser == "adam" else torch.optim.SGD)(model.parameters(), lr=p.lr)
    shuffle = np.random.default_rng([ctx.seed, 1])
    start, best = 0, {"r": -1.0, "epoch": -1, "state": copy.deepcopy(model.state_dict())}
    if (state := ctx.restore()) is not None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        shuffle.bit_generator.state = state["shuffle"]
        start, best = state["epoch"] + 1, state["best"]
    for epoch in range(start, p.epochs):
        loss = _epoch(model, optimiser, p, train_x, train_y, train_mask, shuffle)
        if not np.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss} at epoch {epoch}")
        if (epoch + 1) % p.eval_every == 0 or epoch + 1 == p.epochs:
            r = float(_correlations(model, val_x, data).mean())
            if r > best["r"]:
                best = {"r": r, "epoch": epoch, "state": copy.deepcopy(model.state_dict())}
            ctx.log_metrics(epoch, {"loss/train": loss, "correlation/validation": r})
            ctx.checkpoint({"epoch": epoch, "model": model.state_dict(), "optimiser": optimiser.state_dict(),
                            "shuffle": shuffle.bit_generator.state, "best": best})
    model.load_state_dict(best["state"])
    r = _correlations(model, val_x, data)
    np.save(ctx.run_dir / "per_neuron_r.npy", r)
    metrics = {"validation_r": float(r.mean()), "best_epoch": float(best["epoch"])}
    if data.raw_val is not None:
        metrics["validation_r_corrected"] = float(noise_corrected(r, split_half_reliability(data.raw_val)).mean())
    dog = next((m for m in model.modules() if isinstance(m, DoGLayer)), None)
    if dog is not None:
        save_filters(dog.filters().detach().numpy(), ctx.run_dir / "dog_filters.png", ctx.writer)
    return metrics


def _inputs(train: np.ndarray, val: np.ndarray, how: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Both sets transformed with the TRAINING statistics (never the validation set's own)."""
    if how == "normalised":
        mean, std = train.mean(), train.std()
        return torch.from_numpy((train - mean) / std), torch.from_numpy((val - mean) / std)
    scale = np.abs(train).max()
    return torch.from_numpy(train / scale), torch.from_numpy(val / scale)


def _epoch(model, optimiser, p: V1Params, x, y, mask, shuffle: np.random.Generator) -> float:
    model.train()
    order = torch.from_numpy(shuffle.permutation(len(x)))
    total = 0.0
    for start in range(0, len(x), p.batch_size):
        index = order[start:start + p.batch_size]
        rate = model(x[index])
        if p.loss == "poisson":
            error = rate - y[index] * torch.log(rate + 1e-8)
        else:
            error = (rate - y[index]) ** 2
        loss = (error * mask[index]).sum() / mask[index].sum() + _penalty(model, p)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        model.clip_()
        total += loss.item() * len(index)
    return total / len(x)


def _penalty(model, p: V1Params) -> torch.Tensor:
    out = model.readout.linear.weight
    penalty = p.l2_output * (out ** 2).sum() + p.l1_output * out.abs().sum()
    if model.hidden is not None:
        penalty = penalty + p.l2_hidden * (model.hidden.weight ** 2).sum() + p.l1_hidden * model.hidden.weight.abs().sum()
    return penalty


@torch.no_grad()
def _correlations(model, val_x: torch.Tensor, data) -> np.ndarray:
    model.eval()
    return pearson_per_neuron(model(val_x).numpy(), data.val_y, data.val_mask)
