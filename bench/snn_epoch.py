"""Seconds per training epoch of the sound-localisation SNN at the spec's sizes, on one CPU thread:
the shipped network against the plain per-time-step reference, and their ratio.

    python bench/snn_epoch.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neuro.experiments.sound_localisation.data import make_ipd_data  # noqa: E402
from neuro.experiments.sound_localisation.model import SoundLocalisationSNN  # noqa: E402
from neuro.experiments.sound_localisation.params import SoundLocalisationParams  # noqa: E402
from tests.sound_localisation.reference import reference_snn  # noqa: E402


def epoch_seconds(forward, model, data, p: SoundLocalisationParams) -> float:
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr)
    started = time.perf_counter()
    for start in range(0, len(data), p.batch_size):
        x = torch.from_numpy(data.spikes[start:start + p.batch_size]).float()
        y = torch.from_numpy(data.labels[start:start + p.batch_size])
        log_p, _ = forward(model, x)
        loss = F.nll_loss(log_p, y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    p = SoundLocalisationParams()
    data = make_ipd_data(p.batch_size * p.train_batches, p, np.random.default_rng(0))
    implementations = {
        "shipped": lambda model, x: model(x),
        "reference": lambda model, x: reference_snn(x, *model.weights(), model.alpha, model.beta),
    }
    best = {}
    for name, forward in implementations.items():
        model = SoundLocalisationSNN(p, torch.Generator().manual_seed(0))
        best[name] = min(epoch_seconds(forward, model, data, p) for _ in range(args.repeats))
    print(f"SNN epoch, batch {p.batch_size} x {p.train_batches} batches, {p.duration_steps} steps, "
          f"{2 * p.anf_per_ear} inputs, {p.num_hidden} hidden, 1 thread (best of {args.repeats}):")
    for name, seconds in best.items():
        print(f"  {name:<10} {seconds:7.3f} s/epoch")
    print(f"  speed-up   {best['reference'] / best['shipped']:7.2f}x (target >= 3x)")


if __name__ == "__main__":
    main()
