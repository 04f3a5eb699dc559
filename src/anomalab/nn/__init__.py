"""Torch building blocks: network factories, the training loop, seeding and devices."""

from anomalab.nn.blocks import conv_decoder, conv_encoder, mlp
from anomalab.nn.runtime import (
    DeviceError,
    check_device,
    parse_device,
    resolve_device,
    resolve_seed,
    seeded,
)
from anomalab.nn.training import (
    TrainHistory,
    epoch_hook,
    make_optimizer,
    predict_in_chunks,
    train_loop,
    validation_split,
)

__all__ = [
    "DeviceError",
    "TrainHistory",
    "check_device",
    "conv_decoder",
    "conv_encoder",
    "epoch_hook",
    "make_optimizer",
    "mlp",
    "parse_device",
    "predict_in_chunks",
    "resolve_device",
    "resolve_seed",
    "seeded",
    "train_loop",
    "validation_split",
]
