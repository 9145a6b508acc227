"""auditory_strf at NS1 size (73 neurons, 20 sounds of 999 bins, 34 bands) on one thread.

    python bench/strf_fit.py [--skip-run]

Prints: seconds per training epoch of each model with and without AdapTrans (16 training sounds,
batch 2); the AdapTrans front end (forward + backward, 16 sounds) against the original's form, a
651-tap depthwise convolution, with the largest difference of their outputs; and the wall time of a
whole model_zoo run (cnn2d + adaptrans, one seed, population fit, `neuro run` on one core).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import yaml  # noqa: E402
from timing import best_of, neuro, timed_run  # noqa: E402

from neuro.experiments.auditory_strf.metrics import psth  # noqa: E402
from neuro.experiments.auditory_strf.model import AdapTrans, build_model  # noqa: E402
from neuro.experiments.auditory_strf.params import MODELS  # noqa: E402
from neuro.experiments.auditory_strf.synthetic import SyntheticSpec, simulate  # noqa: E402
from neuro.experiments.auditory_strf.task import _train_epoch  # noqa: E402

TAPS = 651


def epoch_times(x: torch.Tensor, y: torch.Tensor) -> None:
    print("one training epoch (16 sounds, batch 2), s:")
    print(f"  {'model':<10} {'none':>7} {'adaptrans':>10}")
    order = np.arange(16)
    for name in MODELS:
        row = []
        for prefilter in ("none", "adaptrans"):
            torch.manual_seed(0)
            model = build_model(name, prefilter, "default", 34, 73, 5.0, 9, 20, 10, "causal")
            optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
            row.append(best_of(2, lambda model=model, optimiser=optimiser: _train_epoch(model, optimiser, x, y, order, 2, "cpu")))
        print(f"  {name:<10} {row[0]:7.2f} {row[1]:10.2f}")


def convolution_form(front: AdapTrans, x: torch.Tensor) -> torch.Tensor:
    """The original's AdapTrans: each exponential average as a 651-tap depthwise convolution."""
    x = x[:, 0]
    bands = x.shape[1]
    a_on, a_off = front.decays()
    w = (1 / (1 + front.p ** 2))[:, None]
    lags = torch.arange(TAPS - 1, -1, -1, dtype=x.dtype)                       # oldest tap first
    averages = []
    for a in (a_on, a_off):
        kernel = ((1 - a)[:, None] * a[:, None] ** lags)[:, None, :]           # (F, 1, TAPS)
        averages.append(F.conv1d(F.pad(x, (TAPS, 0)), kernel, groups=bands)[..., :-1])   # EMA[t - 1]
    return torch.stack([x - w * averages[0], averages[1] - w * x], dim=1)


def front_end(x: torch.Tensor) -> None:
    front = AdapTrans(34, 5.0)
    fast = best_of(5, lambda: front(x).square().sum().backward())
    slow = best_of(5, lambda: convolution_form(front, x).square().sum().backward())
    with torch.no_grad():
        difference = (front(x) - convolution_form(front, x)).abs().max().item()
    print("AdapTrans front end, forward + backward, 16 sounds x 34 bands x 999 bins:")
    print(f"  recursion (FFT)    {fast * 1000:7.1f} ms")
    print(f"  651-tap conv       {slow * 1000:7.1f} ms   (the original's form)")
    print(f"  speed-up           {slow / fast:7.1f}x (target >= 5x); largest output difference {difference:.1e}")


def whole_run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        zoo = yaml.safe_load((ROOT / "configs" / "auditory_strf" / "model_zoo.yaml").read_text())
        experiment = Path(tmp) / "one.yaml"
        experiment.write_text(yaml.safe_dump({"name": "one", "task": "auditory_strf", "repetitions": 1,
                                              "params": {**zoo["params"], "model": "cnn2d", "prefilter": "adaptrans"},
                                              "resources": {"cpus": 1}}))
        neuro(Path(tmp), "data", "make", "strf", "--out", str(Path(tmp) / "Data" / "strf_synthetic_n73_s20_t999_f34_seed0"))
        elapsed, _ = timed_run(Path(tmp), experiment)
        results = neuro(Path(tmp), "results", str(experiment), "--runs", "--format", "csv").stdout
    print(f"a whole model_zoo run (cnn2d + adaptrans, the zoo's parameters, 1 core): {elapsed:.0f} s (target < 120)")
    print("  " + "\n  ".join(results.strip().splitlines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-run", action="store_true", help="leave out the whole model_zoo run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    made = simulate(SyntheticSpec())
    x = torch.from_numpy(made.spectrograms)[:, None]
    y = torch.from_numpy(psth(made.counts).astype(np.float32))
    epoch_times(x, y)
    front_end(x[:16])
    if not args.skip_run:
        whole_run()


if __name__ == "__main__":
    main()
