"""Fit Neural Information Flow to the voxels of V1 and V2: MSE summed over areas, Adam, early stopping on
the validation loss with the best weights kept; then per-voxel Pearson r on held-out test images, each
voxel's spatial field (centre and size) and, on synthetic data, how close those are to the truth."""
from __future__ import annotations

import json

import numpy as np

from neuro.experiments.nif.data import SIDE, BrainsData, load_for, planned_folder
from neuro.experiments.nif.params import NIFParams
from neuro.utils.execution.correlation import pearson_per_column
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TorchRNG, TrainingState, check_finite

SHOWN = 8                     # best-predicted voxels whose fields are drawn each epoch


def split(n: int, p: NIFParams, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(training, validation, test) image indices: the test images given, or drawn with data_seed (the
    same for every repetition); validation drawn per repetition from the rest."""
    if p.test_images:
        test = np.array(sorted(set(p.test_images)))
    else:
        test = np.sort(np.random.default_rng([p.data_seed, 5]).permutation(n)[:max(1, round(p.test_fraction * n))])
    rest = np.random.default_rng([seed, 6]).permutation(np.setdiff1d(np.arange(n), test))
    held = max(1, round(p.validation_fraction * len(rest)))
    return np.sort(rest[held:]), np.sort(rest[:held]), test


def scaled_images(images: np.ndarray, how: str, train: np.ndarray) -> np.ndarray:
    """(n, 1, 56, 56): 0..1 (unit), standardised over the training images, or the original's raw 0..255."""
    if how == "raw":
        return (images * 255.0)[:, None].astype(np.float32)
    if how == "standard":
        return ((images - images[train].mean()) / images[train].std())[:, None].astype(np.float32)
    return images[:, None].astype(np.float32)


def train(p: NIFParams, ctx) -> dict[str, float]:
    """data -> model -> loop -> evaluate."""
    import torch

    from neuro.experiments.nif.model import NIF

    data = load_for(p, ctx.data_dir)
    folder, kind = planned_folder(p, ctx.data_dir)
    ctx.read_data(folder)
    ctx.log.info("data: %s (%s): %s", folder, kind, data.shape)
    train_images, val_images, test_images = split(len(data.images), p, ctx.seed)
    x = torch.from_numpy(scaled_images(data.images, p.input_scale, train_images))
    y = {area: torch.from_numpy(values) for area, values in data.voxels.items()}
    model = NIF({area: values.shape[1] for area, values in y.items()}, p.channels, p.rank).to(ctx.device)
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr)
    shuffle = np.random.default_rng([ctx.seed, 7])
    stopping = EarlyStopping(mode="min", patience=p.patience)
    state = TrainingState(ctx, model=model, optimiser=optimiser, shuffle=NumpyRNG(shuffle), rng=TorchRNG(ctx.device),
                          stopping=stopping)
    for epoch in range(state.resume(), p.epochs):
        loss = _train_epoch(model, optimiser, x, y, train_images[shuffle.permutation(len(train_images))],
                            p.batch_size, ctx.device)
        val_loss, val_r = _validate(model, x, y, val_images, ctx.device)
        check_finite(epoch, **{"training loss": loss, "validation loss": val_loss})
        stopping.update(epoch, val_loss, model.state_dict)
        ctx.log_metrics(epoch, {"loss/train": loss, "loss/validation": val_loss,
                                **{f"validation/r_{area}": float(np.nanmean(r)) for area, r in val_r.items()}})
        _draw(model, val_r, ctx, epoch)
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)
        if stopping.should_stop:
            break
    model.load_state_dict(stopping.best_weights)
    return {**evaluate(model, x, data, test_images, p, ctx), "best_epoch": stopping.best_epoch,
            "epochs_trained": state.epoch + 1}


def _train_epoch(model, optimiser, x, y: dict, order: np.ndarray, batch_size: int, device: str) -> float:
    """One pass in `order`; the mean over batches of the MSE summed over areas."""
    model.train()
    total = 0.0
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        out = model(x[index].to(device))
        loss = sum(((out[area] - y[area][index].to(device)) ** 2).mean() for area in out)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        total += loss.item() * len(index)
    return total / len(order)


def predict(model, x, images: np.ndarray, device: str) -> dict[str, np.ndarray]:
    import torch
    model.eval()
    with torch.no_grad():
        out = model(x[images].to(device))
    return {area: values.cpu().numpy() for area, values in out.items()}


