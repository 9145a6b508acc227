"""The training toolkit every family uses: one meaning of patience, the best weights, the finite guard,
and state that resumes exactly."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuro.utils.execution.context import RunContext
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TrainingState, check_finite


def _feed(stopping: EarlyStopping, values: list[float]) -> int | None:
    """The epoch after which it stops, or None."""
    for epoch, value in enumerate(values):
        stopping.update(epoch, value, lambda value=value: {"w": value})
        if stopping.should_stop:
            return epoch
    return None


def test_patience_is_epochs_without_improvement() -> None:
    assert _feed(EarlyStopping(patience=3), [1.0 - 0.01 * i for i in range(20)]) is None
    assert _feed(EarlyStopping(patience=3), [1.0, 0.5, 0.6, 0.7, 0.8, 0.4]) == 4     # 3 epochs after the best
    assert _feed(EarlyStopping(patience=3, min_epochs=7), [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.9]) == 6
    assert _feed(EarlyStopping(), [1.0, 2.0, 3.0, 4.0]) is None                       # no patience: never stops


def test_the_best_by_mode_with_a_copy_of_its_weights() -> None:
    weights = {"w": np.zeros(2)}
    best = EarlyStopping(mode="max")
    for epoch, r in enumerate([0.1, 0.4, 0.3]):
        weights["w"][:] = r
        assert best.update(epoch, r, lambda: weights) == (epoch < 2)
    assert (best.best, best.best_epoch) == (0.4, 1) and best.best_weights["w"].tolist() == [0.4, 0.4]
    restored = EarlyStopping(mode="max")
    restored.load_state_dict(best.state_dict())
    assert restored.update(3, 0.35, lambda: weights) is False and restored.stale == 2


def test_a_non_finite_value_names_the_epoch_and_the_quantity() -> None:
    check_finite(3, loss=1.0)
    with pytest.raises(FloatingPointError, match="^validation loss is nan at epoch 7$"):
        check_finite(7, **{"validation loss": float("nan")})


def test_state_resumes_every_object_exactly(tmp_path: Path) -> None:
    def context() -> RunContext:
        return RunContext(tmp_path, tmp_path, seed=0, device="cpu", hparams={})

    straight = np.random.default_rng(5)
    expected = [straight.random() for _ in range(6)]
    rng, stopping = np.random.default_rng(5), EarlyStopping(patience=2)
    state = TrainingState(context(), rng=NumpyRNG(rng), stopping=stopping)
    assert state.resume() == 0
    draws = []
    for epoch in range(3):
        draws.append(rng.random())
        stopping.update(epoch, draws[-1], lambda: None)
        state.save(epoch, last=epoch == 2)      # written now (earlier epochs wait for outputs.checkpoint_s)
    rng2, stopping2 = np.random.default_rng(99), EarlyStopping(patience=2)
    resumed = TrainingState(context(), rng=NumpyRNG(rng2), stopping=stopping2)
    assert resumed.resume() == 3
    draws += [rng2.random() for _ in range(3)]
    assert draws == expected and stopping2.state_dict() == stopping.state_dict()
