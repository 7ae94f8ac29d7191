"""A multi-task routing policy in the style of RouteFinder: encoder, attributes, pointer decoder.

The encoder is a pre-norm transformer (RMSNorm, SwiGLU feed-forward) over node embeddings to which
a projection of the instance's global attributes is added, so one network serves every variant.
The decoder points at the next node from a query built of the current node's embedding, the mean
node embedding and the dynamic context (loads, time, remaining route length, open routes).

Adapters: :meth:`RoutingPolicy.add_attributes` widens the global-attribute projection with
zero-initialised columns, so a trained policy keeps its behaviour exactly until it is fine-tuned
on the new attribute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from tensordict import TensorDict
from torch import nn

from vrpsolve.routing.neural.features import (
    CONTEXT_FEATURES,
    NODE_FEATURES,
    context_features,
    global_features,
    node_features,
)


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the policy."""

    embed_dim: int = 128
    num_layers: int = 4
    num_heads: int = 8
    ff_hidden: int = 256
    attributes: tuple[str, ...] = ("open_route", "backhaul", "distance_limit", "time_windows")
    logit_clip: float = 10.0


def widen_input(layer: nn.Linear, extra: int) -> nn.Linear:
    """A copy of a bias-free linear layer with ``extra`` zero-initialised input columns."""
    old = layer.weight.data
    wider = nn.Linear(old.shape[1] + extra, old.shape[0], bias=False)
    wider.weight.data.zero_()
    wider.weight.data[:, : old.shape[1]] = old
    return wider


class AttributeAdapted(nn.Module):
    """Base of the policies that read the global attributes through ``attribute_input``.

    A subclass sets ``config`` (a frozen dataclass with an ``attributes`` field) and
    ``attribute_input``, a bias-free linear layer with one input column per attribute.
    """

    config: Any
    attribute_input: nn.Linear

    @property
    def attributes(self) -> tuple[str, ...]:
        """Names of the global attributes the policy reads."""
        return tuple(self.config.attributes)

    def add_attributes(self, names: tuple[str, ...]) -> None:
        """Adapter: read more global attributes through new zero-initialised input columns."""
        new = tuple(n for n in names if n not in self.config.attributes)
        if not new:
            return
        self.attribute_input = widen_input(self.attribute_input, len(new))
        self.config = replace(self.config, attributes=self.config.attributes + new)


class RMSNorm(nn.Module):
    """Root-mean-square layer normalisation with a learned gain."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise the last dimension."""
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    """Gated feed-forward block: ``W2 (silu(W1 x) * W3 x)``."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gate = nn.Linear(dim, hidden, bias=False)
        self.up = nn.Linear(dim, hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block."""
        return self.down(F.silu(self.gate(x)) * self.up(x))


