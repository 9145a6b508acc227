"""Where neuro's own folders are: beside each other in a checkout (the repository's layout) and in an
installed package (site-packages/neuro/) alike."""
from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]   # holds cli/, utils/, experiments/ and configs/
CONFIGS = PACKAGE_ROOT / "configs"                    # the experiment files that ship with neuro
STARTER = PACKAGE_ROOT / "cli" / "starter"            # what `neuro init` writes
OUTSIDE = ".outside"     # in a project sent to a remote: the files from outside it, at .outside/<absolute path>


def quickstart() -> str:
    """The quickstart experiment as a user here types it: `configs/quickstart.yaml` in a neuro checkout,
    else where the installed package keeps it."""
    path = CONFIGS / "quickstart.yaml"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
