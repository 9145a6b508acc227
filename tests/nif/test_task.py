"""The nif task end to end: on synthetic data the fit recovers the voxels' field centres and comes near
the ground truth's test r; the family's data commands; data problems are one line at plan time."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.conftest import ROOT, ledger_events, neuro, write_experiment

RECOVERY = """
    name: recovery
    task: nif
    repetitions: 1
    params: {dataset: synthetic, synthetic_images: 240, synthetic_v1: 120, synthetic_v2: 160, synthetic_snr: 2,
             epochs: 9}
    """


def test_a_fit_recovers_the_field_centres(tmp_path: Path) -> None:
    result = neuro("run", str(write_experiment(tmp_path, RECOVERY)), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    metrics = next(e["metrics"] for e in ledger_events(tmp_path) if e["state"] == "done")
    for area in ("V1", "V2"):
        assert metrics[f"centre_error_px_{area}"] < 0.1 * 56, metrics           # well under a tenth of the image
        assert metrics[f"test_r_mean_{area}"] > 0.6 * metrics[f"true_r_mean_{area}"], metrics
    run_dir = next((tmp_path / "training_data").rglob("per_voxel.json")).parent
    per_voxel = json.loads((run_dir / "per_voxel.json").read_text())
    assert len(per_voxel["V1"]["r"]) == 120 and len(per_voxel["V2"]["centre_row"]) == 160
    assert sorted(p.name for p in (run_dir / "fields").iterdir())[0] == "epoch_000.png"
    assert (run_dir / "centres_V1.png").stat().st_size > 10_000


def test_data_make_check_show_with_genuine_stimuli(tmp_path: Path) -> None:
    folder = tmp_path / "nif"
    made = neuro("data", "make", "nif", "--out", str(folder), "--v1", "20", "--v2", "30", "--v73",
                 "--stimuli", str(ROOT / "tests" / "data" / "brains_sample" / "stim.mat"), cwd=tmp_path)
    assert made.returncode == 0 and "360 images (given)" in made.stdout, made.stderr
    assert (folder / "stim.mat").read_bytes().startswith(b"MATLAB 7.3 MAT-file")
    checked = neuro("data", "check", "nif", str(folder), cwd=tmp_path)
    assert checked.stdout.startswith(f"{folder}: ok: 360 images of 56x56, 20 V1 voxels, 30 V2 voxels")
    shown = neuro("data", "show", "nif", str(folder), "--image", "5", cwd=tmp_path)
    assert shown.returncode == 0 and (tmp_path / "nif_image5.png").stat().st_size > 5_000
    assert np.load(folder / "ground_truth.npz")["fields_V1"].shape == (20, 28, 28)


def test_missing_data_and_bad_test_images_are_one_line_at_plan_time(tmp_path: Path) -> None:
    for params, message in [("{dataset: brains}", f"params.dataset: BRAINS data not found in {tmp_path / 'Data' / 'brains'}"),
                            ("{synthetic_images: 20, test_images: [3, 25]}", "params.test_images: indices must be in 0..19")]:
        exp = write_experiment(tmp_path, f"name: p\ntask: nif\nparams: {params}\n")
        result = neuro("plan", str(exp), cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_a_malformed_brains_folder_is_one_line_at_plan_time(tmp_path: Path) -> None:
    from neuro.experiments.nif.data import write_mat
    folder = tmp_path / "Data" / "brains"
    folder.mkdir(parents=True)
    write_mat(folder / "stim.mat", {"stim": np.zeros((12, 56, 56), np.uint8)}, v73=True)
    write_mat(folder / "bold.mat", {"V1": np.zeros((12, 4))}, v73=True)
    result = neuro("plan", str(write_experiment(tmp_path, "name: p\ntask: nif\n")), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"{folder / 'bold.mat'}: V2: missing (found V1)" in result.stderr


def test_one_area_is_fit_alone(tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, """
        name: v1only
        task: nif
        params: {dataset: synthetic, synthetic_images: 30, synthetic_v1: 8, synthetic_v2: 9, areas: V1, epochs: 2}
        """)
    assert neuro("run", str(exp), cwd=tmp_path).returncode == 0
    metrics = next(e["metrics"] for e in ledger_events(tmp_path) if e["state"] == "done")
    assert "test_r_mean_V1" in metrics and not any(name.endswith("_V2") for name in metrics)
