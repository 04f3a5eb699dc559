"""Torch building blocks: network factories, the training loop, seeding and devices."""

from anomalab.nn.blocks import conv_decoder, conv_encoder, mlp
from anomalab.nn.runtime import resolve_device, resolve_seed, seeded
from anomalab.nn.training import (
    TrainHistory,
    epoch_hook,
    make_optimizer,
    predict_in_chunks,
    train_loop,
    validation_split,
)

__all__ = [
    "TrainHistory",
    "conv_decoder",
    "conv_encoder",
    "epoch_hook",
    "make_optimizer",
    "mlp",
    "predict_in_chunks",
    "resolve_device",
    "resolve_seed",
    "seeded",
    "train_loop",
    "validation_split",
]
