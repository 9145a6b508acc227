"""Fit a population model to V1 responses: Poisson (or MSE) loss, L1/L2 penalties, validation
correlation every few epochs, the best weights kept."""
from __future__ import annotations

import numpy as np

from neuro.experiments.v1_population.data import load_data, region_folder
from neuro.experiments.v1_population.fitting import Fitter, make_fitter
from neuro.experiments.v1_population.metrics import noise_corrected, split_half_reliability
from neuro.experiments.v1_population.model import build_model, first_layer_filters
from neuro.experiments.v1_population.params import V1Params
from neuro.experiments.v1_population.plots import save_filters
from neuro.utils.execution.correlation import pearson_per_column
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TrainingState, check_finite


def train(p: V1Params, ctx) -> dict[str, float]:
    """Fit; report the mean per-neuron validation correlation (and noise-corrected when repeats exist)."""
    import torch

    folders = [region_folder(ctx.data_dir, region, p.dataset) for region in p.regions]
    ctx.log.info("data: %s", ", ".join(map(str, folders)))
    data = load_data(folders)
    ctx.read_data(*folders)
    train_x, val_x = _inputs(data.train_x, data.val_x, p.inputs)
    model = build_model(p.model, data.neurons, p.filters, p.hidden_fraction, p.dropout, p.bias_init,
                        torch.Generator().manual_seed(ctx.seed), p.kernel_size, p.stride, p.activation)
    fitter = make_fitter(model, p, ctx.seed, ctx.device)
    shuffle = np.random.default_rng([ctx.seed, 1])
    best = EarlyStopping(mode="max")          # no early stopping: the best weights by validation correlation
    state = TrainingState(ctx, fitter=fitter, shuffle=NumpyRNG(shuffle), best=best)

    def correlation() -> np.ndarray:
        return pearson_per_column(fitter.predict(val_x), data.val_y, data.val_mask, constant=0.0)

    for epoch in range(state.resume(), p.epochs):
        loss = _epoch(fitter, train_x, data.train_y, data.train_mask, p.batch_size, shuffle)
        check_finite(epoch, **{"training loss": loss})
        if (epoch + 1) % p.eval_every == 0 or epoch + 1 == p.epochs:
            r = float(correlation().mean())
            best.update(epoch, r, fitter.weights)
            ctx.log_metrics(epoch, {"loss/train": loss, "correlation/validation": r})
            state.save(epoch, last=epoch + 1 == p.epochs)
    fitter.set_weights(best.best_weights)
    r = correlation()
    np.save(ctx.run_dir / "per_neuron_r.npy", r)
    metrics = {"validation_r": float(r.mean()), "best_epoch": float(best.best_epoch)}
    if data.raw_val is not None:
        metrics["validation_r_corrected"] = float(noise_corrected(r, split_half_reliability(data.raw_val, data.val_mask)).mean())
    save_filters(first_layer_filters(fitter.write_back()), ctx.run_dir / "filters.png", ctx.writer)
    return metrics


def _inputs(train: np.ndarray, val: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    """Both sets transformed with the TRAINING statistics (never the validation set's own)."""
    if how == "normalised":
        mean, std = train.mean(), train.std()
        return (train - mean) / std, (val - mean) / std
    scale = np.abs(train).max()
    return train / scale, val / scale


def _epoch(fitter: Fitter, x: np.ndarray, y: np.ndarray, mask: np.ndarray, batch_size: int,
           shuffle: np.random.Generator) -> float:
    """One pass in a fresh random order; the mean training loss."""
    order = shuffle.permutation(len(x))
    x, y, mask = x[order], y[order], mask[order]          # one gather; the batches are views
    total = 0.0
    for start in range(0, len(x), batch_size):
        end = start + batch_size
        total += fitter.step(x[start:end], y[start:end], mask[start:end]) * len(x[start:end])
    return total / len(x)
