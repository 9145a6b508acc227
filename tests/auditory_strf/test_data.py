"""The loaders: NS1 on files we write and on the genuine NS1 files (tests/data/ns1_sample), NAT4 on
files written in its format; both give the same in-memory data set and the published splits. A
malformed file is one line naming the file and the field."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from neuro.experiments.auditory_strf.data import load
from neuro.experiments.auditory_strf.ns1 import (
    METADATA,
    NS1_TEST,
    SPECTROGRAMS,
    SPIKES,
    good_neurons,
    neuron_spikes,
    write_synthetic,
)
from neuro.experiments.auditory_strf.synthetic import SyntheticSpec, simulate
from neuro.utils.errors import NeuroError
from tests.conftest import ROOT

SAMPLE = ROOT / "tests" / "data" / "ns1_sample"
SMALL = SyntheticSpec(seed=3, neurons=12, sounds=20, bins=120, bands=10)


def test_a_synthetic_ns1_folder_reads_back_exactly(tmp_path: Path) -> None:
    summary = write_synthetic(tmp_path / "s", SMALL)
    data = load(tmp_path / "s")
    made = simulate(SMALL)
    assert len(data.neurons) == 12 and data.bin_ms == 5.0 and data.spectrograms.shape == (20, 10, 120)
    assert np.array_equal(np.stack(data.responses), made.counts)            # spike times -> the same counts
    assert np.allclose(data.spectrograms, made.spectrograms)
    assert list(np.flatnonzero(data.test)) == list(NS1_TEST)
    metadata = scipy.io.loadmat(tmp_path / "s" / METADATA)["neuron"]
    assert metadata.shape[1] == 13 and len(good_neurons(metadata)) == 12     # one fails the selection
    assert 0 < summary["true_cc_max_test_mean"] < 1
    assert np.load(tmp_path / "s" / "ground_truth.npz")["strfs"].shape == (12, 10, 9)


def test_the_genuine_metadata_selects_harpers_73_neurons() -> None:
    metadata = scipy.io.loadmat(SAMPLE / METADATA)["neuron"]
    assert metadata.shape == (1, 119) and len(good_neurons(metadata)) == 73


def test_a_genuine_spike_file_bins_into_its_repeats_of_999_bins(tmp_path: Path) -> None:
    """Where an NS1 folder keeps it (spikesandwav/<path>); two of its sounds have 19 repeats, not 20."""
    (tmp_path / SPIKES / "dataAC" / "E1").mkdir(parents=True)
    shutil.copy(SAMPLE / "cluster.01.data.mat", tmp_path / SPIKES / "dataAC" / "E1" / "cluster.01.data.mat")
    trains = neuron_spikes(tmp_path, "dataAC/E1/cluster.01.data.mat", 20, 999)
    assert [len(t) for t in trains] == [20, 20, 20, 19, 19] + [20] * 15
    assert all(t.shape[1] == 999 for t in trains)
    raw = scipy.io.loadmat(SAMPLE / "cluster.01.data.mat")["data"][0, 0]["set"][0, 0]["repeats"]
    first = np.round(raw[0, 0]["t"].ravel())
    assert trains[0][0].sum() == np.sum((first >= 0) & (first < 4995)) == 41    # the 42nd falls at 4995 ms, past the window
    assert trains[0][0][5] == np.sum((first >= 25) & (first < 30))


def test_a_folder_of_genuine_files_loads(tmp_path: Path) -> None:
    """The genuine metadata and spike file in an NS1 folder (the spike file standing in for every neuron,
    spectrograms of the published shape)."""
    shutil.copy(SAMPLE / METADATA, tmp_path / METADATA)
    metadata = scipy.io.loadmat(SAMPLE / METADATA)["neuron"]
    for i in good_neurons(metadata):
        target = tmp_path / SPIKES / str(np.squeeze(metadata[0, i]["path"]))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / "cluster.01.data.mat", target)
    scipy.io.savemat(tmp_path / SPECTROGRAMS, {"X_nfht": np.random.default_rng(0).random((20, 34, 1, 999))})
    data = load(tmp_path)
    assert data.shape == "73 neurons, 20 sounds (4 test), 19-20 repeats, 999 bins of 5 ms, 34 bands"
    assert np.array_equal(data.responses[0][:, 0], data.responses[0][:, 72])
    assert data.responses[3].shape == (19, 73, 999)


def write_nat4(folder: Path, estimation: int = 5, validation: int = 3, repeats: int = 4, neurons: int = 3,
               bins: int = 150, bands: int = 18, seed: int = 0) -> dict:
    """A NAT4 recording folder: estimation sounds once each, validation sounds `repeats` times, one
    continuous signal at fs 100 with an epoch per presentation (and other epochs between)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    sounds = {f"STIM_cat{i:03d}.wav": rng.random((bins, bands)) for i in range(estimation)}
    sounds |= {f"STIM_00cat{i:03d}.wav": rng.random((bins, bands)) for i in range(validation)}
    order = [n for n in sounds if not n.startswith("STIM_00")] + [n for n in sounds if n.startswith("STIM_00")] * repeats
    stim, resp, epochs, t = [], [], ["name,start,end"], 0
    for name in order:
        gap = rng.random((20, bands))                                  # silence between presentations
        stim += [gap, sounds[name]]
        resp += [rng.poisson(0.5, (20, neurons)), rng.poisson(1.0, (bins, neurons))]
        epochs += [f"TRIAL,{t / 100:.2f},{(t + 20 + bins) / 100:.2f}", f"{name},{(t + 20) / 100:.2f},{(t + 20 + bins) / 100:.2f}"]
        t += 20 + bins
    np.savetxt(folder / "site1.stim.csv", np.concatenate(stim), delimiter=",")
    np.savetxt(folder / "site1.resp.csv", np.concatenate(resp), delimiter=",")
    (folder / "site1.resp.json").write_text(json.dumps({"chans": [f"site1-{i:02d}-1" for i in range(neurons)], "fs": 100}))
    (folder / "site1.resp.epoch.csv").write_text("\n".join(epochs) + "\n")
    return {"sounds": sounds, "resp": np.concatenate(resp), "order": order}


