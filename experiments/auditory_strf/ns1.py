"""The NS1 format (Harper et al. 2016, ferret A1; as on OSF osf.io/ayw2p with the DNet spectrograms),
one folder:
    MetadataSHEnCneurons.mat   struct `neuron` (1 x 119): path, NrOfElectrodes, ElectrodeNumber, depth,
                               NoiseRatio, singleT ('Yes'/'Maybe'/'No'), singleN; the good neurons are
                               singleT Yes or Maybe at depth >= 0 (73)
    spikesandwav/<path>        per neuron `data.set` (1 x 32: the natural sounds, then 12 DRCs), each with
                               `repeats` (1 x 20) of spike times `t` in ms
    test_data_5ms.mat          `X_nfht` (20 sounds, 34 bands, 1, 999 bins of 5 ms)

Test split (Rahman et al. 2020): sounds 3, 6, 9, 19 (0-based).

A synthetic set is written in the same format (write_synthetic), with its ground truth beside it.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from neuro.experiments.auditory_strf.recordings import StrfData, format_error
from neuro.experiments.auditory_strf.synthetic import SyntheticSpec, simulate, true_cc_max

METADATA = "MetadataSHEnCneurons.mat"
SPECTROGRAMS = "test_data_5ms.mat"
SPIKES = "spikesandwav"
NS1_BIN_MS = 5.0
NS1_TEST = (3, 6, 9, 19)
DRC_SETS, DRC_REPEATS = 12, 5


def test_sounds(sounds: int) -> np.ndarray:
    """Rahman et al.'s test sounds 3, 6, 9, 19 (0-based); with another number of sounds, every fifth
    from the fourth."""
    return np.isin(np.arange(sounds), NS1_TEST if sounds == 20 else np.arange(3, sounds, 5))


def good_neurons(metadata: np.ndarray) -> list[int]:
    """Harper et al.'s selection: singleT Yes or Maybe, depth >= 0."""
    return [i for i in range(metadata.shape[1])
            if str(np.squeeze(metadata[0, i]["singleT"])) in ("Yes", "Maybe")
            and float(np.squeeze(metadata[0, i]["depth"])) >= 0]


def load_ns1(folder: Path) -> StrfData:
    metadata = _field(_loadmat(folder / METADATA), "neuron", folder / METADATA, "a struct array of neurons")
    for name in ("path", "singleT", "depth"):
        if name not in (metadata.dtype.names or ()):
            raise format_error(folder / METADATA, f"neuron.{name}", "missing", "the NS1 metadata has path, singleT, depth")
    spectrograms = _field(_loadmat(folder / SPECTROGRAMS), "X_nfht", folder / SPECTROGRAMS,
                          "(sounds, bands, 1, bins)")
    if spectrograms.ndim != 4 or spectrograms.shape[2] != 1:
        raise format_error(folder / SPECTROGRAMS, "X_nfht", f"shape {spectrograms.shape}", "expected (sounds, bands, 1, bins)")
    sounds, bins = spectrograms.shape[0], spectrograms.shape[3]
    chosen = good_neurons(metadata)
    if not chosen:
        raise format_error(folder / METADATA, "neuron.singleT", "no neuron is Yes or Maybe at depth >= 0", "check the file")
    trains = [neuron_spikes(folder, str(np.squeeze(metadata[0, i]["path"])), sounds, bins) for i in chosen]
    responses = [_stack_neurons([train[s] for train in trains]) for s in range(sounds)]
    return StrfData(spectrograms[:, :, 0, :].astype(np.float32), responses, [f"nat{s + 1:02d}" for s in range(sounds)],
                    [str(np.squeeze(metadata[0, i]["path"])) for i in chosen], NS1_BIN_MS, test_sounds(sounds))


