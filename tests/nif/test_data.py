"""BRAINS files of both MATLAB kinds read the same; wrong keys and shapes are one line naming the file
and the key; the genuine stimuli (tests/data/brains_sample) read as published."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuro.experiments.nif.data import RESPONSES, STIMULI, load, read_mat, write_mat
from neuro.experiments.nif.synthetic import SyntheticSpec, letters, simulate
from neuro.utils.errors import NeuroError
from tests.conftest import ROOT

SAMPLE = ROOT / "tests" / "data" / "brains_sample" / "stim.mat"


def _folder(root: Path, v73: bool, images: int = 12) -> Path:
    stimuli, _ = letters(images, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    root.mkdir()
    write_mat(root / STIMULI, {"stim": stimuli}, v73)
    write_mat(root / RESPONSES, {"V1": rng.normal(size=(images, 5)), "V2": rng.normal(size=(images, 8))}, v73)
    return root


def test_both_mat_kinds_give_identical_arrays(tmp_path: Path) -> None:
    classic, hdf5 = load(_folder(tmp_path / "classic", False)), load(_folder(tmp_path / "v73", True))
    assert np.array_equal(classic.images, hdf5.images) and classic.images.shape == (12, 56, 56)
    assert all(np.array_equal(classic.voxels[a], hdf5.voxels[a]) for a in ("V1", "V2"))
    assert classic.shape == "12 images of 56x56, 5 V1 voxels, 8 V2 voxels"
    assert 0 <= classic.images.min() and classic.images.max() == 1.0


def test_the_genuine_stimuli_read_as_published(tmp_path: Path) -> None:
    stim = read_mat(SAMPLE)["stim"]
    assert stim.shape == (360, 56, 56) and stim.dtype == np.uint8 and stim.max() == 255
    write_mat(tmp_path / "v73.mat", {"stim": stim}, v73=True)
    assert np.array_equal(read_mat(tmp_path / "v73.mat")["stim"], stim)
    _, voxels, truth = simulate(SyntheticSpec(images=360, v1=20, v2=30), images=stim)
    assert voxels["V1"].shape == (360, 20) and np.allclose(voxels["V2"].std(axis=0), 1, atol=1e-5)


@pytest.mark.parametrize("v73", [False, True], ids=["classic", "v7.3"])
@pytest.mark.parametrize(("change", "message"), [
    ({"stim_key": "images"}, "stim.mat: stim: missing (found images); expected stim: (images, 56, 56) uint8"),
    ({"stim_shape": (12, 28, 28)}, "stim.mat: stim: shape (12, 28, 28); expected (images, 56, 56)"),
    ({"drop": "V2"}, "bold.mat: V2: missing (found V1); expected V2: (images, voxels) for each of V1, V2"),
    ({"v1_rows": 10}, "bold.mat: V1: shape (10, 5); expected (12, voxels), one row per image of stim.mat"),
])
def test_wrong_keys_and_shapes_are_one_line(change: dict, message: str, v73: bool, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    stim = np.zeros(change.get("stim_shape", (12, 56, 56)), np.uint8)
    write_mat(tmp_path / STIMULI, {change.get("stim_key", "stim"): stim}, v73)
    responses = {"V1": rng.normal(size=(change.get("v1_rows", 12), 5)), "V2": rng.normal(size=(12, 8))}
    responses.pop(change.get("drop", "none"), None)
    write_mat(tmp_path / RESPONSES, responses, v73)
    with pytest.raises(NeuroError) as error:
        load(tmp_path)
    assert message in str(error.value) and "\n" not in str(error.value)
