"""A routing policy for explicit, possibly asymmetric travel matrices, in the style of RRNCO.

After Son et al., "Neural Combinatorial Optimization for Real-World Routing" (2025). Three ideas set
it apart from :class:`~vrpsolve.routing.neural.model.RoutingPolicy`, which sees coordinates only:

Adaptive node embedding
    Each node gets a coordinate embedding (its features, position and direction from the depot)
    and a distance embedding: the outgoing and incoming distances and durations to a fixed set
    of other nodes (ranks spaced logarithmically in the node's distance order, so near nodes
    are dense and far ones sparse), embedded per neighbour by a small MLP and pooled (mean and
    max). A learned sigmoid gate mixes the two per node and channel (contextual gating). The
    "row" (outgoing) and "column" (incoming) embeddings read the neighbour distances in
    opposite directions.
Attention-free dual encoder
    Row and column embeddings are updated alternately, rows from columns and then columns from
    rows, by attention-free blocks (AFT): ``sigmoid(Q_i) * sum_j exp(K_j + A_ij) V_j / sum_j
    exp(K_j + A_ij)``, per channel, with ``A`` a neural adaptive bias per head computed by a
    small MLP from the entries of the distance and duration matrices in both directions and the
    direction between the two nodes. Blocks are pre-norm residual with a SwiGLU feed-forward.
    A layer costs ``O(B M^2 d)``.
Pointer decoder
    As in ``RoutingPolicy``: the current node's row embedding, the graph embedding and the
    dynamic context make the query, which glimpses at and points to the column embeddings;
    the distance and duration from the current node add a learned bias to both, and the logits
    are tanh-clipped and masked.

The policy has the same interface as ``RoutingPolicy`` (``encode``, ``logits`` with start-major
multi-start rollouts sharing one encoding, ``add_attributes``), so rollouts, training and the
neural solver take either.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tensordict import TensorDict
from torch import nn

from vrpsolve.routing.neural.features import (
    CONTEXT_FEATURES,
    NODE_FEATURES,
    context_features,
    global_features,
    node_features,
)
from vrpsolve.routing.neural.model import (
    AttributeAdapted,
    RMSNorm,
    SwiGLU,
    current_rows,
    pointer_log_probs,
)

EDGE_FEATURES = ("distance", "distance_back", "duration", "duration_back", "cos", "sin")
"""Inputs of the adaptive bias for the edge ``i -> j``, in order (direction from ``i`` to ``j``)."""

NEIGHBOUR_FEATURES = 4
"""Per-neighbour inputs of the distance embedding: distance and duration, out and back."""


@dataclass(frozen=True)
class RRNCOConfig:
    """Sizes of the RRNCO policy.

    Each of the ``num_layers`` layers is a row block followed by a column block.
    """

    embed_dim: int = 128
    num_layers: int = 3
    num_heads: int = 8
    ff_hidden: int = 256
    neighbours: int = 16
    """Nodes each node's distance embedding reads (fewer when the instance is smaller)."""
    bias_hidden: int = 32
    """Width of the adaptive-bias MLP."""
    attributes: tuple[str, ...] = ("open_route", "backhaul", "distance_limit", "time_windows")
    logit_clip: float = 10.0


