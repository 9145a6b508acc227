"""Train an integration model on a stimulus set (validation split with early stopping, the best
weights kept) and evaluate it per stimulus type on the held-out test rows: accuracy, rate error,
proportion "fast" against the rate, and a psychometric fit."""
from __future__ import annotations

import json

import numpy as np

from neuro.experiments.multisensory.data import ensure_stimuli, read_set
from neuro.experiments.multisensory.params import MSIParams
from neuro.experiments.multisensory.psychometric import fit_psychometric, proportions
from neuro.experiments.multisensory.stimuli import DIFFICULTIES, TYPES, StimulusSpec
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TorchRNG, TrainingState, check_finite


def data_file(p: MSIParams) -> str:
    """The stimulus set's file name under Data/."""
    types = "".join(map(str, sorted(p.types)))
    return p.data or f"msi_{p.difficulty}_n{p.n}_types{types}_seed{p.data_seed}.h5"


def stimulus_spec(p: MSIParams) -> StimulusSpec:
    return StimulusSpec(difficulty=float(DIFFICULTIES[p.difficulty]), types=tuple(sorted(p.types)))


def split(n: int, p: MSIParams, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Test rows fixed by the data seed (the same "subjects" see the same test); training and
    validation rows drawn per repetition."""
    order = np.random.default_rng([p.data_seed, 2]).permutation(n)
    n_test = int(round(p.test_fraction * n))
    test, rest = order[:n_test], order[n_test:]
    rest = np.random.default_rng([seed, 3]).permutation(rest)
    n_val = max(1, int(round(p.validation_fraction * len(rest))))
    return rest[n_val:], rest[:n_val], np.sort(test)


def train(p: MSIParams, ctx) -> dict[str, float]:
    """Fit, stop early on the validation loss, evaluate the best weights per stimulus type."""
    import torch

    from neuro.experiments.multisensory.model import IntegrationModel, parameter_count

    data, spec = _stimuli(p, ctx)
    train_rows, val_rows, test_rows = split(len(data["rate"]), p, ctx.seed)
    tensors = {k: torch.from_numpy(v) for k, v in data.items()}
    model = IntegrationModel(p.integration, rate_mean=spec.fast_threshold).to(ctx.device)
    ctx.log.info("%s integration: %d parameters", p.integration, parameter_count(model))
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr)
    shuffle = np.random.default_rng([ctx.seed, 4])
    stopping = EarlyStopping(mode="min", patience=p.patience)
    state = TrainingState(ctx, model=model, optimiser=optimiser, shuffle=NumpyRNG(shuffle), rng=TorchRNG(),
                          stopping=stopping)
    for epoch in range(state.resume(), p.epochs):
        train_loss = _train_epoch(model, optimiser, tensors, train_rows, p, shuffle, ctx.device)
        val_loss = _evaluate_loss(model, tensors, val_rows, p, ctx.device)
        check_finite(epoch, **{"validation loss": val_loss})
        stopping.update(epoch, val_loss, model.state_dict)
        ctx.log_metrics(epoch, {"loss/train": train_loss, "loss/validation": val_loss})
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)
        if stopping.should_stop:
            break
    model.load_state_dict(stopping.best_weights)
    evaluation = evaluate(model, tensors, data, test_rows, ctx.device)
    (ctx.run_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2))
    ctx.log.info("stopped at epoch %d (%s); best validation loss %.4f at epoch %d", state.epoch,
                 "early stopping" if stopping.should_stop else "epoch limit", stopping.best, stopping.best_epoch)
    return {**_summary(evaluation), "best_epoch": stopping.best_epoch, "epochs_trained": state.epoch + 1,
            "stopped_early": float(stopping.should_stop), "parameters": parameter_count(model)}


def _stimuli(p: MSIParams, ctx) -> tuple[dict, StimulusSpec]:
    """The experiment's stimulus set, written on first use."""
    path = ctx.data_dir / data_file(p)
    spec = stimulus_spec(p)
    if ensure_stimuli(path, spec, p.n, p.data_seed):
        ctx.log.info("wrote the stimulus set %s", path)
    ctx.read_data(path)
    return read_set(path), spec


def _train_epoch(model, optimiser, tensors: dict, rows: np.ndarray, p: MSIParams, shuffle: np.random.Generator,
                 device: str) -> float:
    """One pass over the training rows in a fresh order; the mean loss."""
    import torch
    model.train()
    order = rows[shuffle.permutation(len(rows))]
    total = 0.0
    for start in range(0, len(order), p.batch_size):
        index = torch.from_numpy(order[start:start + p.batch_size])
        loss = _loss(model, tensors, index, p, device)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        total += loss.item() * len(index)
    return total / len(order)


def _outputs(model, tensors: dict, index, device: str) -> dict:
    return model(tensors["x_left"][index].to(device), tensors["x_right"][index].to(device))


def _loss(model, tensors: dict, index, p: MSIParams, device: str):
    import torch.nn.functional as F
    out = _outputs(model, tensors, index, device)
    target = {k: tensors[k][index].to(device) for k in ("fast", "rate", "left_rate", "right_rate")}
    loss = p.decision_weight * F.cross_entropy(out["dec_logits"], target["fast"])
    loss = loss + p.rate_weight * F.mse_loss(out["rate"], target["rate"])
    if p.channel_rate_weight:
        loss = loss + p.channel_rate_weight * (F.mse_loss(out["left_rate"], target["left_rate"])
                                               + F.mse_loss(out["right_rate"], target["right_rate"]))
    return loss


def _evaluate_loss(model, tensors: dict, rows: np.ndarray, p: MSIParams, device: str) -> float:
    import torch
    model.eval()
    with torch.no_grad():
        total = 0.0
        for start in range(0, len(rows), 4096):
            index = torch.from_numpy(rows[start:start + 4096])
            total += _loss(model, tensors, index, p, device).item() * len(index)
    return total / len(rows)


def evaluate(model, tensors: dict, data: dict, rows: np.ndarray, device: str) -> dict:
    """Per stimulus type on `rows`: accuracy, mean absolute rate error, proportion "fast" per rate
    and the psychometric fit."""
    import torch
    model.eval()
    p_fast, rate = [], []
    with torch.no_grad():
        for start in range(0, len(rows), 4096):
            out = _outputs(model, tensors, torch.from_numpy(rows[start:start + 4096]), device)
            p_fast.append(torch.softmax(out["dec_logits"], dim=1)[:, 1].cpu().numpy())
            rate.append(out["rate"].cpu().numpy())
    said_fast, rate = np.concatenate(p_fast) > 0.5, np.concatenate(rate)
    result = {}
    for type_ in sorted(set(data["type"][rows].tolist())):
        mine = data["type"][rows] == type_
        true_rate, truth = data["rate"][rows][mine], data["fast"][rows][mine]
        levels, n_fast, n_total = proportions(true_rate, said_fast[mine])
        result[str(type_)] = {
            "name": TYPES[type_], "n": int(mine.sum()),
            "accuracy": float((said_fast[mine] == truth).mean()),
            "rate_error": float(np.abs(rate[mine] - true_rate).mean()),
            "levels": levels.tolist(), "proportion_fast": (n_fast / n_total).tolist(), "trials": n_total.tolist(),
            "fit": fit_psychometric(levels, n_fast, n_total).as_dict()}
    return result


def _summary(evaluation: dict) -> dict[str, float]:
    """Flat metrics for the ledger and `neuro results`: overall and per type; a failed psychometric
    fit leaves its bias and threshold out and counts in fits_failed."""
    n = sum(e["n"] for e in evaluation.values())
    metrics = {"accuracy": sum(e["accuracy"] * e["n"] for e in evaluation.values()) / n,
               "rate_error": sum(e["rate_error"] * e["n"] for e in evaluation.values()) / n,
               "fits_failed": float(sum(not e["fit"]["ok"] for e in evaluation.values()))}
    for type_, e in evaluation.items():
        metrics[f"accuracy_t{type_}"] = e["accuracy"]
        if e["fit"]["ok"]:
            metrics[f"threshold_t{type_}"] = e["fit"]["threshold"]
            metrics[f"bias_t{type_}"] = e["fit"]["bias"]
    return metrics
