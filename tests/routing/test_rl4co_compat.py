"""rl4co's models and trainers run on the routing environment."""

from __future__ import annotations

import torch
from rl4co.models import POMO, AttentionModelPolicy
from rl4co.models.nn.env_embeddings.dynamic import StaticEmbedding
from rl4co.utils.ops import gather_by_index
from rl4co.utils.trainer import RL4COTrainer
from torch import nn

from vrpsolve.routing.env import RoutingEnv
from vrpsolve.routing.generators import RoutingGenerator


class NodeFeatures(nn.Module):
    """Embeds each node from its position, demands (over capacity) and time window."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.project = nn.Linear(7, dim)

    def forward(self, td):
        capacity = td["vehicle_capacity"].float()
        features = [
            td["locs"],
            (td["demand_linehaul"].float() / capacity)[..., None],
            (td["demand_backhaul"].float() / capacity)[..., None],
            td["time_windows"].float().clamp(max=10.0),
            td["service_time"].float()[..., None],
        ]
        return self.project(torch.cat(features, -1))


class CurrentNode(nn.Module):
    """Decoder context: the embedding of the node the vehicle is at."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.project = nn.Linear(dim, dim)

    def forward(self, embeddings, td):
        return self.project(gather_by_index(embeddings, td["current_node"]))


def test_rl4co_pomo_trains_on_the_environment():
    """rl4co's attention policy, POMO multi-start training and trainer run one epoch."""
    torch.manual_seed(0)
    env = RoutingEnv(RoutingGenerator(8, "all-48"), check_solution=True)
    policy = AttentionModelPolicy(
        env_name=env.name,
        embed_dim=16,
        num_encoder_layers=1,
        num_heads=2,
        init_embedding=NodeFeatures(16),
        context_embedding=CurrentNode(16),
        dynamic_embedding=StaticEmbedding(),
    )
    model = POMO(env, policy, batch_size=8, train_data_size=16, val_data_size=8, num_augment=1)
    trainer = RL4COTrainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model)
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["train/loss"])
    assert metrics["train/reward"] < 0 and metrics["val/reward"] < 0
