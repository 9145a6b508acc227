"""Stimulus sets in HDF5, written in chunks (50,000 rows never sit in memory) and read back.

    left/x, right/x            (n, 650, 1) float32   the channels
    left/x_mask, right/x_mask  (n, 650, 1) float32   1 during events
    left/y_rate, right/y_rate  (n,) float32          events per channel (0: silent channel)
    left/y_dec, right/y_dec    (n, 2) float32        one-hot [slow, fast]
    agg/y_rate, agg/y_dec                            what the row stands for (type 5: the mean rate)
    type (n,) uint8, seed (n,) uint64                the stimulus type and the row's own seed
    params/<name>                                    the StimulusSpec and the set's seed, plain arrays
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from neuro.experiments.multisensory.stimuli import Generator, Stimulus, StimulusSpec
from neuro.utils.atomic import create_once, replace_with
from neuro.utils.errors import NeuroError

CHUNK_ROWS = 1000


def row_seeds(seed: int, n: int) -> np.ndarray:
    """n distinct 64-bit seeds derived from the set's seed."""
    return np.random.SeedSequence(seed).generate_state(n, dtype=np.uint64)


def row_types(seed: int, n: int, types: tuple[int, ...]) -> np.ndarray:
    """Each type equally often (to within one), in a random order fixed by the seed."""
    repeated = np.resize(np.array(types, np.uint8), n)
    return np.random.default_rng([seed, 1]).permutation(repeated)


def write_stimuli(path: Path, spec: StimulusSpec, n: int, seed: int, chunk_rows: int = CHUNK_ROWS) -> None:
    """Write n rows to `path` (through a temporary file renamed at the end: never a half-written set)."""
    replace_with(path, lambda tmp: _write_set(tmp, spec, n, seed, chunk_rows))


def _write_set(path: Path, spec: StimulusSpec, n: int, seed: int, chunk_rows: int = CHUNK_ROWS) -> None:
    import h5py

    generator, length = Generator(spec), spec.length
    seeds, types = row_seeds(seed, n), row_types(seed, n, spec.types)
    with h5py.File(path, "w") as f:
        series = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
        for channel in ("left", "right"):
            for name in ("x", "x_mask"):
                f.create_dataset(f"{channel}/{name}", (n, length, 1), np.float32,
                                 chunks=(min(n, 256), length, 1), **series)
            f.create_dataset(f"{channel}/y_rate", (n,), np.float32)
            f.create_dataset(f"{channel}/y_dec", (n, 2), np.float32)
        f.create_dataset("agg/y_rate", (n,), np.float32)
        f.create_dataset("agg/y_dec", (n, 2), np.float32)
        f.create_dataset("type", data=types)
        f.create_dataset("seed", data=seeds)
        for name, value in {**dataclasses.asdict(spec), "seed": seed, "n": n,
                            "background_mag": spec.background_mag, "fast_threshold": spec.fast_threshold}.items():
            f.create_dataset(f"params/{name}", data=np.asarray(value))
        for start in range(0, n, chunk_rows):
            _write_chunk(f, generator, seeds, types, start, min(start + chunk_rows, n))


def _write_chunk(f, generator: Generator, seeds: np.ndarray, types: np.ndarray, start: int, end: int) -> None:
    rows = [generator.row(int(seeds[i]), int(types[i])) for i in range(start, end)]
    x, mask = np.stack([r.x for r in rows]), np.stack([r.mask for r in rows])      # (rows, 2, length)
    rate = np.stack([r.rate for r in rows])
    agg = np.array([r.agg_rate for r in rows], np.float32)
    threshold = generator.spec.fast_threshold
    for c, channel in enumerate(("left", "right")):
        f[f"{channel}/x"][start:end, :, 0] = x[:, c]
        f[f"{channel}/x_mask"][start:end, :, 0] = mask[:, c]
        f[f"{channel}/y_rate"][start:end] = rate[:, c]
        f[f"{channel}/y_dec"][start:end] = _one_hot(rate[:, c] >= threshold)
    f["agg/y_rate"][start:end] = agg
    f["agg/y_dec"][start:end] = _one_hot(agg >= threshold)


def _one_hot(fast: np.ndarray) -> np.ndarray:
    return np.stack([~fast, fast], axis=1).astype(np.float32)


