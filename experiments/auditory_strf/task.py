"""Fit a model of auditory neurons to their responses to natural sounds: MSE against the trial-mean
PSTH, AdamW, early stopping on the validation sounds' CCnorm with the best weights kept, then the
test sounds' CCraw, CCnorm and noise-corrected CC per neuron."""
from __future__ import annotations

import json
import warnings

import numpy as np

from neuro.experiments.auditory_strf.data import load_for, planned_folder
from neuro.experiments.auditory_strf.metrics import cc_max, cc_noise_corrected, cc_norm, cc_raw, psth
from neuro.experiments.auditory_strf.params import StrfParams
from neuro.experiments.auditory_strf.recordings import StrfData
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TorchRNG, TrainingState, check_finite


def split(data: StrfData, p: StrfParams, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(training, validation, test) sound indices: the published test sounds; validation sounds drawn
    per repetition from the rest."""
    rest = np.random.default_rng([seed, 1]).permutation(np.flatnonzero(~data.test))
    held = max(1, int(round(p.validation_fraction * len(rest))))
    return np.sort(rest[held:]), np.sort(rest[:held]), np.flatnonzero(data.test)


def standardised(spectrograms: np.ndarray, sounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each band at zero mean and unit variance over the training sounds (the same shift and scale for
    every sound), so that no weight starts far from its scale; and each band's scale."""
    mean = spectrograms[sounds].mean(axis=(0, 2), keepdims=True)
    std = spectrograms[sounds].std(axis=(0, 2), keepdims=True)
    scale = np.where(std > 1e-8, std, 1.0)
    return ((spectrograms - mean) / scale).astype(np.float32), scale[0, :, 0]


def scaled_targets(rates: np.ndarray, sounds: np.ndarray) -> np.ndarray:
    """Each neuron's PSTH scaled to [0, 1] over the training sounds, the range the output nonlinearities
    start in (the metrics are correlations: the scale does not change them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)          # a neuron without repeats: NaN
        low = np.nanmin(rates[sounds], axis=(0, 2), keepdims=True)
        high = np.nanmax(rates[sounds], axis=(0, 2), keepdims=True)
    span = np.where(high - low > 1e-8, high - low, 1.0)
    return ((rates - low) / span).astype(np.float32)


def train(p: StrfParams, ctx) -> dict[str, float]:
    """data -> model -> loop -> evaluate."""
    import torch

    from neuro.experiments.auditory_strf.model import build_model, parameter_count

    data = _data(p, ctx)
    train_sounds, val_sounds, test_sounds = split(data, p, ctx.seed)
    spectrograms, scale = standardised(data.spectrograms, train_sounds)
    x = torch.from_numpy(spectrograms)[:, None]                           # (S, 1, F, T)
    y = torch.from_numpy(scaled_targets(psth(data.responses), train_sounds))   # (S, N, T), NaN: no repeat
    model = build_model(p.model, p.prefilter, p.output, x.shape[2], y.shape[1], data.bin_ms, p.window, p.hidden,
                        p.channels, p.padding)
    model.start_at(torch.from_numpy(np.nanmean(y[train_sounds].numpy(), axis=(0, 2))))
    model.to(ctx.device)
    ctx.log.info("%s + %s: %d parameters; %s", p.model, p.prefilter, parameter_count(model), data.shape)
    optimiser = torch.optim.AdamW(model.parameters(), lr=p.lr, weight_decay=p.weight_decay)
    shuffle = np.random.default_rng([ctx.seed, 2])
    stopping = EarlyStopping(mode="max", patience=p.patience, min_epochs=p.min_epochs)
    state = TrainingState(ctx, model=model, optimiser=optimiser, shuffle=NumpyRNG(shuffle), rng=TorchRNG(ctx.device),
                          stopping=stopping)
    for epoch in range(state.resume(), p.epochs):
        loss = _train_epoch(model, optimiser, x, y, train_sounds[shuffle.permutation(len(train_sounds))],
                            p.batch_size, ctx.device)
        check_finite(epoch, **{"training loss": loss})
        score = validation_score(model, x, data, val_sounds, ctx.device)
        stopping.update(epoch, score, model.state_dict)
        ctx.log_metrics(epoch, {"loss/train": loss, "validation/cc_norm": score})
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)
        if stopping.should_stop:
            break
    model.load_state_dict(stopping.best_weights)
    return {**evaluate(model, x, scale, data, test_sounds, p, ctx), "best_epoch": stopping.best_epoch,
            "epochs_trained": state.epoch + 1, "parameters": parameter_count(model)}


def _data(p: StrfParams, ctx) -> StrfData:
    folder, kind = planned_folder(p, ctx.data_dir)
    ctx.log.info("data: %s (%s)", folder, kind)
    data = load_for(p, ctx.data_dir)
    ctx.read_data(folder)
    return data.only(p.neuron) if p.neuron >= 0 else data


def _train_epoch(model, optimiser, x, y, order: np.ndarray, batch_size: int, device: str) -> float:
    """One pass over the training sounds in `order`; the mean squared error per bin."""
    model.train()
    total = 0.0
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        target = y[index].to(device)
        known = ~target.isnan()
        loss = ((model(x[index].to(device)) - target.nan_to_num())[known] ** 2).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        total += loss.item() * len(index)
    return total / len(order)


def predict(model, x, sounds: np.ndarray, device: str) -> np.ndarray:
    """The model's rates for these sounds (sounds, N, T)."""
    import torch
    model.eval()
    with torch.no_grad():
        return np.concatenate([model(x[[s]].to(device)).cpu().numpy() for s in sounds])


def validation_score(model, x, data: StrfData, sounds: np.ndarray, device: str) -> float:
    """The validation sounds' mean CCnorm over neurons, in %; CCraw where no neuron has two repeats."""
    prediction = predict(model, x, sounds, device)
    responses = [data.responses[s] for s in sounds]
    values = cc_norm(prediction, responses)
    if np.isnan(values).all():
        values = cc_raw(prediction, responses)
    return float(np.nanmean(values) * 100) if not np.isnan(values).all() else 0.0


def evaluate(model, x, scale: np.ndarray, data: StrfData, sounds: np.ndarray, p: StrfParams, ctx) -> dict[str, float]:
    """Test metrics (mean over neurons, %), per-neuron values in per_neuron.json, and the learned
    STRFs on the spectrogram's own scale (and AdapTrans's time constants) as PNG and TensorBoard
    images; on synthetic data, how close the learned STRFs are to the true ones."""
    from neuro.experiments.auditory_strf.plots import save_strfs, save_time_constants

    prediction = predict(model, x, sounds, ctx.device)
    responses = [data.responses[s] for s in sounds]
    per_neuron = {"neuron": data.neurons, "cc_raw": cc_raw(prediction, responses),
                  "cc_norm": cc_norm(prediction, responses),
                  "cc_noise_corrected": cc_noise_corrected(prediction, responses), "cc_max": cc_max(responses)}
    metrics = {f"test_{name}": float(np.nanmean(values) * 100) for name, values in per_neuron.items()
               if name != "neuron" and not np.isnan(values).all()}
    truth = _truth(p, ctx)
    strfs = model.strfs()
    if strfs is not None:
        strfs = strfs.cpu().numpy() / scale[None, :, None]       # weights on the standardised bands -> raw
        np.save(ctx.run_dir / "strfs.npy", strfs)
        save_strfs(strfs, ctx.run_dir / "strfs.png", ctx.writer, truth=truth["strfs"] if truth is not None else None)
        if truth is not None:
            from neuro.experiments.auditory_strf.synthetic import strf_similarity
            per_neuron["strf_similarity"] = strf_similarity(strfs, truth["strfs"])
            metrics["strf_similarity"] = float(np.nanmean(per_neuron["strf_similarity"]))
    if truth is not None:
        true_rates = truth["rates"][sounds]
        metrics["true_cc_norm"] = float(np.nanmean(cc_norm(true_rates, responses)) * 100)
    if p.prefilter == "adaptrans":
        save_time_constants(model.prefilter, ctx.run_dir / "time_constants.png", ctx.writer)
    (ctx.run_dir / "per_neuron.json").write_text(json.dumps(
        {k: [None if isinstance(v, float) and np.isnan(v) else v for v in np.asarray(values).tolist()]
         for k, values in per_neuron.items()}, indent=1))
    return metrics


def _truth(p: StrfParams, ctx) -> dict | None:
    """A synthetic set's ground truth (for the fitted neurons), or None."""
    folder, _ = planned_folder(p, ctx.data_dir)
    if not (folder / "ground_truth.npz").exists():
        return None
    truth = dict(np.load(folder / "ground_truth.npz"))
    if p.neuron >= 0:
        truth["strfs"], truth["rates"] = truth["strfs"][[p.neuron]], truth["rates"][:, [p.neuron]]
    return truth
