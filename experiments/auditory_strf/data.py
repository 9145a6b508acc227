"""Which data a run reads: an NS1 or NAT4 folder told apart by its files, or a synthetic set in the
NS1 format written on first use."""
from __future__ import annotations

from pathlib import Path

from neuro.experiments.auditory_strf.nat4 import load_nat4
from neuro.experiments.auditory_strf.ns1 import METADATA, load_ns1, write_synthetic
from neuro.experiments.auditory_strf.recordings import StrfData
from neuro.experiments.auditory_strf.synthetic import SyntheticSpec
from neuro.utils.atomic import create_once
from neuro.utils.errors import NeuroError

SYNTHETIC = "strf_synthetic"


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