def read_set(path: Path) -> dict[str, np.ndarray]:
    """The whole set in memory: x_left, x_right (n, length) float32; rate, left_rate, right_rate (n,);
    fast (n,) 0/1 from agg/y_dec; type (n,)."""
    import h5py
    with h5py.File(path, "r") as f:
        return {"x_left": f["left/x"][:, :, 0], "x_right": f["right/x"][:, :, 0], "rate": f["agg/y_rate"][:],
                "left_rate": f["left/y_rate"][:], "right_rate": f["right/y_rate"][:],
                "fast": f["agg/y_dec"][:, 1].astype(np.int64), "type": f["type"][:].astype(np.int64)}


def read_row(path: Path, row: int) -> Stimulus:
    """One row as a Stimulus (errors name the file and the fix)."""
    import h5py
    if not path.exists():
        raise NeuroError(f"{path}: no such file; write one with `neuro data make msi --out {path}`")
    try:
        with h5py.File(path, "r") as f:
            n = f["type"].shape[0]
            if row >= n:
                raise NeuroError(f"{path}: --row {row} is out of range; the set has rows 0..{n - 1}")
            x = np.stack([f[f"{c}/x"][row, :, 0] for c in ("left", "right")])
            mask = np.stack([f[f"{c}/x_mask"][row, :, 0] for c in ("left", "right")])
            rate = np.array([f[f"{c}/y_rate"][row] for c in ("left", "right")])
            return Stimulus(x, mask, rate, float(f["agg/y_rate"][row]), int(f["type"][row]))
    except (OSError, KeyError) as err:
        raise NeuroError(f"{path}: not a stimulus set ({err}); write one with `neuro data make msi`") from None


def check_set(path: Path) -> str:
    """Validate a stimulus set's layout (every dataset, its rows and shape); a one-line summary, or a
    NeuroError naming the file, the dataset and the fix."""
    import h5py
    make = f"write one with `neuro data make msi --out {path}`"
    if not path.is_file():
        raise NeuroError(f"{path}: not a file; {make}")
    try:
        with h5py.File(path, "r") as f:
            n = f["type"].shape[0]
            length = f["left/x"].shape[1]
            shapes = {"left/x": (n, length, 1), "right/x": (n, length, 1), "left/x_mask": (n, length, 1),
                      "right/x_mask": (n, length, 1), "left/y_rate": (n,), "right/y_rate": (n,),
                      "agg/y_rate": (n,), "agg/y_dec": (n, 2), "seed": (n,)}
            for name, shape in shapes.items():
                if f[name].shape != shape:
                    raise NeuroError(f"{path}: {name} has shape {f[name].shape}, expected {shape}; {make}")
            types = np.unique(f["type"][:], return_counts=True)
            params = {name: _plain(f["params"][name][()]) for name in f["params"]}
    except (OSError, KeyError) as err:
        raise NeuroError(f"{path}: not a multisensory stimulus set ({err}); {make}") from None
    mix = ", ".join(f"type {t}: {c}" for t, c in zip(*types))
    return f"{n} stimuli of {length} samples ({mix}); difficulty {params.get('difficulty')}, seed {params.get('seed')}"


def read_params(path: Path) -> dict:
    import h5py
    with h5py.File(path, "r") as f:
        return {name: _plain(f["params"][name][()]) for name in f["params"]}


def _plain(value):
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.ndim else value.item()
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if hasattr(value, "item") else value


def ensure_stimuli(path: Path, spec: StimulusSpec, n: int, seed: int) -> bool:
    """Write the set unless it exists (True when this call wrote it); many runs may ask at once, one
    writes and the others wait. A file made with other parameters is an error, never overwritten."""
    wrote = create_once(path, lambda tmp: _write_set(tmp, spec, n, seed))
    if differ := stimuli_mismatch(path, spec, n, seed):
        raise NeuroError(f"{path}: exists with other parameters ({', '.join(differ)}); delete it, or name "
                         f"another file for these parameters")
    return wrote


def stimuli_mismatch(path: Path, spec: StimulusSpec, n: int, seed: int) -> list[str]:
    """The parameters of the set at `path` that differ from these (empty: it is this set)."""
    wanted = {**dataclasses.asdict(spec), "seed": seed, "n": n}
    found = read_params(path)
    return [k for k, v in wanted.items() if _plain(np.asarray(v)) != found.get(k)]
