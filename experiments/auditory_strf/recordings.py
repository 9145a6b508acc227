"""The in-memory data set every published format is read into."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuro.utils.errors import NeuroError


@dataclass
class StrfData:
    spectrograms: np.ndarray        # (S, F, T) float32
    responses: list[np.ndarray]     # per sound (R_s, N, T) spike counts; NaN where a neuron has fewer repeats
    sound_ids: list[str]
    neurons: list[str]
    bin_ms: float
    test: np.ndarray                # (S,) bool: the published test sounds

    @property
    def shape(self) -> str:
        repeats = sorted({len(r) for r in self.responses})
        span = str(repeats[0]) if len(repeats) == 1 else f"{repeats[0]}-{repeats[-1]}"
        return (f"{len(self.neurons)} neurons, {len(self.sound_ids)} sounds ({int(self.test.sum())} test), "
                f"{span} repeats, "
                f"{self.spectrograms.shape[2]} bins of {self.bin_ms:g} ms, {self.spectrograms.shape[1]} bands")

    def only(self, neuron: int) -> StrfData:
        """The same sounds with one neuron."""
        return StrfData(self.spectrograms, [r[:, neuron:neuron + 1] for r in self.responses], self.sound_ids,
                        [self.neurons[neuron]], self.bin_ms, self.test)


def format_error(path: Path, field: str, problem: str, fix: str) -> NeuroError:
    return NeuroError(f"{path}: {field}: {problem}; {fix}")
