"""A starting task: fit y = sin(x) with a small MLP (the README's tour). Edit it, or write your own."""
from dataclasses import dataclass
from typing import Annotated, Literal

import torch
import torch.nn.functional as F
from annotated_types import Ge, Gt

from neuro.utils.execution.training import EarlyStopping, TrainingState, check_finite


@dataclass
class Params:
    hidden: Annotated[int, Ge(1)] = 32
    lr: Annotated[float, Gt(0)] = 0.01
    epochs: Annotated[int, Ge(1)] = 20
    patience: Annotated[int, Ge(1)] = 20          # epochs without a better validation loss
    activation: Literal["tanh", "relu"] = "tanh"


def train(p: Params, ctx) -> dict[str, float]:
    """Fit y = sin(x) with a small MLP; validate between the training points."""
    x = torch.linspace(-3, 3, 256)[:, None]
    x_val = x[:-1] + (x[1] - x[0]) / 2
    act = torch.nn.Tanh() if p.activation == "tanh" else torch.nn.ReLU()
    model = torch.nn.Sequential(torch.nn.Linear(1, p.hidden), act, torch.nn.Linear(p.hidden, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=p.lr)
    stopping = EarlyStopping(mode="min", patience=p.patience)
    state = TrainingState(ctx, model=model, optimiser=optimiser, stopping=stopping)
    for epoch in range(state.resume(), p.epochs):     # resumes after a crash, Ctrl-C or preemption
        loss = F.mse_loss(model(x), torch.sin(x))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        check_finite(epoch, **{"training loss": loss.item()})   # NaN fails the run, naming the epoch
        with torch.no_grad():
            val = F.mse_loss(model(x_val), torch.sin(x_val)).item()
        stopping.update(epoch, val, model.state_dict)   # keeps the best weights
        ctx.log_metrics(epoch, {"loss/train": loss.item(), "loss/validation": val})  # TensorBoard + status
        state.save(epoch, last=epoch + 1 == p.epochs or stopping.should_stop)   # one checkpoint, now and then
        if stopping.should_stop:
            break
    model.load_state_dict(stopping.best_weights)
    with torch.no_grad():
        return {"mse": F.mse_loss(model(x_val), torch.sin(x_val)).item(), "best_epoch": stopping.best_epoch}
