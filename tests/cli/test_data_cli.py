"""`neuro data make|check|show <family>`: each family's data, and one-line errors for an unknown family or
a file of another family."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuro.cli.main import main


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A small synthetic V1 region and a small multisensory stimulus set."""
    folder = tmp_path_factory.mktemp("data")
    from neuro.experiments.multisensory.data import write_stimuli
    from neuro.experiments.multisensory.stimuli import StimulusSpec
    from neuro.experiments.v1_population.data import make_synthetic
    from neuro.experiments.v1_population.synthetic import SyntheticSpec
    make_synthetic(folder / "region1", SyntheticSpec(seed=1, neurons=6, images=40))
    write_stimuli(folder / "msi.h5", StimulusSpec(difficulty=17.0, types=(1, 3)), 40, 5)
    return folder


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_check_each_family(data: Path, capsys) -> None:
    code, out, _ = _run(["data", "check", "msi", str(data / "msi.h5")], capsys)
    assert code == 0 and out.startswith(f"{data / 'msi.h5'}: ok: 40 stimuli of 650 samples (type 1: ")
    assert "difficulty 17.0, seed 5" in out
    code, out, _ = _run(["data", "check", "v1", str(data / "region1")], capsys)
    assert code == 0 and "40 training images" in out and "6 neurons" in out


def test_show_each_family(data: Path, capsys) -> None:
    code, out, _ = _run(["data", "show", "v1", str(data / "region1"), "--neuron", "2"], capsys)
    png = data / "region1_neuron2.png"
    assert code == 0 and f"wrote {png}" in out and png.read_bytes().startswith(b"\x89PNG")
    code, out, _ = _run(["data", "show", "msi", str(data / "msi.h5"), "--row", "1"], capsys)
    assert code == 0 and (data / "msi_row1.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args,expected", [
    (["data", "check", "msi", "{data}/region1"], "{data}/region1: not a file; write one with `neuro data make msi"),
    (["data", "check", "v1", "{data}/msi.h5"], "{data}/msi.h5"),
    (["data", "show", "v1", "{data}/region1", "--neuron", "6"], "--neuron 6 is out of range; the folder has "
                                                                "neurons 0..5"),
    (["data", "check", "strf", "{data}/region1"], "{data}/region1: neither NS1 (MetadataSHEnCneurons.mat) nor NAT4"),
    (["data", "check", "eeg", "{data}"], "neuro data check: No such command 'eeg'"),
])
def test_wrong_family_or_item_is_one_line(args: list[str], expected: str, data: Path, capsys) -> None:
    code, _, err = _run([a.format(data=data) for a in args], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and expected.format(data=data) in err
