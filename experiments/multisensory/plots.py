"""Pictures of the multisensory family: stimuli."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.multisensory.stimuli import TYPES, Stimulus
from utils.plots import pyplot, save_figure


def save_stimulus(stimulus: Stimulus, fs: int, path: Path, title: str = "") -> None:
    """Both channels over time, events shaded where the mask is 1."""
    plt = pyplot()
    t = np.arange(stimulus.x.shape[1]) / fs * 1000
    figure, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True, sharey=True)
    for axis, name, x, mask, rate in zip(axes, ("left", "right"), stimulus.x, stimulus.mask, stimulus.rate):
        axis.plot(t, x, linewidth=0.6, color="black")
        axis.fill_between(t, x.min(), x.max(), where=mask > 0, color="tab:orange", alpha=0.3, linewidth=0,
                          label="events")
        axis.set_ylabel(f"{name}\n{int(rate)} events" if rate else f"{name}\nsilent")
    axes[0].set_title(f"{title}  type {stimulus.type}: {TYPES[stimulus.type]}, rate {stimulus.agg_rate:g}",
                      fontsize="small")
    axes[0].legend(loc="upper right", fontsize="x-small")
    axes[1].set_xlabel("time (ms)")
    save_figure(figure, path, dpi=110)
