"""The V1 baseline fit on one CPU thread: seconds per epoch (batch 16) of the shipped numpy path
against torch autograd on the same model and data, then the whole 5000-epoch fit through the task
itself (validation every 50 epochs, checkpoints, TensorBoard), on a synthetic region of region 1's
size (1800 images x 961 pixels -> 103 neurons).

    python bench/v1_fit.py [--epochs 5000] [--repeats 3]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one thread, as the target says
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neuro.experiments.v1_population.data import load_data, region_folder  # noqa: E402
from neuro.experiments.v1_population.dense import DenseFitter  # noqa: E402
from neuro.experiments.v1_population.fitting import TorchFitter, penalties  # noqa: E402
from neuro.experiments.v1_population.model import build_model  # noqa: E402
from neuro.experiments.v1_population.params import V1Params  # noqa: E402
from neuro.experiments.v1_population.task import _epoch, _inputs, train  # noqa: E402
from neuro.utils.execution.context import RunContext  # noqa: E402


def epoch_seconds(fitter, x, y, mask, p: V1Params, repeats: int) -> float:
    shuffle = np.random.default_rng(0)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _epoch(fitter, x, y, mask, p.batch_size, shuffle)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5000, help="epochs of the whole fit (0: skip it)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    p = V1Params(dataset="synthetic")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "Data"
        data = load_data([region_folder(data_dir, r, p.dataset) for r in p.regions])  # writes it once
        x, _ = _inputs(data.train_x, data.val_x, p.inputs)
        seconds = {}
        for name in ("numpy", "torch"):
            model = build_model(p.model, data.neurons, p.filters, p.hidden_fraction, p.dropout, p.bias_init,
                                torch.Generator().manual_seed(0))
            fitter = (DenseFitter(model, p.loss, p.optimiser, p.lr, penalties(p), p.dropout, 0) if name == "numpy"
                      else TorchFitter(model, p, "cpu"))
            seconds[name] = epoch_seconds(fitter, x, data.train_y, data.train_mask, p, args.repeats)
        steps = -(-len(x) // p.batch_size)
        print(f"V1 HSM baseline, {len(x)} images x {x.shape[1]} px -> {data.neurons} neurons, batch {p.batch_size} "
              f"({steps} steps/epoch), 1 thread (best of {args.repeats}):")
        for name, value in seconds.items():
            print(f"  {name:<7} {value * 1e3:8.1f} ms/epoch  {value / steps * 1e6:6.0f} us/step  "
                  f"{value * p.epochs / 60:6.1f} min for {p.epochs} epochs (estimate)")
        print(f"  speed-up {seconds['torch'] / seconds['numpy']:7.1f}x")
        if args.epochs:
            run_dir = Path(tmp) / "run"
            run_dir.mkdir()
            ctx = RunContext(run_dir, data_dir, seed=0, device="cpu", hparams={"seed": 0})
            started = time.perf_counter()
            metrics = train(V1Params(dataset="synthetic", epochs=args.epochs), ctx)
            ctx.finish(metrics)
            elapsed = time.perf_counter() - started
            truth = json.loads((data_dir / "synthetic_v1" / "region1" / "ground_truth.json").read_text())
            print(f"whole fit, {args.epochs} epochs through the task: {elapsed / 60:.2f} min (target < 5 min); "
                  f"validation r {metrics['validation_r']:.3f} at epoch {metrics['best_epoch']:.0f} "
                  f"(the ground-truth model's own: {truth['ground_truth_validation_r']:.3f})")


if __name__ == "__main__":
    main()
