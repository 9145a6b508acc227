"""Pictures of auditory data and fitted models: STRFs, AdapTrans time constants, a neuron's responses."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from neuro.experiments.auditory_strf.bands import centre_frequencies, initial_time_constants_ms
from neuro.utils.reporting.plots import pyplot, save_figure

SHOWN = 24                       # STRFs drawn at most (the first neurons)


def strf_grid(strfs: np.ndarray, columns: int = 6) -> np.ndarray:
    """(N, F, L) -> one image in [0, 1] (mid-grey zero), low frequencies at the bottom, each STRF
    scaled to its own largest weight."""
    count, bands, lags = strfs.shape
    rows = -(-count // columns)
    grid = np.ones((rows * (bands + 1) - 1, min(columns, count) * (lags + 1) - 1), np.float32)
    for i, strf in enumerate(strfs):
        r, c = divmod(i, columns)
        span = np.abs(strf).max() or 1.0
        grid[r * (bands + 1):r * (bands + 1) + bands, c * (lags + 1):c * (lags + 1) + lags] = 0.5 + 0.5 * strf[::-1] / span
    return grid


def save_strfs(strfs: np.ndarray, path: Path, writer=None, truth: np.ndarray | None = None) -> Path:
    """The learned STRFs (and the true ones beside them) as a PNG and TensorBoard images."""
    plt = pyplot()
    shown = strfs[:SHOWN]
    panels = [("learned", shown)] + ([("true", truth[:SHOWN])] if truth is not None else [])
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 1.2 + 0.9 * -(-len(shown) // 6)),
                                squeeze=False)
    for axis, (name, values) in zip(axes[0], panels):
        grid = strf_grid(values)
        axis.imshow(grid, cmap="RdBu_r", vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(f"{name} STRFs (neurons 0-{len(values) - 1}; frequency up, lag 0 left; red excites)")
        axis.axis("off")
        if writer is not None:
            writer.add_image(f"strfs/{name}", grid[None], 0)
    return save_figure(figure, path)


def save_time_constants(adaptrans, path: Path, writer=None) -> Path:
    """AdapTrans's learned ON and OFF time constants per band against their initial values."""
    plt = pyplot()
    tau_on, tau_off = (t.cpu().numpy() for t in adaptrans.time_constants_ms())
    bands = len(tau_on)
    frequencies = centre_frequencies(bands)
    figure, axis = plt.subplots(figsize=(6, 4))
    axis.plot(frequencies, initial_time_constants_ms(bands), "k--", label="initial: 500 - 105 log10(CF)")
    axis.plot(frequencies, tau_on, "o-", label="learned ON")
    axis.plot(frequencies, tau_off, "s-", label="learned OFF")
    axis.set_xscale("log")
    axis.set_xlabel("band centre frequency (Hz)")
    axis.set_ylabel("time constant (ms)")
    axis.set_title("AdapTrans time constants")
    axis.legend()
    if writer is not None:
        writer.add_figure("adaptrans/time_constants", figure, close=False)
    return save_figure(figure, path)


def save_neuron(spectrogram: np.ndarray, trials: np.ndarray, bin_ms: float, path: Path, title: str,
                strf: np.ndarray | None = None) -> Path:
    """A sound's spectrogram, a neuron's repeats (raster) and PSTH, and (synthetic) its true STRF."""
    plt = pyplot()
    rows = 3 if strf is None else 4
    figure, axes = plt.subplots(rows, 1, figsize=(9, 2.2 * rows))
    seconds = spectrogram.shape[1] * bin_ms / 1000
    axes[0].imshow(spectrogram, origin="lower", aspect="auto", extent=(0, seconds, 0, spectrogram.shape[0]), cmap="magma")
    axes[0].set_ylabel("band")
    axes[0].set_title(title)
    trials = trials[~np.isnan(trials).any(axis=1)]
    for r, trial in enumerate(trials):
        spikes = np.flatnonzero(trial) * bin_ms / 1000
        axes[1].plot(spikes, np.full(len(spikes), r), "|", color="k", markersize=3)
    axes[1].set_ylabel("repeat")
    axes[1].set_xlim(0, seconds)
    time = np.arange(trials.shape[1]) * bin_ms / 1000
    axes[2].plot(time, trials.mean(axis=0) * 1000 / bin_ms, lw=0.8)
    axes[2].set_ylabel("rate (spikes/s)")
    axes[2].set_xlabel("time (s)")
    axes[2].set_xlim(0, seconds)
    if strf is not None:
        span = np.abs(strf).max() or 1.0
        axes[3].imshow(strf, origin="lower", aspect="auto", cmap="RdBu_r", vmin=-span, vmax=span,
                       extent=(-0.5 * bin_ms, (strf.shape[1] - 0.5) * bin_ms, 0, strf.shape[0]))
        axes[3].set_xlabel("lag (ms)")
        axes[3].set_ylabel("band")
        axes[3].set_title("true STRF")
    return save_figure(figure, path)
