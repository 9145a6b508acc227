"""The one way every family trains: early stopping with one meaning of `patience`, the best weights kept
by a metric and its mode, a guard against non-finite numbers, and everything a resumed run needs saved
through `ctx.checkpoint` / `ctx.restore`. No framework: the loop stays the family's own.

    stopping = EarlyStopping(mode="min", patience=p.patience)
    state = TrainingState(ctx, model=model, optimiser=optimiser, shuffle=NumpyRNG(rng), stopping=stopping)
    for epoch in range(state.resume(), p.epochs):
        loss = train_epoch(...)
        check_finite(epoch, loss_train=loss)
        stopping.update(epoch, validation_loss, model.state_dict)
        ctx.log_metrics(epoch, {...})
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)
        if stopping.should_stop:
            break
    model.load_state_dict(stopping.best_weights)
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol


class Stateful(Protocol):
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...


@dataclass
class EarlyStopping:
    """Tracks the monitored value (a validation loss, a correlation): its best, the epoch and a copy of
    the weights then. With `patience`, stops after that many evaluations without improvement, never
    before `min_epochs` epochs; without, it only keeps the best."""

    mode: Literal["min", "max"] = "min"
    patience: int | None = None
    min_epochs: int = 0
    best: float = math.nan
    best_epoch: int = -1
    best_weights: Any = None
    stale: int = 0                  # evaluations since the last improvement
    epochs_seen: int = 0

    def update(self, epoch: int, value: float, weights: Callable[[], Any]) -> bool:
        """Record the value of `epoch`; when it is the best so far, keep a copy of `weights()`."""
        self.epochs_seen = epoch + 1
        if self.best_epoch < 0 or (value < self.best if self.mode == "min" else value > self.best):
            self.best, self.best_epoch, self.best_weights, self.stale = value, epoch, copy.deepcopy(weights()), 0
            return True
        self.stale += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.stale >= self.patience and self.epochs_seen >= self.min_epochs

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "best_weights": self.best_weights,
                "stale": self.stale, "epochs_seen": self.epochs_seen}

    def load_state_dict(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)


def check_finite(epoch: int, **values: float) -> None:
    """Fail the run, naming the epoch and the quantity, when a value is NaN or infinite."""
    for name, value in values.items():
        if not math.isfinite(value):
            raise FloatingPointError(f"{name} is {value} at epoch {epoch}")


class NumpyRNG:
    """A numpy Generator as a stateful object (its draws continue exactly after a resume)."""

    def __init__(self, generator):
        self.generator = generator

    def state_dict(self) -> dict:
        return self.generator.bit_generator.state

    def load_state_dict(self, state: dict) -> None:
        self.generator.bit_generator.state = state


class TorchRNG:
    """torch's global random state (dropout, shuffling on the torch side) as a stateful object."""

    def __init__(self, device: str = "cpu"):
        self.cuda = device.startswith("cuda")

    def state_dict(self) -> dict:
        import torch
        return {"state": torch.cuda.get_rng_state() if self.cuda else torch.get_rng_state()}

    def load_state_dict(self, state: dict) -> None:
        import torch
        (torch.cuda.set_rng_state if self.cuda else torch.set_rng_state)(state["state"].cpu())


class TrainingState:
    """The named stateful objects of a training loop, saved together after each epoch and restored
    together when the run resumes."""

    def __init__(self, ctx, **objects: Stateful):
        self.ctx, self.objects = ctx, objects
        self.epoch = -1             # the last epoch saved or restored

    def resume(self) -> int:
        """Restore from the run's checkpoint, if any; the first epoch still to train."""
        if (saved := self.ctx.restore()) is not None:
            for name, obj in self.objects.items():
                obj.load_state_dict(saved["objects"][name])
            self.epoch = saved["epoch"]
        return self.epoch + 1

    def save(self, epoch: int, last: bool = False) -> None:
        """Checkpoint the objects after `epoch` (`last`: the training's last epoch, always written). The
        state is gathered only when the checkpoint is written (ctx.checkpoint writes at most every
        outputs.checkpoint_s seconds), so saving every epoch costs next to nothing."""
        self.epoch = epoch
        self.ctx.checkpoint(lambda: {"epoch": epoch, "objects": {name: obj.state_dict()
                                                                 for name, obj in self.objects.items()}}, last=last)