def _validate(model, x, y: dict, images: np.ndarray, device: str) -> tuple[float, dict[str, np.ndarray]]:
    prediction = predict(model, x, images, device)
    truth = {area: y[area][images].numpy() for area in prediction}
    loss = sum(float(((prediction[a] - truth[a]) ** 2).mean()) for a in prediction)
    return loss, {a: pearson_per_column(prediction[a], truth[a]) for a in prediction}


def _draw(model, r: dict[str, np.ndarray], ctx, epoch: int) -> None:
    """This epoch's fields of the best-predicted voxels (validation r) and the first layer's filters."""
    from neuro.experiments.nif.plots import save_epoch_figure
    fields = {area: model.observe[area].fields().detach().cpu().numpy()[np.argsort(-np.nan_to_num(r[area], nan=-1))[:SHOWN]]
              for area in r}
    filters = model.to_v1.weight.detach().cpu().numpy()[:, 0]
    save_epoch_figure(fields, filters, ctx.run_dir / "fields" / f"epoch_{epoch:03d}.png", ctx.writer, epoch)


def field_centres(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each field's centre of mass (row, column) and size (RMS radius), in image pixels."""
    side = fields.shape[-1]
    pixel = SIDE / side
    grid = (np.arange(side) + 0.5) * pixel
    mass = fields / fields.sum(axis=(1, 2), keepdims=True)
    rows, cols = (mass.sum(axis=2) * grid).sum(axis=1), (mass.sum(axis=1) * grid).sum(axis=1)
    spread = (mass * ((grid[None, :, None] - rows[:, None, None]) ** 2
                      + (grid[None, None, :] - cols[:, None, None]) ** 2)).sum(axis=(1, 2))
    return np.stack([rows, cols], axis=1), np.sqrt(spread / 2)


def evaluate(model, x, data: BrainsData, images: np.ndarray, p: NIFParams, ctx) -> dict[str, float]:
    """Per area on the test images: voxel r mean, median and fraction above 0.3 (per voxel in
    per_voxel.json), a map of the fields' centres and sizes; on synthetic data, the distance between
    learned and true centres and the fields' correlation for the better-predicted half of the voxels."""
    from neuro.experiments.nif.plots import save_centre_map
    prediction = predict(model, x, images, ctx.device)
    truth = _truth(p, ctx)
    metrics, per_voxel = {}, {}
    for area, values in prediction.items():
        r = pearson_per_column(values, data.voxels[area][images])
        fields = model.observe[area].fields().detach().cpu().numpy()
        centres, sizes = field_centres(fields)
        metrics |= {f"test_r_mean_{area}": float(np.nanmean(r)), f"test_r_median_{area}": float(np.nanmedian(r)),
                    f"test_r_above_0.3_{area}": float(np.mean(r > 0.3))}
        per_voxel[area] = {"r": r, "centre_row": centres[:, 0], "centre_column": centres[:, 1], "size": sizes}
        save_centre_map(centres, sizes, r, area, ctx.run_dir / f"centres_{area}.png", ctx.writer)
        if truth is not None:
            good = r >= np.nanmedian(r)
            distance = np.hypot(*(centres - truth[f"centres_{area}"]).T)
            similarity = pearson_per_column(fields.reshape(len(fields), -1).T,
                                            truth[f"fields_{area}"].reshape(len(fields), -1).T)
            metrics |= {f"centre_error_px_{area}": float(np.median(distance[good])),
                        f"field_r_{area}": float(np.nanmedian(similarity[good])),
                        f"true_r_mean_{area}": float(np.nanmean(pearson_per_column(
                            truth[f"signal_{area}"][images], data.voxels[area][images])))}
            per_voxel[area] |= {"centre_error_px": distance, "field_r": similarity}
    metrics["test_r_mean"] = float(np.nanmean(np.concatenate([v["r"] for v in per_voxel.values()])))
    (ctx.run_dir / "per_voxel.json").write_text(json.dumps(
        {area: {k: [None if np.isnan(x) else round(float(x), 5) for x in v] for k, v in columns.items()}
         for area, columns in per_voxel.items()}))
    return metrics


def _truth(p: NIFParams, ctx) -> dict | None:
    folder, _ = planned_folder(p, ctx.data_dir)
    return dict(np.load(folder / "ground_truth.npz")) if (folder / "ground_truth.npz").exists() else None
