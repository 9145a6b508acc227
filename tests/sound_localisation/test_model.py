"""The shipped SNN against the plain per-time-step reference: same values, same gradients."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from neuro.experiments.sound_localisation.data import make_ipd_data
from neuro.experiments.sound_localisation.model import SoundLocalisationSNN, dale_signs
from neuro.experiments.sound_localisation.params import SoundLocalisationParams
from tests.sound_localisation.reference import reference_snn


def _loss_and_grads(model, x, y, forward):
    model.zero_grad()
    log_p, spikes = forward(x)
    F.nll_loss(log_p, y).backward()
    return log_p.detach(), spikes.detach(), model.w1.grad.clone(), model.w2.grad.clone()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("options", [{}, {"dale": False}, {"w1_positive": True, "ie_ratio": 0.3}])
def test_fast_network_matches_the_reference(dtype, options) -> None:
    p = SoundLocalisationParams(**options)
    data = make_ipd_data(64, p, np.random.default_rng(1))
    model = SoundLocalisationSNN(p, torch.Generator().manual_seed(3)).to(dtype)
    x, y = torch.from_numpy(data.spikes).to(dtype), torch.from_numpy(data.labels)
    fast = _loss_and_grads(model, x, y, model)
    reference = _loss_and_grads(model, x, y, lambda x: reference_snn(x, *model.weights(), model.alpha, model.beta))
    assert fast[1].sum() > 1000, "the hidden layer must spike for the comparison to mean anything"
    assert torch.equal(fast[1], reference[1].transpose(0, 1))
    for ours, theirs in zip((fast[0], fast[2], fast[3]), (reference[0], reference[2], reference[3])):
        scale = max(theirs.abs().max().item(), 1e-12)
        assert (ours - theirs).abs().max().item() / scale < 1e-5
    assert fast[2].abs().max() > 0 and fast[3].abs().max() > 0


def test_dale_signs_fix_the_fraction_of_inhibitory_rows() -> None:
    signs = dale_signs(200, 0.3, torch.Generator().manual_seed(0))
    assert int((signs < 0).sum()) == 60 and set(signs.tolist()) == {-1.0, 1.0}
    p = SoundLocalisationParams(ie_ratio=0.3, w2_positive=True)
    model = SoundLocalisationSNN(p, torch.Generator().manual_seed(0))
    w1, w2 = model.weights()
    row_signs = torch.sign(w1).mean(1)
    assert set(row_signs.tolist()) <= {-1.0, 1.0} and int((row_signs < 0).sum()) == 60
    assert bool((w2 >= 0).all())