def neuron_spikes(folder: Path, relative: str, sounds: int, bins: int) -> list[np.ndarray]:
    """One neuron's repeats of each natural sound, binned: [(repeats, bins)] per sound."""
    path = folder / SPIKES / relative
    if not path.exists() and path.with_name(path.stem + "_1.mat").exists():   # a few OSF files carry "_1"
        path = path.with_name(path.stem + "_1.mat")
    data = _field(_loadmat(path), "data", path, "a struct with field set")
    if "set" not in (data.dtype.names or ()):
        raise format_error(path, "data.set", "missing", "expected (1, sounds) structs with repeats")
    sets = data[0, 0]["set"]
    if sets.shape[-1] < sounds or "repeats" not in (sets.dtype.names or ()):
        raise format_error(path, "data.set", f"{sets.shape[-1]} sets", f"expected at least {sounds}, each with repeats")
    length_ms = bins * NS1_BIN_MS
    out = []
    for s in range(sounds):
        repeats = sets[0, s]["repeats"]
        counts = np.zeros((repeats.shape[-1], bins), np.float32)
        for r in range(repeats.shape[-1]):
            times = np.round(np.asarray(repeats[0, r]["t"], dtype=np.float64).ravel())
            times = times[(times >= 0) & (times < length_ms)]
            np.add.at(counts[r], (times // NS1_BIN_MS).astype(int), 1.0)
        out.append(counts)
    return out


def _stack_neurons(per_neuron: list[np.ndarray]) -> np.ndarray:
    """[(repeats_n, T)] -> (max repeats, N, T), NaN-padded."""
    repeats = max(len(r) for r in per_neuron)
    out = np.full((repeats, len(per_neuron), per_neuron[0].shape[-1]), np.nan, np.float32)
    for n, r in enumerate(per_neuron):
        out[:len(r), n] = r
    return out


def write_synthetic(out: Path, spec: SyntheticSpec) -> dict:
    """A synthetic set in the NS1 format, with ground_truth.npz (true STRFs, rates, nonlinearities) and
    ground_truth.json (the spec and the true CCmax of the test sounds) beside it."""
    import scipy.io

    made = simulate(spec)
    rng = np.random.default_rng([spec.seed, 7])
    out.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(out / SPECTROGRAMS, {"X_nfht": made.spectrograms[:, :, None, :].astype(np.float64)})
    rows, good, index = [], 0, 0
    while good < spec.neurons:
        excluded = index % 11 == 10                # every eleventh neuron fails the selection (singleT No)
        relative = f"synthetic/E{index // 16 + 1}/cluster.{index % 16 + 1:02d}.data.mat"
        rows.append({"path": relative, "NrOfElectrodes": np.array([[16]], np.uint8),
                     "ElectrodeNumber": np.array([[index % 16 + 1]], np.uint8),
                     "depth": np.array([[rng.integers(200, 1500)]], np.uint16),
                     "NoiseRatio": np.array([[rng.uniform(1, 40)]]), "singleT": "No" if excluded else "Yes",
                     "singleN": np.array([[0 if excluded else 1]], np.uint8)})
        counts = made.counts[:, :, good] if not excluded else rng.poisson(0.05, made.counts[:, :, 0].shape)
        (out / SPIKES / relative).parent.mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(out / SPIKES / relative, {"data": _struct([{"set": _sets(counts, spec, rng)}])},
                         do_compression=True)
        good, index = good + (not excluded), index + 1
    scipy.io.savemat(out / METADATA, {"neuron": _struct(rows)})
    np.savez(out / "ground_truth.npz", rates=made.rates, **asdict(made.truth))
    ceiling = true_cc_max(made.rates[test_sounds(spec.sounds)], spec.repeats)
    summary = {**asdict(spec), "true_cc_max_test": ceiling.tolist(), "true_cc_max_test_mean": float(ceiling.mean())}
    (out / "ground_truth.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _sets(counts: np.ndarray, spec: SyntheticSpec, rng: np.random.Generator) -> np.ndarray:
    """data.set for one neuron: its natural sounds' repeats as spike times in ms, then 12 DRC sets."""
    length = spec.bins * spec.bin_ms + 205.0
    sets = []
    for s in range(spec.sounds + DRC_SETS):
        trials = counts[s] if s < spec.sounds else rng.poisson(0.05, (DRC_REPEATS, spec.bins))
        repeats = [_spike_times(trial, spec.bin_ms, rng) for trial in trials]
        sets.append({
            "spikes": _struct([{"t": np.concatenate(repeats)[None, :],
                                "repeat_id": np.concatenate([np.full(len(t), r + 1.0)
                                                             for r, t in enumerate(repeats)])[None, :]}]),
            "repeats": _struct([{"t": t[None, :], "repeat_id": np.full((1, len(t)), r + 1.0),
                                 "timestamp": f"2026{s:04d}-{r:06d}"} for r, t in enumerate(repeats)]),
            "stim_params": _struct([{"all": "synthetic", "Source": np.array([[1.0 if s < spec.sounds else 3.0]]),
                                     "Mode": "frozen", "BF": np.array([[0.0]]), "Token": np.array([[s + 1.0]]),
                                     "Set": np.array([[1.0]]), "StimID": np.array([[s + 1.0]]),
                                     "NominalLevel": np.array([[70.0]]), "Level": np.array([[70.0]])}]),
            "length_signal_ms": np.array([[length]])})
    return _struct(sets)


def _spike_times(counts: np.ndarray, bin_ms: float, rng: np.random.Generator) -> np.ndarray:
    """Spike times in ms, drawn within their bins and away from the edges (they are rounded to whole ms)."""
    bins = np.repeat(np.arange(len(counts)), counts.astype(int))
    return np.sort(bins * bin_ms + rng.uniform(0.6, bin_ms - 0.6, len(bins)))


def _struct(records: list[dict]) -> np.ndarray:
    """A 1 x n MATLAB struct array for scipy.io.savemat."""
    array = np.empty((1, len(records)), dtype=[(name, "O") for name in records[0]])
    for i, record in enumerate(records):
        for name, value in record.items():
            array[0, i][name] = value
    return array


def _loadmat(path: Path) -> dict:
    import scipy.io
    from scipy.io.matlab import MatReadError
    if not path.is_file():
        raise format_error(path, "file", "missing", f"an NS1 folder holds {METADATA}, {SPECTROGRAMS} and "
                                              f"{SPIKES}/<each neuron's path>")
    try:
        return scipy.io.loadmat(path)
    except NotImplementedError:
        raise format_error(path, "file", "a v7.3 (HDF5) .mat", "NS1's files are MATLAB v5/v7; save it with -v7") from None
    except (MatReadError, ValueError, TypeError, OSError) as err:
        raise format_error(path, "file", f"not a readable .mat ({err})", "expected a MATLAB file (v5/v7)") from None


def _field(content: dict, name: str, path: Path, expected: str) -> np.ndarray:
    if name not in content:
        found = ", ".join(k for k in content if not k.startswith("__")) or "nothing"
        raise format_error(path, name, f"missing (found {found})", f"expected {name}: {expected}")
    return content[name]
