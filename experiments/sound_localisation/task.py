"""Train the sound-localisation SNN: Adam, early stopping on validation loss, best weights kept."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from neuro.experiments.sound_localisation.data import IPDData, class_centres, make_ipd_data
from neuro.experiments.sound_localisation.model import SoundLocalisationSNN
from neuro.experiments.sound_localisation.params import SoundLocalisationParams
from neuro.experiments.sound_localisation.plots import confusion_figure
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TrainingState, check_finite


def train(p: SoundLocalisationParams, ctx) -> dict[str, float]:
    """Fit the network on a fixed training set; report test accuracy, IPD error and firing rates."""
    train_set, val_set, test_set = (make_ipd_data(p.batch_size * n, p, np.random.default_rng([ctx.seed, k]))
                                    for k, n in enumerate((p.train_batches, p.val_batches, p.test_batches)))
    model = SoundLocalisationSNN(p, torch.Generator().manual_seed(ctx.seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr)
    shuffle = np.random.default_rng([ctx.seed, 3])
    stopping = EarlyStopping(mode="min", patience=p.patience, min_epochs=p.min_epochs)
    state = TrainingState(ctx, model=model, optimiser=optimiser, shuffle=NumpyRNG(shuffle), stopping=stopping)
    for epoch in range(state.resume(), p.epochs):
        train_loss = _train_epoch(model, optimiser, train_set, p.batch_size, shuffle)
        check_finite(epoch, **{"training loss": train_loss})
        val = evaluate(model, val_set, p.batch_size)
        stopping.update(epoch, val["loss"], model.state_dict)
        ctx.log_metrics(epoch, {"loss/train": train_loss, "loss/validation": val["loss"],
                                "accuracy/validation": val["accuracy"], "rate_hz/hidden": val["rate_hz"]})
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)
        if stopping.should_stop:
            ctx.log.info("early stop after epoch %d (best epoch %d)", epoch, stopping.best_epoch)
            break
    model.load_state_dict(stopping.best_weights)
    test = evaluate(model, test_set, p.batch_size, dt_ms=p.dt_ms)
    ctx.writer.add_figure("confusion/test", confusion_figure(test["confusion"]), global_step=state.epoch + 1)
    return {"test_accuracy": test["accuracy"], "test_ipd_error_deg": test["ipd_error_deg"],
            "test_loss": test["loss"], "hidden_rate_hz": test["rate_hz"], "best_epoch": float(stopping.best_epoch),
            "epochs_trained": float(state.epoch + 1)}


def _train_epoch(model, optimiser, data: IPDData, batch_size: int, shuffle: np.random.Generator) -> float:
    model.train()
    order = shuffle.permutation(len(data))
    losses = []
    for start in range(0, len(data) - batch_size + 1, batch_size):
        index = np.sort(order[start:start + batch_size])
        x = torch.from_numpy(data.spikes[index]).float()
        y = torch.from_numpy(data.labels[index])
        log_p, _ = model(x)
        loss = F.nll_loss(log_p, y)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return float(np.mean(losses))


@torch.no_grad()
def evaluate(model, data: IPDData, batch_size: int, dt_ms: float = 1.0) -> dict:
    """Loss, accuracy (%), mean |IPD error| (degrees), hidden firing rate (Hz) and the confusion matrix."""
    model.eval()
    num_classes = model.w2.shape[1]
    centres = class_centres(num_classes)
    losses, correct, errors, rates = [], 0, [], []
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    for start in range(0, len(data), batch_size):
        stop = min(start + batch_size, len(data))
        x = torch.from_numpy(data.spikes[start:stop]).float()
        y = data.labels[start:stop]
        log_p, spikes = model(x)
        losses.append(F.nll_loss(log_p, torch.from_numpy(y), reduction="sum").item())
        predicted = log_p.argmax(1).numpy()
        correct += int((predicted == y).sum())
        errors.append(np.abs(centres[predicted] - data.ipd[start:stop]))
        rates.append(spikes.sum(0).mean().item() / (spikes.shape[0] * dt_ms * 1e-3))
        np.add.at(confusion, (y, predicted), 1)
    return {"loss": sum(losses) / len(data), "accuracy": 100.0 * correct / len(data),
            "ipd_error_deg": float(np.degrees(np.concatenate(errors).mean())),
            "rate_hz": float(np.mean(rates)), "confusion": confusion}
