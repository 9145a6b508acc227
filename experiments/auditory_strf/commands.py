"""`neuro data make|check|show strf`: synthetic sets in the NS1 format, and NS1 or NAT4 folders checked
and drawn."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neuro.utils.errors import NeuroError


def make(out: Annotated[Path, typer.Option(help="Folder to write, e.g. Data/strf_synthetic.")],
         neurons: Annotated[int, typer.Option(min=1, help="Good neurons (NS1: 73).")] = 73,
         sounds: Annotated[int, typer.Option(min=6, help="Natural sounds (NS1: 20).")] = 20,
         bins: Annotated[int, typer.Option(min=50, help="5 ms bins per sound (NS1: 999).")] = 999,
         bands: Annotated[int, typer.Option(min=4, help="Frequency bands (NS1: 34).")] = 34,
         adaptation: Annotated[bool, typer.Option("--adaptation", help="Neurons hear the sound through "
                                                  "AdapTrans's ON channel.")] = False,
         nonlinearity: Annotated[str, typer.Option(help="sigmoid (parametric) or linear (rectified).")] = "sigmoid",
         seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 0) -> None:
    """Write a synthetic data set in the NS1 format from a known ground truth (causal STRFs, optional
    ON/OFF adaptation, a sigmoid, Poisson repeats), with the true STRFs and CCmax beside it."""
    import time

    from neuro.experiments.auditory_strf.ns1 import write_synthetic
    from neuro.experiments.auditory_strf.synthetic import SyntheticSpec
    if nonlinearity not in ("sigmoid", "linear"):
        raise NeuroError(f"--nonlinearity: {nonlinearity!r}; use sigmoid or linear")
    if out.exists():
        raise NeuroError(f"{out}: exists; delete it first, or choose another --out")
    started = time.perf_counter()
    summary = write_synthetic(out, SyntheticSpec(seed=seed, neurons=neurons, sounds=sounds, bins=bins, bands=bands,
                                                 adaptation=adaptation, nonlinearity=nonlinearity))
    print(f"wrote {out}: {neurons} neurons, {sounds} sounds x 20 repeats, {bins} bins, {bands} bands (NS1 format); "
          f"true CCmax of the test sounds {summary['true_cc_max_test_mean']:.3f} (ground_truth.json), "
          f"in {time.perf_counter() - started:.1f} s")


def check(folder: Annotated[Path, typer.Argument(metavar="DIR", help="An NS1 folder (MetadataSHEnCneurons.mat, "
                                                 "spikesandwav/, test_data_5ms.mat) or a NAT4 recording folder "
                                                 "(<site>.resp.csv, .stim.csv, .resp.json, .resp.epoch.csv).")]) -> None:
    """Validate an NS1 or NAT4 folder and say what it holds; with the test sounds' CCmax."""
    import numpy as np

    from neuro.experiments.auditory_strf.data import load
    from neuro.experiments.auditory_strf.metrics import cc_max
    from neuro.experiments.auditory_strf.ns1 import METADATA
    data = load(folder)
    kind = "NS1" if (folder / METADATA).exists() else "NAT4"
    ceiling = cc_max([data.responses[s] for s in np.flatnonzero(data.test)])
    print(f"{folder}: ok: {kind} format: {data.shape}")
    if not np.isnan(ceiling).all():
        print(f"  test sounds' CCmax (split halves): median {np.nanmedian(ceiling):.3f} over "
              f"{int(np.isfinite(ceiling).sum())} neurons")


def show(folder: Annotated[Path, typer.Argument(metavar="DIR", help="An NS1 or NAT4 folder.")],
         neuron: Annotated[int, typer.Option(min=0, help="Which neuron (of the good ones, in file order).")] = 0,
         sound: Annotated[int, typer.Option(min=0, help="Which sound.")] = 0,
         out: Annotated[Path | None, typer.Option(help="PNG to write (default: next to the folder).")] = None) -> None:
    """Draw a sound's spectrogram, a neuron's repeats and PSTH, and (synthetic data) its true STRF."""
    import numpy as np

    from neuro.experiments.auditory_strf.data import load
    from neuro.experiments.auditory_strf.plots import save_neuron
    data = load(folder)
    if neuron >= len(data.neurons):
        raise NeuroError(f"{folder}: --neuron {neuron} is out of range; the folder has neurons 0..{len(data.neurons) - 1}")
    if sound >= len(data.sound_ids):
        raise NeuroError(f"{folder}: --sound {sound} is out of range; the folder has sounds 0..{len(data.sound_ids) - 1}")
    truth = folder / "ground_truth.npz"
    strf = np.load(truth)["strfs"][neuron] if truth.exists() else None
    out = out or folder.with_name(f"{folder.name}_neuron{neuron}_sound{sound}.png")
    save_neuron(data.spectrograms[sound], data.responses[sound][:, neuron], data.bin_ms, out,
                f"{folder.name}: neuron {neuron} ({data.neurons[neuron]}), sound {data.sound_ids[sound]}", strf)
    print(f"{folder} neuron {neuron}, sound {sound}: {np.nanmean(data.responses[sound][:, neuron]) * 1000 / data.bin_ms:.1f} "
          f"spikes/s on average")
    print(f"wrote {out}")
