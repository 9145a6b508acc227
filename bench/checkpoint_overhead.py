"""What logging metrics and checkpointing every epoch costs a tiny model, per epoch, inside real runs.

    python bench/checkpoint_overhead.py [--epochs 1000] [--repetitions 3]

Runs the same training loop (a 1-16-1 MLP, one Adam step and early stopping's bookkeeping an epoch) three
ways, one run at a time on one worker: without logging or checkpoints (the reference), with `ctx.log_metrics` (two scalars) and
`TrainingState.save` every epoch and writes now and then (the defaults: outputs.checkpoint_s 60, metrics_s 10), and with every
epoch written (outputs: {checkpoint_s: 0, metrics_s: 0}, as every run wrote before). Prints each way's
time per epoch (the runs' own duration_s over the epochs, median of the repetitions, the ways taking turns) and the overhead
over the reference (goal: under 0.2 ms an epoch with the defaults).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from timing import timed_run

TASK = '''
from dataclasses import dataclass

import torch

from neuro.utils.execution.training import EarlyStopping, TrainingState


@dataclass
class Params:
    epochs: int = 1000
    write: bool = True


def train(p: Params, ctx) -> dict:
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    stopping = EarlyStopping(mode="min")
    state = TrainingState(ctx, model=model, optimiser=optimiser, stopping=stopping)
    x = torch.linspace(-3, 3, 64)[:, None]
    for epoch in range(state.resume(), p.epochs):
        loss = torch.nn.functional.mse_loss(model(x), torch.sin(x))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        value = loss.item()
        stopping.update(epoch, value, model.state_dict)      # the training's own work, measured in all three
        if p.write:
            ctx.log_metrics(epoch, {"loss/train": value, "loss/best": stopping.best})
            state.save(epoch, last=epoch + 1 == p.epochs)
    return {"loss": float(loss)}
'''

WAYS = {"reference (nothing written)": ("false", ""),
        "defaults (now and then)": ("true", ""),
        "every epoch written": ("true", "outputs: {checkpoint_s: 0, metrics_s: 0}\n")}


def run_once(workdir: Path, name: str, write: str, outputs: str, epochs: int, seed: int) -> float:
    """One run of one way (seed `seed`): its duration_s."""
    exp = workdir / f"{name}.yaml"
    exp.write_text(f"name: {name}\ntask: task.py:train\nseeds: [{seed}]\n"
                   f"params: {{epochs: {epochs}, write: {write}}}\nlocal: {{workers: 1}}\n{outputs}")
    _, output = timed_run(workdir, exp)
    if "finished: 1 done" not in output:
        sys.exit(f"{name} did not finish:\n{output}")
    return json.loads(next((workdir / "training_data").glob(f"*/{name}/rep0/result.json")).read_text())["duration_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    durations: dict[str, list[float]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "task.py").write_text(TASK)
        for seed in range(args.repetitions):          # the ways take turns, so that the machine's drift is shared
            for i, (way, (write, outputs)) in enumerate(WAYS.items()):
                durations[way].append(run_once(workdir, f"way{i}", write, outputs, args.epochs, seed))
    times = {way: statistics.median(values) / args.epochs * 1000 for way, values in durations.items()}
    reference = next(iter(times.values()))
    print(f"a 1-16-1 MLP, {args.epochs} epochs, median of {args.repetitions} runs each (taking turns), one worker:")
    for way, ms in times.items():
        extra = "" if ms == reference else f"   overhead {ms - reference:+.3f} ms/epoch"
        print(f"  {way:<28} {ms:7.3f} ms/epoch{extra}")


if __name__ == "__main__":
    main()
