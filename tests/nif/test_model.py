"""The observation model equals a direct evaluation of its formula, building every voxel's field, and
its gradients agree with autograd of that direct form."""
from __future__ import annotations

import pytest
import torch

from neuro.experiments.nif.model import NIF, ObservationModel, direct_observation


def _observation(side: int, voxels: int, rank: int) -> ObservationModel:
    torch.manual_seed(side + rank)
    model = ObservationModel(6, side, voxels, rank).double()
    with torch.no_grad():                    # away from the near-uniform start
        for parameter in (model.space_x, model.space_y, model.amplitude, model.bias):
            parameter.normal_()
    return model


@pytest.mark.parametrize(("side", "voxels", "rank"), [(28, 40, 2), (14, 60, 1), (14, 30, 4)])
def test_the_separable_form_equals_the_direct_one(side: int, voxels: int, rank: int) -> None:
    model = _observation(side, voxels, rank)
    u = torch.rand(3, 6, side, side, dtype=torch.float64)
    assert torch.allclose(model(u), direct_observation(model, u), atol=1e-6, rtol=0)
    written_out = torch.zeros(3, voxels, dtype=torch.float64)           # the formula, term by term
    sy, sx, amplitude = model.factors()
    for v in range(voxels):
        for k in range(rank):
            mixed = (u * model.channel[:, v][None, :, None, None]).sum(dim=1)
            outer = sy[v, :, k][None, :, None] * sx[v, :, k][None, None, :]
            written_out[:, v] += amplitude[v, k] * (outer * mixed).sum(dim=(1, 2))
    assert torch.allclose(model(u), written_out + model.bias, atol=1e-6, rtol=0)


def test_gradients_agree_with_autograd_of_the_direct_form() -> None:
    model = _observation(14, 25, 2)
    u = torch.rand(2, 6, 14, 14, dtype=torch.float64, requires_grad=True)
    target = torch.randn(2, 25, dtype=torch.float64)
    gradients = []
    for form in (model, lambda x: direct_observation(model, x)):
        model.zero_grad()
        u.grad = None
        ((form(u) - target) ** 2).sum().backward()
        gradients.append([u.grad.clone()] + [p.grad.clone() for p in model.parameters()])
    for separable, direct in zip(*gradients):
        assert torch.allclose(separable, direct, atol=1e-8)


def test_fields_are_distributions_in_image_orientation() -> None:
    model = _observation(28, 5, 2)
    with torch.no_grad():
        model.space_y.zero_()
        model.space_x.zero_()
        model.space_y[0, 3, :] = 20.0         # voxel 0 looks at row 3, column 20
        model.space_x[0, 20, :] = 20.0
    fields = model.fields()
    assert fields.shape == (5, 28, 28)
    assert torch.allclose(fields.sum(dim=(1, 2)), torch.nn.functional.softplus(model.amplitude).sum(dim=1))
    assert divmod(int(fields[0].argmax()), 28) == (3, 20)


def test_nif_maps_images_to_both_areas() -> None:
    out = NIF({"V1": 7, "V2": 9}, channels=6, rank=2)(torch.rand(4, 1, 56, 56))
    assert out["V1"].shape == (4, 7) and out["V2"].shape == (4, 9)
