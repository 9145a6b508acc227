"""Neural Information Flow (Seeliger et al. 2021): one network from images to the voxels of two visual
areas, each area read out by a low-rank observation model.

toV1 = conv 3x3 (1 -> C, pad 1) -> sigmoid -> avgpool 2;  toV2 = conv 3x3 (C -> C) -> sigmoid -> avgpool 2.
Per voxel v of an area with feature maps u (C, S, S): channel weights Uc[:, v], spatial factors
sy[v, :, k] and sx[v, :, k] (softmax over space) for each of R ranks, amplitudes softplus(A[v, k]) and a
bias b[v]:

    obs[v] = sum_k softplus(A[v, k]) * sum_{h, w} sy[v, h, k] sx[v, w, k] sum_c u[c, h, w] Uc[c, v] + b[v]

The separable form never builds a voxel's S x S field; `direct_observation` does, for tests and the
benchmark.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ObservationModel(nn.Module):
    """Low-rank readout of `voxels` voxels from (B, C, S, S) feature maps."""

    def __init__(self, channels: int, side: int, voxels: int, rank: int):
        super().__init__()
        self.channel = nn.Parameter(torch.randn(channels, voxels) / channels ** 0.5)      # Uc
        self.space_y = nn.Parameter(torch.randn(voxels, side, rank) * 0.01)             # before softmax
        self.space_x = nn.Parameter(torch.randn(voxels, side, rank) * 0.01)
        self.amplitude = nn.Parameter(torch.zeros(voxels, rank))                        # A
        self.bias = nn.Parameter(torch.zeros(voxels))

    def factors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """sy, sx (V, S, R), each a distribution over space, and the amplitudes softplus(A) (V, R)."""
        return self.space_y.softmax(dim=1), self.space_x.softmax(dim=1), F.softplus(self.amplitude)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """(B, C, S, S) -> (B, V)."""
        sy, sx, amplitude = self.factors()
        along_x = torch.einsum("bchw,vwk->bchvk", u, sx)           # one matrix product for every voxel and rank
        pooled = torch.einsum("bchvk,vhk->bcvk", along_x, sy)
        mixed = torch.einsum("bcvk,cv->bvk", pooled, self.channel)
        return (mixed * amplitude).sum(dim=2) + self.bias

    def fields(self) -> torch.Tensor:
        """Each voxel's spatial field (V, S, S), rows = image rows: sum_k softplus(A) sy outer sx."""
        sy, sx, amplitude = self.factors()
        return torch.einsum("vhk,vwk,vk->vhw", sy, sx, amplitude)


def direct_observation(model: ObservationModel, u: torch.Tensor) -> torch.Tensor:
    """The formula evaluated as written: every voxel's channel-weighted maps and its full S x S field per
    rank, multiplied point by point and summed (what the separable form avoids building)."""
    sy, sx, amplitude = model.factors()
    full = sy.permute(0, 2, 1)[:, :, :, None] * sx.permute(0, 2, 1)[:, :, None, :]          # (V, R, S, S)
    weighted = (u[:, :, None] * model.channel[None, :, :, None, None]).sum(dim=1)           # (B, V, S, S)
    terms = amplitude[None, :, :, None, None] * full[None] * weighted[:, :, None]           # (B, V, R, S, S)
    return terms.sum(dim=(2, 3, 4)) + model.bias


class NIF(nn.Module):
    """Images (B, 1, 56, 56) -> {"V1": (B, V1 voxels), "V2": (B, V2 voxels)} for the areas it fits."""

    def __init__(self, voxels: dict[str, int], channels: int = 6, rank: int = 2, side: int = 56):
        super().__init__()
        self.to_v1 = nn.Conv2d(1, channels, 3, padding=1)
        self.to_v2 = nn.Conv2d(channels, channels, 3, padding=1)
        sides = {"V1": side // 2, "V2": side // 4}
        self.observe = nn.ModuleDict({area: ObservationModel(channels, sides[area], count, rank)
                                      for area, count in voxels.items()})

    def features(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        v1 = F.avg_pool2d(torch.sigmoid(self.to_v1(images)), 2)
        v2 = F.avg_pool2d(torch.sigmoid(self.to_v2(v1)), 2)
        return {"V1": v1, "V2": v2}

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.features(images)
        return {area: readout(features[area]) for area, readout in self.observe.items()}