class EncoderLayer(nn.Module):
    """Pre-norm self-attention and SwiGLU, each with a residual connection."""

    def __init__(self, dim: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.attention_norm = RMSNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        self.ff_norm = RMSNorm(dim)
        self.ff = SwiGLU(dim, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode ``[B, M, dim]`` node embeddings."""
        batch, size, dim = x.shape
        q, k, v = self.qkv(self.attention_norm(x)).chunk(3, -1)
        q, k, v = (t.view(batch, size, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, size, dim))
        return x + self.ff(self.ff_norm(x))


@dataclass
class Encoded:
    """What the decoder reuses at every step of one batch."""

    nodes: torch.Tensor  # [B, M, d]
    graph: torch.Tensor  # [B, d]
    glimpse_key: torch.Tensor  # [B, heads, M, d/heads]
    glimpse_value: torch.Tensor  # [B, heads, M, d/heads]
    logit_key: torch.Tensor  # [B, M, d]


class PointerKeys(Protocol):
    """The encoded nodes a pointer step reads (both policies' encodings have them)."""

    glimpse_key: torch.Tensor  # [B, heads, M, d/heads]
    glimpse_value: torch.Tensor  # [B, heads, M, d/heads]
    logit_key: torch.Tensor  # [B, M, d]


def current_rows(td: TensorDict, batch: int, size: int, starts: int) -> torch.Tensor:
    """Index ``[S * B]`` of each rollout's current node into the flattened ``[B * M]`` nodes.

    ``td`` holds ``starts`` rollouts per instance, start-major, as the decoder sees them.
    """
    current = td["current_node"].view(starts, batch)
    return (torch.arange(batch, device=current.device) * size + current).flatten()


def pointer_log_probs(
    query: torch.Tensor,
    encoded: PointerKeys,
    mask: torch.Tensor,
    project_glimpse: nn.Module,
    logit_clip: float,
    attention_bias: torch.Tensor | None = None,
    logit_bias: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """One pointer step: masked log-probabilities ``[S * B, M]`` of the next node.

    The ``[S, B, heads, d/heads]`` query attends over the encoded nodes (a glimpse, with an
    optional additive ``[S, B, heads, M]`` bias), and the projected glimpse scores each node,
    tanh-clipped at ``logit_clip`` after an optional ``[S, B, M]`` bias. ``mask`` is ``[S, B, M]``
    (True where a node may be chosen). The glimpse is one fused attention call, which keeps the
    ``[S, B, heads, M]`` scores out of memory.
    """
    starts, batch = query.shape[:2]
    size, dim = encoded.logit_key.shape[1:]
    allowed = mask.transpose(0, 1).unsqueeze(1)  # [B, 1, S, M]
    if attention_bias is None:
        attention_mask = allowed
    else:
        attention_mask = attention_bias.permute(1, 2, 0, 3).masked_fill(~allowed, -math.inf)
    glimpse = F.scaled_dot_product_attention(
        query.permute(1, 2, 0, 3),
        encoded.glimpse_key,
        encoded.glimpse_value,
        attn_mask=attention_mask,
    )  # [B, heads, S, d/heads]
    glimpse = project_glimpse(glimpse.permute(2, 0, 1, 3).reshape(starts, batch, dim))
    logits = torch.einsum("sbd,bmd->sbm", glimpse, encoded.logit_key) / math.sqrt(dim)
    logits = logit_clip * torch.tanh(logits + logit_bias)
    logits = logits.masked_fill(~mask, -math.inf)
    return torch.log_softmax(logits, -1).view(starts * batch, size)


class RoutingPolicy(AttributeAdapted):
    """Encoder-decoder policy over the routing environment; see the module docstring."""

    config: ModelConfig

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.embed_dim
        self.node_input = nn.Linear(len(NODE_FEATURES), dim)
        self.attribute_input = nn.Linear(len(config.attributes), dim, bias=False)
        self.layers = nn.ModuleList(
            EncoderLayer(dim, config.num_heads, config.ff_hidden) for _ in range(config.num_layers)
        )
        self.final_norm = RMSNorm(dim)
        self.project_keys = nn.Linear(dim, 3 * dim, bias=False)
        self.project_graph = nn.Linear(dim, dim, bias=False)
        self.project_context = nn.Linear(dim + len(CONTEXT_FEATURES), dim, bias=False)
        self.project_glimpse = nn.Linear(dim, dim, bias=False)

    def encode(self, td: TensorDict) -> Encoded:
        """Embed and encode the nodes of a batch."""
        x = self.node_input(node_features(td))
        x = x + self.attribute_input(global_features(td, self.attributes))[:, None, :]
        for layer in self.layers:
            x = layer(x)
        x = self.final_norm(x)
        key, value, logit_key = self.project_keys(x).chunk(3, -1)
        batch, size = x.shape[:2]
        heads = self.config.num_heads
        return Encoded(
            nodes=x,
            graph=self.project_graph(x.mean(1)),
            glimpse_key=key.view(batch, size, heads, -1).transpose(1, 2),
            glimpse_value=value.view(batch, size, heads, -1).transpose(1, 2),
            logit_key=logit_key,
        )

    def logits(self, encoded: Encoded, td: TensorDict, starts: int = 1) -> torch.Tensor:
        """Masked log-probabilities ``[S * B, M]`` of the next action.

        ``td`` holds ``starts`` rollouts per encoded instance, start-major; the encoding is
        shared by them rather than copied.
        """
        nodes = encoded.nodes
        batch, size, dim = nodes.shape
        heads = self.config.num_heads
        index = current_rows(td, batch, size, starts)
        current = nodes.reshape(batch * size, dim).index_select(0, index).view(starts, batch, dim)
        context = torch.cat([current, context_features(td).view(starts, batch, -1)], -1)
        query = (encoded.graph + self.project_context(context)).view(starts, batch, heads, -1)
        mask = td["action_mask"].view(starts, batch, size)
        return pointer_log_probs(query, encoded, mask, self.project_glimpse, self.config.logit_clip)
