"""neuro: experiments of computational neuroscience, from one fit on a laptop to a cluster sweep.

`neuro` on the command line runs and reports experiments. In a notebook, the results are tables:

    import neuro
    df = neuro.results("experiments/my_lab/mlp.yaml")             # one row per grid point (or trial)
    runs = neuro.results("experiments/my_lab/mlp.yaml", runs=True)   # one row per run
    loss = neuro.curves("experiments/my_lab/mlp.yaml", "loss/validation")   # per run and step

(pandas DataFrames; see neuro.utils.reporting.notebook). This file is the top-level package; it lives in
utils/api/ because the repository keeps its user's layout (pyproject.toml maps it), and it imports
nothing until one of its functions is asked for, so that the `neuro` command starts fast.
"""
from __future__ import annotations

from typing import Any

__all__ = ["results", "curves"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from neuro.utils.reporting import notebook
        return getattr(notebook, name)
    raise AttributeError(f"module 'neuro' has no attribute {name!r}")
