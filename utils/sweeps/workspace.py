"""Where neuro keeps its outputs and looks for data: ./training_data and ./Data by default."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def current(cls) -> Workspace:
        """$NEURO_WORKSPACE, else the current directory."""
        return cls(Path(os.environ.get("NEURO_WORKSPACE") or Path.cwd()).resolve())

    @property
    def training_data(self) -> Path:
        return self.root / "training_data"

    @property
    def data(self) -> Path:
        return self.root / "Data"

    @property
    def ledger_path(self) -> Path:
        return self.training_data / "ledger.jsonl"
