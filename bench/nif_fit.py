"""nif at the original's size (360 images, 800 V1 and 1500 V2 voxels, rank 2) on one thread.

    python bench/nif_fit.py [--skip-fit]

Prints: the observation model's forward + backward (batch 3) in the separable form against the direct
form that builds every voxel's S x S field, with the largest difference of their outputs; seconds per
training epoch; and the wall time of a whole baseline fit (`neuro run`, 15 epochs, one core).
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
import yaml  # noqa: E402
from timing import best_of, timed_run  # noqa: E402

from neuro.experiments.nif.model import NIF, ObservationModel, direct_observation  # noqa: E402
from neuro.experiments.nif.synthetic import SyntheticSpec, simulate  # noqa: E402
from neuro.experiments.nif.task import _train_epoch  # noqa: E402


def observation() -> None:
    print("observation model, forward + backward, batch 3, rank 2:")
    for area, side, voxels in (("V1", 28, 800), ("V2", 14, 1500)):
        torch.manual_seed(0)
        model = ObservationModel(6, side, voxels, 2)
        u = torch.rand(3, 6, side, side)
        separable = best_of(5, lambda model=model, u=u: model(u).square().sum().backward())
        direct = best_of(5, lambda model=model, u=u: direct_observation(model, u).square().sum().backward())
        with torch.no_grad():
            difference = (model(u) - direct_observation(model, u)).abs().max().item()
        print(f"  {area} ({voxels} voxels, {side}x{side}): separable {separable * 1000:6.1f} ms, direct "
              f"{direct * 1000:6.1f} ms, {direct / separable:4.1f}x (target >= 3x); largest difference {difference:.1e}")


def epoch() -> None:
    images, voxels, _ = simulate(SyntheticSpec())
    x = torch.from_numpy((images / 255.0)[:, None].astype(np.float32))
    y = {area: torch.from_numpy(v) for area, v in voxels.items()}
    torch.manual_seed(0)
    model = NIF({area: v.shape[1] for area, v in voxels.items()})
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    seconds = best_of(2, lambda: _train_epoch(model, optimiser, x, y, np.arange(292), 3, "cpu"))
    print(f"one training epoch (292 images, batch 3): {seconds:.2f} s")


def whole_fit() -> None:
    baseline = yaml.safe_load((ROOT / "configs" / "nif" / "baseline.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        experiment = Path(tmp) / "one.yaml"
        experiment.write_text(yaml.safe_dump({"name": "one", "task": "nif", "repetitions": 1,
                                              "params": baseline["params"], "resources": {"cpus": 1}}))
        elapsed, _ = timed_run(Path(tmp), experiment)
    print(f"a whole baseline fit (15 epochs, synthetic data written first, 1 core): {elapsed:.0f} s (target < 60)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-fit", action="store_true", help="leave out the whole fit")
    args = parser.parse_args()
    torch.set_num_threads(1)
    observation()
    epoch()
    if not args.skip_fit:
        whole_fit()


if __name__ == "__main__":
    main()
