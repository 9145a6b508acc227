"""The task end to end through `neuro run`: a linear model recovers synthetic linear-STRF neurons; the
family's data commands; data problems are one line at `neuro plan` time."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.conftest import ledger_events, neuro, write_experiment

RECOVERY = """
    name: recovery
    task: auditory_strf
    repetitions: 1
    params: {dataset: synthetic, synthetic_neurons: 16, synthetic_sounds: 30, synthetic_bins: 999,
             synthetic_bands: 34, synthetic_nonlinearity: linear, model: linear, epochs: 150, patience: 30}
    """


def test_a_linear_model_recovers_linear_strf_neurons(tmp_path: Path) -> None:
    result = neuro("run", str(write_experiment(tmp_path, RECOVERY)), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    metrics = next(e["metrics"] for e in ledger_events(tmp_path) if e["state"] == "done")
    run_dir = next((tmp_path / "training_data").rglob("per_neuron.json")).parent
    per_neuron = json.loads((run_dir / "per_neuron.json").read_text())
    well_driven = np.array(per_neuron["cc_max"]) >= np.median(per_neuron["cc_max"])     # the better half
    similarity = np.array(per_neuron["strf_similarity"])[well_driven]
    assert np.median(similarity) >= 0.9 and similarity.min() >= 0.8, similarity
    assert metrics["true_cc_norm"] - metrics["test_cc_norm"] < 5                  # within a few % of the truth
    assert np.load(run_dir / "strfs.npy").shape == (16, 34, 9) and (run_dir / "strfs.png").stat().st_size > 0


def test_data_make_check_show(tmp_path: Path) -> None:
    folder = tmp_path / "strf"
    made = neuro("data", "make", "strf", "--out", str(folder), "--neurons", "5", "--sounds", "8", "--bins", "100",
                 "--bands", "12", cwd=tmp_path)
    assert made.returncode == 0 and "wrote" in made.stdout and (folder / "ground_truth.json").exists()
    checked = neuro("data", "check", "strf", str(folder), cwd=tmp_path)
    assert checked.stdout.startswith(f"{folder}: ok: NS1 format: 5 neurons, 8 sounds (1 test), 20 repeats, "
                                     "100 bins of 5 ms, 12 bands")
    shown = neuro("data", "show", "strf", str(folder), "--neuron", "3", "--sound", "2", cwd=tmp_path)
    assert shown.returncode == 0 and (tmp_path / "strf_neuron3_sound2.png").stat().st_size > 10_000
    wrong = neuro("data", "show", "strf", str(folder), "--neuron", "9", cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.strip().endswith("--neuron 9 is out of range; the folder has "
                                                                   "neurons 0..4")


def test_missing_or_malformed_data_is_one_line_at_plan_time(tmp_path: Path) -> None:
    exp = write_experiment(tmp_path, "name: p\ntask: auditory_strf\nparams: {dataset: ns1}\n")
    missing = neuro("plan", str(exp), cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert f"params.dataset: ns1 data not found in {tmp_path / 'Data' / 'ns1'}" in missing.stderr
    neuro("data", "make", "strf", "--out", str(tmp_path / "Data" / "ns1"), "--neurons", "3", "--sounds", "8",
          "--bins", "60", "--bands", "8", cwd=tmp_path)
    (tmp_path / "Data" / "ns1" / "test_data_5ms.mat").write_bytes(b"garbage")
    broken = neuro("run", str(exp), cwd=tmp_path)
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1
    assert "test_data_5ms.mat: file: not a readable .mat" in broken.stderr
    assert not (tmp_path / "training_data" / "ledger.jsonl").exists()


def test_impossible_fits_are_refused_at_plan_time(tmp_path: Path) -> None:
    for params, message in [("{model: cnn2d, synthetic_bands: 6}", "params.model: cnn2d needs more than 6 frequency bands"),
                            ("{neuron: 5, synthetic_neurons: 5}", "params.neuron: 5 is out of range; the data has "
                                                                  "neurons 0..4 (-1 fits them all)")]:
        exp = write_experiment(tmp_path, f"name: p\ntask: auditory_strf\nparams: {params}\n")
        result = neuro("plan", str(exp), cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