def test_nat4_gives_the_same_data_set_with_its_split(tmp_path: Path) -> None:
    written = write_nat4(tmp_path / "nat4")
    data = load(tmp_path / "nat4")
    assert data.shape == "3 neurons, 8 sounds (3 test), 1-4 repeats, 150 bins of 10 ms, 18 bands"
    assert data.sound_ids[:5] == [f"STIM_cat{i:03d}.wav" for i in range(5)]
    assert [len(r) for r in data.responses] == [1] * 5 + [4] * 3 and list(data.test) == [False] * 5 + [True] * 3
    assert np.array_equal(data.responses[0][0], written["resp"][20:170].T)     # the first sound's bins
    stim = np.log((written["sounds"]["STIM_cat000.wav"] + 0.1) / 0.1)
    assert 0 <= data.spectrograms.min() and data.spectrograms.max() <= 1
    assert np.allclose(np.corrcoef(data.spectrograms[0].ravel(), stim.T.ravel())[0, 1], 1)


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda d: scipy.io.savemat(d / SPECTROGRAMS, {"X": np.zeros(3)}),
     "test_data_5ms.mat: X_nfht: missing (found X); expected X_nfht: (sounds, bands, 1, bins)"),
    (lambda d: (d / SPECTROGRAMS).unlink(), "test_data_5ms.mat: file: missing; an NS1 folder holds"),
    (lambda d: scipy.io.savemat(d / SPECTROGRAMS, {"X_nfht": np.zeros((20, 10, 120))}),
     "test_data_5ms.mat: X_nfht: shape (20, 10, 120); expected (sounds, bands, 1, bins)"),
    (lambda d: (d / METADATA).write_text("not a mat file"), "MetadataSHEnCneurons.mat: file: not a readable .mat"),
    (lambda d: (d / SPIKES / "synthetic" / "E1" / "cluster.02.data.mat").unlink(), "cluster.02.data.mat: file: missing"),
])
def test_a_malformed_ns1_file_is_one_line_naming_it(breakage, message: str, tmp_path: Path) -> None:
    write_synthetic(tmp_path / "s", SMALL)
    breakage(tmp_path / "s")
    with pytest.raises(NeuroError) as error:
        load(tmp_path / "s")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_malformed_nat4_file_is_one_line_naming_it(tmp_path: Path) -> None:
    write_nat4(tmp_path / "n")
    (tmp_path / "n" / "site1.resp.json").write_text(json.dumps({"chans": ["a", "b"], "fs": 100}))
    with pytest.raises(NeuroError, match=r"site1.resp.csv: columns: 3; expected 2 \(resp.json chans\)"):
        load(tmp_path / "n")
    (tmp_path / "n" / "site1.resp.json").write_text(json.dumps({"chans": ["a", "b", "c"], "fs": 100}))
    (tmp_path / "n" / "site1.resp.epoch.csv").write_text("when,what\n")
    with pytest.raises(NeuroError, match="site1.resp.epoch.csv: header: 'when,what'; expected 'name,start,end'"):
        load(tmp_path / "n")


def test_one_neuron_of_a_data_set(tmp_path: Path) -> None:
    write_synthetic(tmp_path / "s", SMALL)
    data = load(tmp_path / "s")
    one = data.only(4)
    assert one.neurons == [data.neurons[4]] and one.responses[0].shape == (20, 1, 120)
    assert np.array_equal(one.responses[7][:, 0], data.responses[7][:, 4])
