"""A run's TensorBoard files, read back with tensorboard's own reader."""
from __future__ import annotations

from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from tests.conftest import neuro, write_experiment

TINY = """
name: tiny
task: sound_localisation
seeds: [7]
params: {epochs: 3, train_batches: 2, val_batches: 1, test_batches: 1, batch_size: 16, anf_per_ear: 20,
         duration_steps: 40, min_epochs: 1, patience: 3}
grid: {ie_ratio: [0.25]}
"""


def test_scalars_images_and_hparams_are_readable(workspace: Path) -> None:
    exp = write_experiment(workspace, TINY)
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 0, result.stderr
    tb = workspace / "training_data" / "sound_localisation" / "tiny" / "ie_ratio=0.25__rep0" / "tb"
    events = EventAccumulator(str(tb), size_guidance={"images": 0, "scalars": 0, "tensors": 0})
    events.Reload()
    tags = events.Tags()
    assert {"loss/train", "loss/validation", "accuracy/validation", "rate_hz/hidden"} <= set(tags["scalars"])
    assert [s.step for s in events.Scalars("loss/train")] == [0, 1, 2]
    assert "final/test_accuracy" in tags["scalars"]
    assert tags["images"] == ["confusion/test"]
    image = events.Images("confusion/test")[0]
    assert image.width > 100 and image.height > 100 and image.encoded_image_string.startswith(b"\x89PNG")

    hparams = events.PluginTagToContent("hparams")
    assert set(hparams) == {"_hparams_/session_start_info", "_hparams_/session_end_info"}   # no experiment: inferred
    start = plugin_data_pb2.HParamsPluginData.FromString(hparams["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["ie_ratio"].number_value == 0.25
    assert "seed" not in start.hparams and start.group_name        # repetitions of a point share the group
    assert start.hparams["dale"].bool_value is True
