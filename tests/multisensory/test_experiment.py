"""A small multisensory sweep end to end: the set written once for runs started together, results
per model x difficulty with per-type columns, and the family's figures."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import neuro

EXPERIMENT = """name: tiny
task: multisensory
repetitions: 1
params: {n: 600, epochs: 2, batch_size: 100, lr: 0.002}
grid:
  integration: [early, intermediate, late]
"""


def test_a_sweep_writes_its_set_once_and_plots_per_type(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(EXPERIMENT)
    ran = neuro("run", "tiny.yaml", "--workers", "3", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    logs = [p.read_text() for p in (tmp_path / "training_data" / "multisensory" / "tiny").glob("*/stdout.log")]
    assert len(logs) == 3 and sum("wrote the stimulus set" in log for log in logs) == 1
    assert sorted(p.name for p in (tmp_path / "Data").iterdir() if not p.name.startswith(".")) == [
        "msi_easy_n600_types12345_seed0.h5"]
    table = neuro("results", "tiny.yaml", "--plot", cwd=tmp_path)
    header = table.stdout.splitlines()[0].split()
    assert header[0] == "integration" and {"accuracy_t3", "accuracy_t5", "rate_error", "fits_failed"} <= set(header)
    plots = tmp_path / "training_data" / "multisensory" / "tiny" / "plots"
    expected = {f"psychometric_type{t}.png" for t in range(1, 6)} | {
        "accuracy_threshold_vs_difficulty.png", "example_stimuli.png"}
    assert expected <= {p.name for p in plots.iterdir()}
    assert all((plots / name).read_bytes().startswith(b"\x89PNG") for name in expected)


def test_bad_parameters_stop_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(EXPERIMENT)
    for override, message in (
            ("params.types=[1, 7]", " (--set params.types=[1, 7]): params.types[1]: got int 7: input should be 1, "
                                    "2, 3, 4 or 5; give a list of values from 1, 2, 3, 4, 5"),
            ("params.test_fraction=1.5", " (--set params.test_fraction=1.5): params.test_fraction: 1.5 is out of "
                                         "range: must be < 1"),
            ("params.n=5", ": params.n: 5 stimuli leave too few")):
        result = neuro("run", "tiny.yaml", "--set", override, cwd=tmp_path)
        assert result.returncode == 2 and f"neuro: error: tiny.yaml{message}" in result.stderr
    assert not (tmp_path / "training_data").exists() and not (tmp_path / "Data").exists()
