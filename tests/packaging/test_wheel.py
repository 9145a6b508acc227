"""neuro is one package: a wheel built from the checkout installs `neuro` alone, and runs a lab's
experiment in the lab's own folder beside its own utils.py, cli.py, configs/ and experiments/."""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

from tests.conftest import ROOT

FOLDERS = ("cli", "utils", "experiments", "configs")

LAB_TASK = '''
from dataclasses import dataclass

from utils import scale           # the lab's own utils.py, beside neuro's neuro.utils
from experiments.shared import offset


@dataclass
class Params:
    x: float = 1.0


def train(p: Params, ctx) -> dict[str, float]:
    return {"score": scale(p.x) + offset()}
'''


def test_every_folder_of_the_layout_is_a_listed_package() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {"neuro." + ".".join(folder.relative_to(ROOT).parts)
               for top in FOLDERS for folder in [ROOT / top, *(ROOT / top).rglob("*")]
               if folder.is_dir() and any(f.suffix in (".py", ".yaml") for f in folder.iterdir())
               and "__pycache__" not in folder.parts and folder.name != "starter"}
    on_disk = on_disk - {"neuro.utils.api"} | {"neuro"}       # utils/api/ holds the top-level package itself
    assert sorted(setuptools["packages"]) == sorted(on_disk) and setuptools["package-dir"]["neuro"] == "utils/api"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout (building writes build/ and *.egg-info beside the sources)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    return next(out.glob("neuro-*.whl"))


def test_the_wheel_holds_one_top_level_package_with_its_configs(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"neuro", wheel.name.split("-py")[0] + ".dist-info"}
    assert "neuro/__init__.py" in names and not [name for name in names if name.startswith("neuro/utils/api")]
    assert "neuro/configs/quickstart.yaml" in names and "neuro/cli/starter/mlp.py" in names
    assert "neuro/utils/backends/job_entry.py" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "neuro = neuro.cli.main:main" in entry_points


def _fresh_environment(wheel: Path, where: Path) -> Path:
    """A new virtual environment with the wheel installed; its dependencies are this one's."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(where / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([str(where / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return where / "bin" / "neuro"


def test_installed_neuro_runs_a_lab_experiment_beside_the_labs_own_packages(wheel: Path, tmp_path: Path) -> None:
    command = _fresh_environment(wheel, tmp_path / "env")
    lab = tmp_path / "lab"
    (lab / "experiments" / "my_lab").mkdir(parents=True)
    (lab / "configs").mkdir()
    (lab / "utils.py").write_text("def scale(x):\n    return 10 * x\n")
    (lab / "cli.py").write_text("raise SystemExit('the lab's cli.py must never be imported by neuro')\n")
    (lab / "experiments" / "__init__.py").write_text("")
    (lab / "experiments" / "shared.py").write_text("def offset():\n    return 1\n")
    (lab / "experiments" / "my_lab" / "__init__.py").write_text("")
    (lab / "experiments" / "my_lab" / "exp.py").write_text(LAB_TASK)
    (lab / "configs" / "exp.yaml").write_text("name: lab\ntask: experiments.my_lab.exp:train\ngrid: {x: [1.0, 2.0]}\n"
                                              "metric: {name: score, mode: max}\n")
    env = {key: value for key, value in os.environ.items() if key not in ("NEURO_WORKSPACE", "PYTHONPATH")}

    def neuro(*args: str, cwd: Path = lab) -> subprocess.CompletedProcess:
        return subprocess.run([str(command), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    run = neuro("run", "configs/exp.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(neuro("results", "configs/exp.yaml", "--format", "json").stdout)
    assert sorted(row["metrics"]["score"]["mean"] for row in results) == [11, 21]

    shipped = neuro("configs")
    assert "quickstart.yaml" in shipped.stdout and "sound_localisation/ie_ratio_sweep.yaml" in shipped.stdout
    assert neuro("init", "starter").returncode == 0
    started = neuro("run", "mlp.yaml", "--set", "params.epochs=5", "--set", "repetitions=1", cwd=lab / "starter")
    assert started.returncode == 0, started.stdout + started.stderr
    assert "3 runs: 0 done, 3 to run" in started.stdout and "finished: 3 done" in started.stdout
    assert (lab / "starter" / ".gitignore").read_text().splitlines()[-1] == "training_data/"
