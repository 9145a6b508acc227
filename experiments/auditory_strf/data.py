"""The published data formats, read into one in-memory data set, and synthetic sets written in NS1's.

NS1 (Harper et al. 2016, ferret A1; as on OSF osf.io/ayw2p with the DNet spectrograms), one folder:
    MetadataSHEnCneurons.mat   struct `neuron` (1 x 119): path, NrOfElectrodes, ElectrodeNumber, depth,
                               NoiseRatio, singleT ('Yes'/'Maybe'/'No'), singleN; the good neurons are
                               singleT Yes or Maybe at depth >= 0 (73)
    spikesandwav/<path>        per neuron `data.set` (1 x 32: the natural sounds, then 12 DRCs), each with
                               `repeats` (1 x 20) of spike times `t` in ms
    test_data_5ms.mat          `X_nfht` (20 sounds, 34 bands, 1, 999 bins of 5 ms)
  Test split (Rahman et al. 2020): sounds 3, 6, 9, 19 (0-based; with another number of sounds, every
  fifth from the fourth).
NAT4 (Pennington & David 2023), one recording folder: <site>.resp.csv (time x neurons), <site>.stim.csv
  (time x 18 bands), <site>.resp.json (chans, fs) and <site>.resp.epoch.csv (name, start, end in s):
  estimation sounds 'STIM_cat...' (train) and validation sounds 'STIM_00...' (test), each row a repeat.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from experiments.auditory_strf.synthetic import SyntheticSpec, simulate, true_cc_max
from utils.atomic import create_once
from utils.errors import NeuroError

METADATA = "MetadataSHEnCneurons.mat"
SPECTROGRAMS = "test_data_5ms.mat"
SPIKES = "spikesandwav"
NS1_BIN_MS = 5.0
NS1_TEST = (3, 6, 9, 19)
DRC_SETS, DRC_REPEATS = 12, 5
SYNTHETIC = "strf_synthetic"


@dataclass
class StrfData:
    spectrograms: np.ndarray        # (S, F, T) float32
    responses: list[np.ndarray]     # per sound (R_s, N, T) spike counts; NaN where a neuron has fewer repeats
    sound_ids: list[str]
    neurons: list[str]
    bin_ms: float
    test: np.ndarray                # (S,) bool: the published test sounds

    @property
    def shape(self) -> str:
        repeats = sorted({len(r) for r in self.responses})
        span = str(repeats[0]) if len(repeats) == 1 else f"{repeats[0]}-{repeats[-1]}"
        return (f"{len(self.neurons)} neurons, {len(self.sound_ids)} sounds ({int(self.test.sum())} test), "
                f"{span} repeats, "
                f"{self.spectrograms.shape[2]} bins of {self.bin_ms:g} ms, {self.spectrograms.shape[1]} bands")

    def only(self, neuron: int) -> StrfData:
        """The same sounds with one neuron."""
        return StrfData(self.spectrograms, [r[:, neuron:neuron + 1] for r in self.responses], self.sound_ids,
                        [self.neurons[neuron]], self.bin_ms, self.test)


def load(folder: Path) -> StrfData:
    """An NS1 or NAT4 folder, told apart by its files."""
    if (folder / METADATA).exists():
        return load_ns1(folder)
    if list(folder.glob("*.resp.csv")):
        return load_nat4(folder)
    if not folder.is_dir():
        raise NeuroError(f"{folder}: no such folder")
    raise NeuroError(f"{folder}: neither NS1 ({METADATA}) nor NAT4 (<site>.resp.csv) data; see "
                     "`neuro data make strf --help` for a synthetic set in the NS1 format")


# ----- NS1 -----

def good_neurons(metadata: np.ndarray) -> list[int]:
    """Harper et al.'s selection: singleT Yes or Maybe, depth >= 0."""
    return [i for i in range(metadata.shape[1])
            if str(np.squeeze(metadata[0, i]["singleT"])) in ("Yes", "Maybe")
            and float(np.squeeze(metadata[0, i]["depth"])) >= 0]


