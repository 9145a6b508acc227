"""Early, intermediate and late integration networks (MSIModels). Each channel enters a Conv1D branch
(8 filters, kernel 2, tanh, max-pooling, then 16 filters); the channels merge after the first
convolution (early), after the second (intermediate) or after per-channel dense layers (late). A
dense head gives the decision (2-way softmax) and the rate (ReLU); per-channel rate outputs read
each branch before the merge. About 160k parameters each."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

INTEGRATIONS = ("early", "intermediate", "late")


@dataclass(frozen=True)
class Sizes:
    length: int = 650            # samples per channel
    conv_1: int = 8
    conv_2: int = 16
    kernel: int = 2
    pool_1: int = 8              # per-channel pooling after each convolution
    pool_2: int = 8
    pool_merged: int = 4         # pooling after a convolution over the merged channels
    dense_1: int = 325           # length / 2 (a merged layer), length / 2 / 1.337 per channel (late)
    dense_2: int = 162           # length / 4
    dropout: float = 0.01

    @property
    def dense_1_per_channel(self) -> int:
        return int(self.dense_1 / 1.337)


def _after(length: int, kernel: int, pool: int) -> int:
    """Length after a valid convolution and a max-pooling."""
    return (length - kernel + 1) // pool


class Branch(nn.Module):
    """One channel's first convolution and pooling: (B, 1, L) -> (B, conv_1, L1)."""

    def __init__(self, s: Sizes):
        super().__init__()
        self.conv = nn.Conv1d(1, s.conv_1, s.kernel)
        self.pool = nn.MaxPool1d(s.pool_1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(torch.tanh(self.conv(x)))


class SecondConv(nn.Module):
    def __init__(self, channels: int, s: Sizes, pool: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, s.conv_2, s.kernel)
        self.pool = nn.MaxPool1d(pool)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(torch.tanh(self.conv(x)))


class Dense(nn.Module):
    """Linear -> ReLU -> dropout."""

    def __init__(self, inputs: int, units: int, dropout: float):
        super().__init__()
        self.linear, self.dropout = nn.Linear(inputs, units), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(torch.relu(self.linear(x)))


class IntegrationModel(nn.Module):
    """forward(left, right) with each (B, L) -> {"dec_logits": (B, 2), "rate": (B,), "left_rate": (B,),
    "right_rate": (B,)}. The rate outputs' biases start at `rate_mean`."""

    def __init__(self, integration: str, s: Sizes = Sizes(), rate_mean: float = 13.5):
        super().__init__()
        if integration not in INTEGRATIONS:
            raise ValueError(f"integration must be one of {INTEGRATIONS}, got {integration!r}")
        self.integration = integration
        self.left, self.right = Branch(s), Branch(s)
        l1 = _after(s.length, s.kernel, s.pool_1)
        if integration == "early":
            self.merged_conv = SecondConv(2 * s.conv_1, s, s.pool_merged)
            side_features = s.conv_1 * l1
            merged = s.conv_2 * _after(l1, s.kernel, s.pool_merged)
            self.dense_1 = Dense(merged, s.dense_1, s.dropout)
            head_in = s.dense_1
        else:
            self.left_conv, self.right_conv = SecondConv(s.conv_1, s, s.pool_2), SecondConv(s.conv_1, s, s.pool_2)
            side_features = s.conv_2 * _after(l1, s.kernel, s.pool_2)
            if integration == "intermediate":
                self.dense_1 = Dense(2 * side_features, s.dense_1, s.dropout)
                head_in = s.dense_1
            else:
                per_channel = s.dense_1_per_channel
                self.left_dense = Dense(side_features, per_channel, s.dropout)
                self.right_dense = Dense(side_features, per_channel, s.dropout)
                side_features, head_in = per_channel, 2 * per_channel
        self.left_rate, self.right_rate = nn.Linear(side_features, 1), nn.Linear(side_features, 1)
        self.dense_2 = Dense(head_in, s.dense_2, s.dropout)
        self.rate, self.decision = nn.Linear(s.dense_2, 1), nn.Linear(s.dense_2, 2)
        with torch.no_grad():          # rate outputs start at the mean rate: Adam need not walk there
            for layer in (self.rate, self.left_rate, self.right_rate):
                layer.bias.fill_(rate_mean)

    def forward(self, left: torch.Tensor, right: torch.Tensor) -> dict[str, torch.Tensor]:
        a, b = self.left(left[:, None]), self.right(right[:, None])
        if self.integration == "early":
            side_a, side_b = a.flatten(1), b.flatten(1)
            merged = self.dense_1(self.merged_conv(torch.cat([a, b], dim=1)).flatten(1))
        else:
            a, b = self.left_conv(a).flatten(1), self.right_conv(b).flatten(1)
            if self.integration == "intermediate":
                side_a, side_b = a, b
                merged = self.dense_1(torch.cat([a, b], dim=1))
            else:
                side_a, side_b = self.left_dense(a), self.right_dense(b)
                merged = torch.cat([side_a, side_b], dim=1)
        head = self.dense_2(merged)
        return {"dec_logits": self.decision(head), "rate": torch.relu(self.rate(head))[:, 0],
                "left_rate": torch.relu(self.left_rate(side_a))[:, 0],
                "right_rate": torch.relu(self.right_rate(side_b))[:, 0]}


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
