"""Stimuli per second for generating and writing a 50,000-row two-channel set (HDF5, gzip) on one
core, as `neuro data make msi` does.

    python bench/msi_generate.py [--n 50000]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neuro.experiments.multisensory.data import write_stimuli  # noqa: E402
from neuro.experiments.multisensory.stimuli import Generator, StimulusSpec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50000)
    args = parser.parse_args()
    spec = StimulusSpec()
    generator = Generator(spec)
    started = time.perf_counter()
    for seed in range(2000):
        generator.row(seed, seed % 5 + 1)
    per_row = (time.perf_counter() - started) / 2000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "msi.h5"
        started = time.perf_counter()
        write_stimuli(path, spec, args.n, seed=0)
        elapsed = time.perf_counter() - started
        size = path.stat().st_size
    print(f"{args.n} two-channel stimuli ({spec.length} samples each, types 1-5), one core:")
    print(f"  generating alone  {per_row * 1e6:7.0f} us/stimulus")
    print(f"  generate + write  {elapsed:7.1f} s   {args.n / elapsed:7.0f} stimuli/s   {size / 2**20:.0f} MiB "
          f"(target: 50,000 in < 30 s; the original needed about 0.1 s a stimulus, over an hour)")


if __name__ == "__main__":
    main()