def load_ns1(folder: Path) -> StrfData:
    metadata = _field(_loadmat(folder / METADATA), "neuron", folder / METADATA, "a struct array of neurons")
    for name in ("path", "singleT", "depth"):
        if name not in (metadata.dtype.names or ()):
            raise _error(folder / METADATA, f"neuron.{name}", "missing", "the NS1 metadata has path, singleT, depth")
    spectrograms = _field(_loadmat(folder / SPECTROGRAMS), "X_nfht", folder / SPECTROGRAMS,
                          "(sounds, bands, 1, bins)")
    if spectrograms.ndim != 4 or spectrograms.shape[2] != 1:
        raise _error(folder / SPECTROGRAMS, "X_nfht", f"shape {spectrograms.shape}", "expected (sounds, bands, 1, bins)")
    sounds, bins = spectrograms.shape[0], spectrograms.shape[3]
    chosen = good_neurons(metadata)
    if not chosen:
        raise _error(folder / METADATA, "neuron.singleT", "no neuron is Yes or Maybe at depth >= 0", "check the file")
    trains = [_neuron_spikes(folder, str(np.squeeze(metadata[0, i]["path"])), sounds, bins) for i in chosen]
    responses = [_stack_neurons([train[s] for train in trains]) for s in range(sounds)]
    test = np.isin(np.arange(sounds), NS1_TEST if sounds == 20 else np.arange(3, sounds, 5))
    return StrfData(spectrograms[:, :, 0, :].astype(np.float32), responses, [f"nat{s + 1:02d}" for s in range(sounds)],
                    [str(np.squeeze(metadata[0, i]["path"])) for i in chosen], NS1_BIN_MS, test)


def _neuron_spikes(folder: Path, relative: str, sounds: int, bins: int) -> list[np.ndarray]:
    """One neuron's repeats of each natural sound, binned: [(repeats, bins)] per sound."""
    path = folder / SPIKES / relative
    if not path.exists() and path.with_name(path.stem + "_1.mat").exists():   # a few OSF files carry "_1"
        path = path.with_name(path.stem + "_1.mat")
    data = _field(_loadmat(path), "data", path, "a struct with field set")
    if "set" not in (data.dtype.names or ()):
        raise _error(path, "data.set", "missing", "expected (1, sounds) structs with repeats")
    sets = data[0, 0]["set"]
    if sets.shape[-1] < sounds or "repeats" not in (sets.dtype.names or ()):
        raise _error(path, "data.set", f"{sets.shape[-1]} sets", f"expected at least {sounds}, each with repeats")
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


# ----- NAT4 -----

def load_nat4(folder: Path) -> StrfData:
    site = _one(folder, "*.resp.csv").name[:-len(".resp.csv")]
    meta_path = folder / f"{site}.resp.json"
    try:
        meta = json.loads(meta_path.read_text())
        chans, fs = list(meta["chans"]), float(meta["fs"])
    except FileNotFoundError:
        raise _error(meta_path, "file", "missing", "a NAT4 recording has <site>.resp.json with chans and fs") from None
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise _error(meta_path, "chans/fs", f"unreadable ({err})", "expected {\"chans\": [...], \"fs\": 100}") from None
    resp = _csv(folder / f"{site}.resp.csv")
    stim = _csv(folder / f"{site}.stim.csv")
    if resp.shape[1] != len(chans):
        raise _error(folder / f"{site}.resp.csv", "columns", f"{resp.shape[1]}", f"expected {len(chans)} (resp.json chans)")
    if len(stim) != len(resp):
        raise _error(folder / f"{site}.stim.csv", "rows", f"{len(stim)}", f"expected {len(resp)} (as resp.csv)")
    epochs = _epochs(folder / f"{site}.resp.epoch.csv")
    names = list(dict.fromkeys(name for name, _, _ in epochs if name.startswith("STIM_")))
    if not names:
        raise _error(folder / f"{site}.resp.epoch.csv", "name", "no STIM_ epochs", "expected STIM_cat... and STIM_00...")
    stim = np.log((stim + 0.1) / 0.1)
    stim = (stim - np.nanmin(stim)) / max(np.nanmax(stim) - np.nanmin(stim), 1e-12)
    spectrograms, responses = [], []
    for name in names:
        rows = [(round(start * fs), round(end * fs)) for n, start, end in epochs if n == name]
        length = min(end - start for start, end in rows)
        spectrograms.append(stim[rows[0][0]:rows[0][0] + length].T)
        responses.append(np.stack([resp[start:start + length].T for start, _ in rows]).astype(np.float32))
    lengths = {s.shape[1] for s in spectrograms}
    if len(lengths) > 1:
        raise _error(folder / f"{site}.resp.epoch.csv", "start/end", f"sounds of {sorted(lengths)} bins",
                     "expected every STIM_ epoch of one length")
    test = np.array([name.startswith("STIM_00") for name in names])
    return StrfData(np.stack(spectrograms).astype(np.float32), responses, names, chans, 1000.0 / fs, test)