class AFTBlock(nn.Module):
    """Pre-norm attention-free mixing of one side by the other, then SwiGLU; both residual."""

    def __init__(self, dim: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.query_norm = RMSNorm(dim)
        self.other_norm = RMSNorm(dim)
        self.query = nn.Linear(dim, dim, bias=False)
        self.key_value = nn.Linear(dim, 2 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        self.ff_norm = RMSNorm(dim)
        self.ff = SwiGLU(dim, hidden)

    def forward(self, x: torch.Tensor, other: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """Update ``x [B, M, d]`` from ``other [B, N, d]`` under ``bias [B, heads, M, N]``."""
        batch, size, dim = x.shape
        gate = torch.sigmoid(self.query(self.query_norm(x)))
        key, value = self.key_value(self.other_norm(other)).chunk(2, -1)
        key, value = (
            t.view(batch, -1, self.heads, dim // self.heads).transpose(1, 2) for t in (key, value)
        )
        # exp(A_ij + K_jc) factorises into two matrices; shifting each by its maximum keeps the
        # exponentials finite and cancels in the ratio.
        weight = torch.exp(bias - bias.amax(-1, keepdim=True))
        key = torch.exp(key - key.amax(-2, keepdim=True))
        numerator = weight @ (key * value)
        denominator = (weight @ key).clamp_min(torch.finfo(key.dtype).tiny)
        mixed = (numerator / denominator).transpose(1, 2).reshape(batch, size, dim)
        x = x + self.out(gate * mixed)
        return x + self.ff(self.ff_norm(x))


@dataclass
class RRNCOEncoded:
    """What the decoder reuses at every step of one batch."""

    rows: torch.Tensor  # [B, M, d]
    columns: torch.Tensor  # [B, M, d]
    graph: torch.Tensor  # [B, d]
    glimpse_key: torch.Tensor  # [B, heads, M, d/heads]
    glimpse_value: torch.Tensor  # [B, heads, M, d/heads]
    logit_key: torch.Tensor  # [B, M, d]
    travel: torch.Tensor  # [B, M, M, 2]: distance and duration


def travel_matrices(td: TensorDict) -> torch.Tensor:
    """``[B, M, M, 2]`` float32 distance and duration, non-finite entries as 0."""
    travel = torch.stack([td["distance"], td["duration"]], -1).float()
    return torch.where(torch.isfinite(travel), travel, torch.zeros_like(travel))


def edge_features(td: TensorDict, travel: torch.Tensor) -> torch.Tensor:
    """``[B, M, M, len(EDGE_FEATURES)]`` inputs of the adaptive bias."""
    locs = td["locs"].float()
    offset = locs[:, None, :, :] - locs[:, :, None, :]
    length = offset.norm(dim=-1, keepdim=True)
    direction = torch.where(length > 0, offset / length.clamp_min(1e-9), 0.0)
    back = travel.transpose(1, 2)
    return torch.cat(
        [travel[..., :1], back[..., :1], travel[..., 1:], back[..., 1:], direction], -1
    )


def neighbour_ranks(size: int, count: int) -> torch.Tensor:
    """Ranks ``1 .. size - 1`` spaced logarithmically, ``count`` of them (repeats when small)."""
    steps = torch.linspace(0.0, 1.0, count, dtype=torch.float64)
    return torch.round((size - 1) ** steps).long().clamp(1, size - 1)


class RRNCOPolicy(AttributeAdapted):
    """Encoder-decoder policy for matrix instances; see the module docstring."""

    config: RRNCOConfig

    def __init__(self, config: RRNCOConfig) -> None:
        super().__init__()
        self.config = config
        dim, heads = config.embed_dim, config.num_heads
        self.coordinate_input = nn.Linear(len(NODE_FEATURES) + 2, dim)
        self.neighbour_input = nn.Linear(NEIGHBOUR_FEATURES, dim)
        self.neighbour_pool = nn.Linear(2 * dim, dim)
        self.gate = nn.Linear(2 * dim, dim)
        self.attribute_input = nn.Linear(len(config.attributes), dim, bias=False)
        self.adaptive_bias = nn.Sequential(
            nn.Linear(len(EDGE_FEATURES), config.bias_hidden),
            nn.ReLU(),
            nn.Linear(config.bias_hidden, 2 * config.num_layers * heads),
        )
        self.row_blocks = nn.ModuleList(
            AFTBlock(dim, heads, config.ff_hidden) for _ in range(config.num_layers)
        )
        self.column_blocks = nn.ModuleList(
            AFTBlock(dim, heads, config.ff_hidden) for _ in range(config.num_layers)
        )
        self.row_norm = RMSNorm(dim)
        self.column_norm = RMSNorm(dim)
        self.project_keys = nn.Linear(dim, 3 * dim, bias=False)
        self.project_graph = nn.Linear(dim, dim, bias=False)
        self.project_context = nn.Linear(dim + len(CONTEXT_FEATURES), dim, bias=False)
        self.project_glimpse = nn.Linear(dim, dim, bias=False)
        self.decoder_bias = nn.Linear(2, heads + 1, bias=False)

    def embed(self, td: TensorDict, travel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Initial row and column embeddings ``[B, M, d]`` (adaptive node embedding)."""
        locs = td["locs"].float()
        offset = locs - locs[:, :1]
        angle = torch.atan2(offset[..., 1], offset[..., 0])
        coordinates = torch.cat(
            [node_features(td), torch.stack([angle.cos(), angle.sin()], -1)], -1
        )
        coordinate = self.coordinate_input(coordinates)

        size = travel.shape[1]
        order = (travel[..., 0] + travel[..., 0].transpose(1, 2)).argsort(-1)
        ranks = neighbour_ranks(size, self.config.neighbours).to(order.device)
        chosen = order[..., ranks]  # [B, M, k]: node i's neighbours
        out = travel.gather(2, chosen[..., None].expand(-1, -1, -1, 2))
        back = travel.transpose(1, 2).gather(2, chosen[..., None].expand(-1, -1, -1, 2))
        attributes = self.attribute_input(global_features(td, self.attributes))[:, None, :]
        embedded = []
        for first, second in ((out, back), (back, out)):
            neighbours = torch.relu(self.neighbour_input(torch.cat([first, second], -1)))
            pooled = torch.cat([neighbours.mean(2), neighbours.amax(2)], -1)
            distance = self.neighbour_pool(pooled)
            gate = torch.sigmoid(self.gate(torch.cat([coordinate, distance], -1)))
            embedded.append(gate * coordinate + (1 - gate) * distance + attributes)
        return embedded[0], embedded[1]

    def encode(self, td: TensorDict) -> RRNCOEncoded:
        """Embed and encode the nodes of a batch."""
        travel = travel_matrices(td)
        rows, columns = self.embed(td, travel)
        batch, size = rows.shape[:2]
        heads = self.config.num_heads
        bias = self.adaptive_bias(edge_features(td, travel))  # [B, i, j, 2 * L * heads]
        bias = bias.permute(0, 3, 1, 2).reshape(batch, self.config.num_layers, 2, heads, size, size)
        for layer, (row_block, column_block) in enumerate(
            zip(self.row_blocks, self.column_blocks, strict=True)
        ):
            rows = row_block(rows, columns, bias[:, layer, 0])
            columns = column_block(columns, rows, bias[:, layer, 1].transpose(-1, -2))
        rows, columns = self.row_norm(rows), self.column_norm(columns)
        key, value, logit_key = self.project_keys(columns).chunk(3, -1)
        return RRNCOEncoded(
            rows=rows,
            columns=columns,
            graph=self.project_graph(rows.mean(1)),
            glimpse_key=key.view(batch, size, heads, -1).transpose(1, 2),
            glimpse_value=value.view(batch, size, heads, -1).transpose(1, 2),
            logit_key=logit_key,
            travel=travel,
        )

    def logits(self, encoded: RRNCOEncoded, td: TensorDict, starts: int = 1) -> torch.Tensor:
        """Masked log-probabilities ``[S * B, M]`` of the next action.

        ``td`` holds ``starts`` rollouts per encoded instance, start-major; the encoding is
        shared by them rather than copied.
        """
        rows = encoded.rows
        batch, size, dim = rows.shape
        heads = self.config.num_heads
        index = current_rows(td, batch, size, starts)
        current = rows.reshape(batch * size, dim).index_select(0, index).view(starts, batch, dim)
        travel = encoded.travel.reshape(batch * size, size * 2).index_select(0, index)
        bias = self.decoder_bias(travel.view(starts, batch, size, 2))  # [S, B, M, heads + 1]
        context = torch.cat([current, context_features(td).view(starts, batch, -1)], -1)
        query = (encoded.graph + self.project_context(context)).view(starts, batch, heads, -1)
        return pointer_log_probs(
            query,
            encoded,
            td["action_mask"].view(starts, batch, size),
            self.project_glimpse,
            self.config.logit_clip,
            attention_bias=bias[..., :heads].transpose(-1, -2),
            logit_bias=bias[..., heads],
        )
