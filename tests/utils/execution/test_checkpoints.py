"""Checkpoints and metrics cost almost nothing: written now and then, always at the last epoch and when a
run is asked to stop, and a resume from the last one written is exact."""
from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from neuro.utils.execution import stopping
from neuro.utils.execution.context import RunContext
from neuro.utils.execution.training import EarlyStopping, NumpyRNG, TrainingState
from neuro.utils.experiment.sections import Outputs
from tests.conftest import ledger_events, neuro, neuro_popen, toy_experiment
from tests.utils.backends.test_reliability import _wait_for


def _context(run_dir: Path, checkpoint_s: float = 3600, metrics_s: float = 3600) -> RunContext:
    run_dir.mkdir(parents=True, exist_ok=True)
    return RunContext(run_dir, run_dir, seed=0, device="cpu", hparams={},
                      outputs=Outputs(checkpoint_s=checkpoint_s, metrics_s=metrics_s))


def _saved_epoch(run_dir: Path) -> int | None:
    import torch
    path = run_dir / "checkpoints" / "last.pt"
    return torch.load(path, weights_only=False)["epoch"] if path.exists() else None


def test_checkpoints_are_written_now_and_then_and_always_at_the_last_epoch(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    built = []
    for epoch in range(5):
        ctx.checkpoint(lambda epoch=epoch: built.append(epoch) or {"epoch": epoch}, last=epoch == 4)
        assert _saved_epoch(tmp_path) == (4 if epoch == 4 else None)
    assert built == [4]                     # a state is gathered only when it is written
    often = _context(tmp_path / "often", checkpoint_s=0)
    for epoch in range(3):
        often.checkpoint({"epoch": epoch})
        assert _saved_epoch(tmp_path / "often") == epoch
    assert (tmp_path / "often" / "checkpoints" / "previous.pt").exists()


def test_a_state_not_written_in_time_is_written_when_the_task_returns(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.checkpoint({"epoch": 0})
    ctx.checkpoint({"epoch": 1})
    assert _saved_epoch(tmp_path) is None
    ctx.finish({"loss": 1.0})
    assert _saved_epoch(tmp_path) == 1


def test_a_resume_between_two_checkpoints_is_exact(tmp_path: Path) -> None:
    straight = np.random.default_rng(7)
    expected = [straight.random() for _ in range(8)]

    def train(ctx: RunContext, cut_at: int | None) -> list[float]:
        rng, best = np.random.default_rng(7), EarlyStopping(mode="max")
        state = TrainingState(ctx, rng=NumpyRNG(rng), best=best)
        draws = []
        for epoch in range(state.resume(), 8):
            if epoch == cut_at:
                return draws                        # killed: nothing after this is written
            draws.append(rng.random())
            best.update(epoch, draws[-1], lambda: None)
            state.save(epoch, last=epoch in (2, 7))   # epoch 2 written; 3, 4, 5 only kept in memory
        return draws

    first = train(_context(tmp_path), cut_at=6)
    resumed_ctx = _context(tmp_path)
    rest = train(resumed_ctx, cut_at=None)
    assert resumed_ctx.resumed_from == 2
    assert first[:3] + rest == expected


def test_metrics_are_buffered_and_written_at_the_end(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    for step in range(3):
        ctx.log_metrics(step, {"loss": 1.0 / (step + 1)})
    assert not (tmp_path / "metrics.jsonl").exists()
    ctx.close()
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert lines == [{"step": 0, "loss": 1.0}, {"step": 1, "loss": 0.5}, {"step": 2, "loss": 1 / 3}]


def test_a_signal_asks_the_run_to_stop_at_its_next_checkpoint_which_is_written(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    stopping.begin_run(ctx.checkpoint_near)
    try:
        ctx.checkpoint({"epoch": 0})
        ctx.checkpoint({"epoch": 1})                 # progress no checkpoint holds, the next call near
        stopping.on_signal(signal.SIGINT)            # does not raise: the run goes on to its checkpoint
        assert stopping.asked_to_stop() and stopping.signalled()
        with pytest.raises(KeyboardInterrupt):
            ctx.checkpoint({"epoch": 2})
        assert _saved_epoch(tmp_path) == 2
    finally:
        stopping.end_run()


def test_a_signal_stops_a_run_at_once_when_no_progress_is_waiting(tmp_path: Path) -> None:
    ctx = _context(tmp_path, checkpoint_s=0)
    stopping.begin_run(ctx.checkpoint_near)
    try:
        ctx.checkpoint({"epoch": 0})
        ctx.checkpoint({"epoch": 1})                 # written: nothing to wait for
        with pytest.raises(KeyboardInterrupt):
            stopping.on_signal(signal.SIGINT)
    finally:
        stopping.end_run()


def test_a_corrupt_last_checkpoint_falls_back_to_the_one_before(tmp_path: Path) -> None:
    ctx = _context(tmp_path, checkpoint_s=0)
    ctx.checkpoint({"epoch": 0})
    ctx.checkpoint({"epoch": 1})
    (tmp_path / "checkpoints" / "last.pt").write_bytes(b"\x00" * 100)
    restored = _context(tmp_path).restore()
    assert restored == {"epoch": 0}
    assert (tmp_path / "checkpoints" / "last.pt.corrupt").read_bytes() == b"\x00" * 100
    (tmp_path / "checkpoints" / "previous.pt").write_bytes(b"garbage")
    assert _context(tmp_path).restore() is None                     # none readable: from scratch
    assert (tmp_path / "checkpoints" / "previous.pt.corrupt").exists()


def test_ctrl_c_writes_the_checkpoint_a_throttled_run_would_have_skipped(workspace: Path) -> None:
    """With the default outputs.checkpoint_s (60 s) a short run writes no checkpoint of its own; Ctrl-C
    makes it write one at its next epoch and stop there, and the next `neuro run` resumes from it."""
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1, params="{epochs: 16, sleep_s: 0.3}")
    runner = neuro_popen("run", str(exp), cwd=workspace)
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    _wait_for(lambda: (run_dir / "stdout.log").exists() and "run x=1.0__rep0" in (run_dir / "stdout.log").read_text())
    time.sleep(2.0)                                       # the task has started: a few epochs, none checkpointed
    assert not (run_dir / "checkpoints" / "last.pt").exists()
    runner.send_signal(signal.SIGINT)
    runner.communicate(timeout=60)
    assert runner.returncode == 130
    assert [e["state"] for e in ledger_events(workspace)][-1] == "interrupted"
    saved = _saved_epoch(run_dir)
    assert saved is not None and 2 <= saved < 15
    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0 and "(1 resuming)" in again.stdout
    assert f"resumed from checkpoint last.pt (epoch {saved})" in (run_dir / "stdout.log").read_text()
    assert json.loads((run_dir / "result.json").read_text())["metrics"]["epochs_run"] == 15 - saved
