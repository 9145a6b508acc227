"""The published V1 format: the synthetic generator writes it, the loader reads and checks it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neuro.experiments.v1_population.data import combine_regions, load_region, make_synthetic
from neuro.experiments.v1_population.metrics import noise_corrected, split_half_reliability
from neuro.experiments.v1_population.synthetic import GroundTruth, SyntheticSpec
from neuro.utils.errors import NeuroError
from neuro.utils.execution.correlation import pearson_per_column
from tests.conftest import neuro

SMALL = SyntheticSpec(seed=3, neurons=12, images=240, repeats=10)


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("region")
    make_synthetic(folder, SMALL)
    return folder


def test_synthetic_files_have_the_published_shapes_and_dtypes(region: Path) -> None:
    shapes = {name: np.load(region / name).shape for name in
              ("training_inputs.npy", "training_set.npy", "validation_inputs.npy", "validation_set.npy",
               "raw_validation_set.npy")}
    assert shapes == {"training_inputs.npy": (240, 961), "training_set.npy": (240, 12),
                      "validation_inputs.npy": (50, 961), "validation_set.npy": (50, 12),
                      "raw_validation_set.npy": (10, 50, 12)}
    assert all(np.load(region / name).dtype == np.float32 for name in shapes)
    responses = np.load(region / "training_set.npy")
    assert responses.min() >= 0 and np.all(responses == np.round(responses))  # spike counts
    assert np.allclose(np.load(region / "validation_set.npy"), np.load(region / "raw_validation_set.npy").mean(0))


def test_same_seed_same_files(region: Path, tmp_path: Path) -> None:
    make_synthetic(tmp_path, SMALL)
    for name in ("training_inputs.npy", "training_set.npy", "raw_validation_set.npy"):
        assert np.array_equal(np.load(region / name), np.load(tmp_path / name))


def test_the_ground_truth_reaches_the_noise_ceiling(region: Path) -> None:
    data = load_region(region)
    truth = GroundTruth(**dict(np.load(region / "ground_truth.npz")))
    r = pearson_per_column(truth.rates(data.val_x), data.val_y, constant=0.0)
    recorded = json.loads((region / "ground_truth.json").read_text())["ground_truth_validation_r"]
    assert r.mean() == pytest.approx(recorded, abs=1e-6) and 0.5 < recorded < 0.98
    corrected = noise_corrected(r, split_half_reliability(data.raw_val))
    assert abs(np.median(corrected) - 1.0) < 0.15  # a perfect model is at the ceiling


def test_pearson_counts_constant_columns_as_zero_and_respects_masks() -> None:
    target = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0], [9.0, 5.0]])
    prediction = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [0.0, 3.0]])
    mask = np.array([[1, 1], [1, 1], [1, 1], [0, 0]], dtype=float)
    assert pearson_per_column(prediction, target, mask, constant=0.0).tolist() == [pytest.approx(1.0), 0.0]


def test_regions_combine_block_diagonally_with_masks(region: Path, tmp_path: Path) -> None:
    make_synthetic(tmp_path, SyntheticSpec(seed=4, neurons=5, images=100, repeats=10))
    first, second = load_region(region), load_region(tmp_path)
    both = combine_regions([first, second])
    assert both.train_x.shape == (340, 961) and both.train_y.shape == (340, 17)
    assert both.train_mask[:240, :12].all() and not both.train_mask[:240, 12:].any()
    assert both.train_mask[240:, 12:].all() and not both.train_mask[240:, :12].any()
    assert both.val_mask.shape == (100, 17) and both.val_mask.sum() == 50 * 12 + 50 * 5
    # single trials combine too; each neuron's noise ceiling is the one of its own region
    assert both.raw_val.shape == (10, 100, 17)
    np.testing.assert_allclose(split_half_reliability(both.raw_val, both.val_mask),
                               np.concatenate([split_half_reliability(first.raw_val),
                                               split_half_reliability(second.raw_val)]), rtol=1e-5)
    make_synthetic(tmp_path / "eight", SyntheticSpec(seed=4, neurons=5, images=100, repeats=8))
    assert combine_regions([first, load_region(tmp_path / "eight")]).raw_val is None   # repeats differ


BROKEN = {
    "wrong_image_size": ("training_inputs.npy", np.zeros((240, 900), np.float32), "shape (240, 900)"),
    "neuron_mismatch": ("validation_set.npy", np.zeros((50, 11), np.float32), "as many neurons"),
    "row_mismatch": ("training_set.npy", np.zeros((239, 12), np.float32), "239 rows but 240 training images"),
    "nan": ("training_set.npy", np.full((240, 12), np.nan, np.float32), "2880 NaN"),
    "raw_shape": ("raw_validation_set.npy", np.zeros((10, 49, 12), np.float32), "expected (repeats, 50, 12)"),
    "text": ("training_set.npy", np.array([["a"] * 12] * 240), "not numeric"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_folders_are_clear_errors(case: str, region: Path, tmp_path: Path) -> None:
    name, array, message = BROKEN[case]
    for path in region.glob("*.npy"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    np.save(tmp_path / name, array)
    with pytest.raises(NeuroError, match=None) as error:
        load_region(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / name}:") and message in str(error.value)
    result = neuro("data", "check", "v1", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_folder_and_missing_file(tmp_path: Path) -> None:
    result = neuro("data", "check", "v1", str(tmp_path / "region9"), cwd=tmp_path)
    assert result.returncode == 2 and "no such data folder" in result.stderr and "neuro data make v1" in result.stderr
    (tmp_path / "region1").mkdir()
    with pytest.raises(NeuroError, match="training_inputs.npy: missing"):
        load_region(tmp_path / "region1")


def test_make_and_check_from_the_command_line(tmp_path: Path) -> None:
    made = neuro("data", "make", "v1", "--out", "Data/syn", "--neurons", "7", "--images", "120", cwd=tmp_path)
    assert made.returncode == 0 and "120 training images, 7 neurons" in made.stdout
    checked = neuro("data", "check", "v1", "Data/syn", cwd=tmp_path)
    assert checked.returncode == 0 and "ok: 120 training images, 50 validation images, 7 neurons" in checked.stdout
    assert "split-half reliability median" in checked.stdout


EXPERIMENT = "name: fit\ntask: v1_population\nparams: {regions: %s, dataset: %s, epochs: 1}\n"
RUN_ERRORS = {
    "wrong_shape": ("[1]", "auto", "training_inputs.npy", np.zeros((240, 900), np.float32), "shape (240, 900)"),
    "neuron_mismatch": ("[1]", "published", "validation_set.npy", np.zeros((50, 11), np.float32), "as many neurons"),
    "missing_region": ("[1, 2]", "published", None, None, "region2: no such data folder"),
    "unknown_region": ("[7]", "auto", None, None, "region 7 is neither in"),
}


@pytest.mark.parametrize("case", sorted(RUN_ERRORS))
@pytest.mark.parametrize("command", ["run", "plan"])
def test_bad_data_stops_run_and_plan_before_anything_is_written(case: str, command: str, region: Path,
                                                                  tmp_path: Path) -> None:
    regions, dataset, name, array, message = RUN_ERRORS[case]
    folder = tmp_path / "Data" / "region1"
    folder.mkdir(parents=True)
    for path in region.glob("*.npy"):
        (folder / path.name).write_bytes(path.read_bytes())
    if name:
        np.save(folder / name, array)
    (tmp_path / "fit.yaml").write_text(EXPERIMENT % (regions, dataset))
    result = neuro(command, "fit.yaml", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("neuro: error: fit.yaml: params.regions: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "training_data").exists()


@pytest.mark.parametrize("override,message", [
    ("params.kernel_size=40", "params.kernel_size: 40 is out of range: must be <= 31; give an int in [1, 31]"),
    ("params.dropout=1.0", "params.dropout: 1.0 is out of range: must be < 1"),
    ("params.batch_size=0", "params.batch_size: 0 is out of range: must be >= 1; give an int >= 1"),
    ("params.regions=[]", "params.regions: [] has too few items: at least 1"),
])
def test_out_of_range_parameters_are_errors_before_anything_runs(override: str, message: str,
                                                                   tmp_path: Path) -> None:
    (tmp_path / "fit.yaml").write_text(EXPERIMENT % ("[1]", "synthetic"))
    result = neuro("run", "fit.yaml", "--set", override, cwd=tmp_path)
    assert result.returncode == 2 and f"neuro: error: fit.yaml (--set {override}): {message}" in result.stderr
    assert not (tmp_path / "training_data").exists() and not (tmp_path / "Data").exists()