def _epochs(path: Path) -> list[tuple[str, float, float]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise _error(path, "file", "missing", "a NAT4 recording has <site>.resp.epoch.csv (name,start,end)") from None
    if not lines or [c.strip() for c in lines[0].split(",")] != ["name", "start", "end"]:
        raise _error(path, "header", repr(lines[0] if lines else ""), "expected 'name,start,end'")
    out = []
    for number, line in enumerate(lines[1:], 2):
        try:
            name, start, end = line.rsplit(",", 2)
            out.append((name.strip().strip('"'), float(start), float(end)))
        except ValueError:
            raise _error(path, f"line {number}", repr(line), "expected name,start,end with times in s") from None
    return out


def _csv(path: Path) -> np.ndarray:
    try:
        values = np.loadtxt(path, delimiter=",", ndmin=2)
    except FileNotFoundError:
        raise _error(path, "file", "missing", "a NAT4 recording has <site>.resp.csv and <site>.stim.csv") from None
    except ValueError as err:
        raise _error(path, "values", str(err).splitlines()[0], "expected comma-separated numbers, no header") from None
    return values


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise NeuroError(f"{folder}: {len(found)} files match {pattern}; a NAT4 recording folder holds one site")
    return found[0]


# ----- which data a run reads -----

def synthetic_spec(p) -> SyntheticSpec:
    return SyntheticSpec(seed=p.data_seed, neurons=p.synthetic_neurons, sounds=p.synthetic_sounds,
                         bins=p.synthetic_bins, bands=p.synthetic_bands, adaptation=p.synthetic_adaptation,
                         nonlinearity=p.synthetic_nonlinearity)


def planned_folder(p, data_dir: Path) -> tuple[Path, str]:
    """The folder a run reads and its kind: ns1, nat4, or synthetic (written on first use)."""
    kind = p.dataset if p.dataset != "auto" else ("ns1" if (data_dir / (p.data_path or "ns1")).is_dir() else "synthetic")
    if kind != "synthetic":
        return data_dir / (p.data_path or kind), kind
    spec = synthetic_spec(p)
    name = (f"{SYNTHETIC}_n{spec.neurons}_s{spec.sounds}_t{spec.bins}_f{spec.bands}"
            f"{'_adapt' if spec.adaptation else ''}{'_linear' if spec.nonlinearity == 'linear' else ''}_seed{spec.seed}")
    return data_dir / (p.data_path or name), kind


def load_for(p, data_dir: Path) -> StrfData:
    """The data set a run's parameters name, a synthetic one written first when missing."""
    folder, kind = planned_folder(p, data_dir)
    if kind == "synthetic" and not folder.exists():
        create_once(folder, lambda out: write_synthetic(out, synthetic_spec(p)))
    return load(folder)


# ----- writing NS1 -----

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
    test = np.isin(np.arange(spec.sounds), NS1_TEST if spec.sounds == 20 else np.arange(3, spec.sounds, 5))
    ceiling = true_cc_max(made.rates[test], spec.repeats)
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
                                "repeat_id": np.concatenate([np.full(len(t), r + 1.0) for r, t in enumerate(repeats)])[None, :]}]),
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
        raise _error(path, "file", "missing", f"an NS1 folder holds {METADATA}, {SPECTROGRAMS} and "
                                              f"{SPIKES}/<each neuron's path>")
    try:
        return scipy.io.loadmat(path)
    except NotImplementedError:
        raise _error(path, "file", "a v7.3 (HDF5) .mat", "NS1's files are MATLAB v5/v7; save it with -v7") from None
    except (MatReadError, ValueError, TypeError, OSError) as err:
        raise _error(path, "file", f"not a readable .mat ({err})", "expected a MATLAB file (v5/v7)") from None


def _field(content: dict, name: str, path: Path, expected: str) -> np.ndarray:
    if name not in content:
        found = ", ".join(k for k in content if not k.startswith("__")) or "nothing"
        raise _error(path, name, f"missing (found {found})", f"expected {name}: {expected}")
    return content[name]


def _error(path: Path, field: str, problem: str, fix: str) -> NeuroError:
    return NeuroError(f"{path}: {field}: {problem}; {fix}")
