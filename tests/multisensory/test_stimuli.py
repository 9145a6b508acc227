"""The stimulus generator against its specification, the HDF5 layout, and `neuro data make/show msi`."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import h5py
import numpy as np
import pytest

from neuro.experiments.multisensory.data import ensure_stimuli, read_params, write_stimuli
from neuro.experiments.multisensory.stimuli import DIFFICULTIES, Generator, StimulusSpec
from neuro.utils.errors import NeuroError
from tests.conftest import neuro

SPEC = StimulusSpec()
MS_PER_SAMPLE = 1000 / SPEC.fs


@pytest.fixture(scope="module")
def stimuli(tmp_path_factory) -> h5py.File:
    path = tmp_path_factory.mktemp("msi") / "easy.h5"
    write_stimuli(path, SPEC, 600, seed=0, chunk_rows=128)
    with h5py.File(path, "r") as f:
        yield f


def _events(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end samples of the runs of ones in a 0/1 mask."""
    edges = np.diff(np.concatenate([[0], mask, [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def test_layout_dtypes_and_params(stimuli: h5py.File) -> None:
    for channel in ("left", "right"):
        assert stimuli[f"{channel}/x"].shape == stimuli[f"{channel}/x_mask"].shape == (600, 650, 1)
        assert stimuli[f"{channel}/x"].dtype == np.float32 and stimuli[f"{channel}/y_dec"].shape == (600, 2)
        assert stimuli[f"{channel}/x"].compression == "gzip"
    assert stimuli["agg/y_rate"].shape == (600,) and stimuli["seed"].dtype == np.uint64
    assert stimuli["params/difficulty"][()] == 17 and stimuli["params/fast_threshold"][()] == 13.5
    assert sorted(np.unique(stimuli["type"][:])) == [1, 2, 3, 4, 5]
    assert np.bincount(stimuli["type"][:])[1:].tolist() == [120] * 5


def test_event_counts_durations_and_gaps_follow_the_spec(stimuli: h5py.File) -> None:
    gaps_seen = set()
    for channel in ("left", "right"):
        masks, rates = stimuli[f"{channel}/x_mask"][:, :, 0], stimuli[f"{channel}/y_rate"][:]
        for mask, rate in zip(masks, rates):
            starts, ends = _events(mask)
            assert len(starts) == rate and (rate == 0 or 11 <= rate <= 16)
            assert set(ends - starts) <= {12}                                     # 25 ms at 500 Hz, floored
            gap_ms = (starts[1:] - ends[:-1]) * MS_PER_SAMPLE
            assert np.all((np.abs(gap_ms - 25) <= 2) | (np.abs(gap_ms - 50) <= 2))
            gaps_seen |= set(np.round(gap_ms / 25).astype(int).tolist())
    assert gaps_seen == {1, 2}


def test_runs_are_within_tolerance_and_fit_the_stimulus() -> None:
    generator = Generator(SPEC)
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n = int(rng.choice(SPEC.rates))
        run = generator.events(n, rng)
        run_ms = (run.end - run.begin) * MS_PER_SAMPLE
        assert abs(run_ms - 1300) < 0.5 * run_ms + 1 and 0 <= run.begin and run.end <= 650


def test_labels(stimuli: h5py.File) -> None:
    types, agg = stimuli["type"][:], stimuli["agg/y_rate"][:]
    left, right = stimuli["left/y_rate"][:], stimuli["right/y_rate"][:]
    assert np.all(right[types == 1] == 0) and np.all(left[types == 2] == 0)
    assert np.array_equal(agg[types == 1], left[types == 1]) and np.array_equal(agg[types == 2], right[types == 2])
    both = np.isin(types, [3, 4])
    assert np.array_equal(left[both], right[both]) and np.array_equal(agg[both], left[both])
    five = types == 5
    assert np.all(left[five] != right[five]) and np.allclose(agg[five], (left[five] + right[five]) / 2)
    assert np.any(agg[five] % 1 == 0.5)
    for name, rate in (("left", left), ("right", right), ("agg", agg)):
        dec = stimuli[f"{name}/y_dec"][:]
        assert np.array_equal(dec[:, 1] == 1, rate >= 13.5) and np.all(dec.sum(axis=1) == 1)


def test_masks_synchronous_for_type_3_and_not_for_type_4(stimuli: h5py.File) -> None:
    types = stimuli["type"][:]
    left, right = stimuli["left/x_mask"][:, :, 0], stimuli["right/x_mask"][:, :, 0]
    assert all(np.array_equal(left[i], right[i]) for i in np.flatnonzero(types == 3))
    assert not any(np.array_equal(left[i], right[i]) for i in np.flatnonzero(types == 4))
    assert not right[types == 1].any() and not left[types == 2].any()


def test_background_noise_is_independent_across_channels(stimuli: h5py.File) -> None:
    rows = np.flatnonzero(stimuli["type"][:] == 3)
    left, right = stimuli["left/x"][rows, 20:-20, 0], stimuli["right/x"][rows, 20:-20, 0]
    quiet = stimuli["left/x_mask"][rows, 20:-20, 0] == 0
    r = np.corrcoef(left[quiet], right[quiet])[0, 1]
    assert abs(r) < 0.05


@pytest.mark.parametrize("difficulty", sorted(DIFFICULTIES))
def test_noise_level_per_difficulty(difficulty: str) -> None:
    spec = StimulusSpec(difficulty=DIFFICULTIES[difficulty])
    generator = Generator(spec)
    silent = np.stack([generator.row(seed, 1).x[1] for seed in range(200)])    # type 1: right has no events
    measured = silent[:, 20:-20].std()                                           # away from the ramps
    assert measured == pytest.approx(DIFFICULTIES[difficulty] / 100, rel=0.03)
    assert np.abs(silent[:, 0]).max() < 1e-6                                     # the cosine rise starts at 0


def test_same_seed_same_file_and_rows_differ(stimuli: h5py.File, tmp_path: Path) -> None:
    again = tmp_path / "again.h5"
    write_stimuli(again, SPEC, 600, seed=0, chunk_rows=600)                      # other chunking, same rows
    with h5py.File(again, "r") as f:
        for name in ("left/x", "right/x", "left/x_mask", "agg/y_rate", "type", "seed"):
            assert np.array_equal(f[name][:], stimuli[name][:]), name
    x = stimuli["left/x"][:, :, 0]
    assert len({row.tobytes() for row in x}) == 600
    other = tmp_path / "other.h5"
    write_stimuli(other, SPEC, 50, seed=1)
    with h5py.File(other, "r") as f:
        assert not np.array_equal(f["left/x"][:50], stimuli["left/x"][:50])


def _ensure(path: str) -> bool:
    return ensure_stimuli(Path(path), SPEC, 200, 3)


def test_concurrent_runs_write_a_missing_set_once(tmp_path: Path) -> None:
    path = tmp_path / "Data" / "shared.h5"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        wrote = pool.map(_ensure, [str(path)] * 3)
    assert sorted(wrote) == [False, False, True]
    assert read_params(path)["n"] == 200 and not list(path.parent.glob("*.partial"))
    with pytest.raises(NeuroError, match="exists with other parameters"):
        ensure_stimuli(path, SPEC, 300, 3)


def test_make_and_show_from_the_command_line(tmp_path: Path) -> None:
    made = neuro("data", "make", "msi", "--difficulty", "hard", "--n", "40", "--types", "3,5", "--seed", "2",
                 "--out", "Data/msi_hard.h5", cwd=tmp_path)
    assert made.returncode == 0 and "40 stimuli, types 3,5, difficulty hard" in made.stdout
    assert read_params(tmp_path / "Data" / "msi_hard.h5")["types"] == [3, 5]
    shown = neuro("data", "show", "msi", "Data/msi_hard.h5", "--row", "3", cwd=tmp_path)
    assert shown.returncode == 0 and "row 3: type " in shown.stdout and "events" in shown.stdout
    assert (tmp_path / "Data" / "msi_hard_row3.png").read_bytes().startswith(b"\x89PNG")
    again = neuro("data", "make", "msi", "--n", "40", "--out", "Data/msi_hard.h5", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    bad = neuro("data", "make", "msi", "--types", "1,9", "--out", "Data/x.h5", cwd=tmp_path)
    assert bad.returncode == 2 and "--types: '1,9'" in bad.stderr and not (tmp_path / "Data" / "x.h5").exists()
    out_of_range = neuro("data", "show", "msi", "Data/msi_hard.h5", "--row", "40", cwd=tmp_path)
    assert out_of_range.returncode == 2 and "rows 0..39" in out_of_range.stderr
