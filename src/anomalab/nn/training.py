"""The one training loop behind every torch detector, and chunked inference.

Batches are drawn from tensors by index (``randperm`` / ``randint`` on a local generator), so there
is no per-sample Python work. A run is ``epochs`` passes, each either a full shuffle of the data or
a fixed ``steps_per_epoch`` count of sampled batches (DevNet's 20 x 512). Optional: balanced
batches (half from rows whose ``balance_on`` is 1, half from the rest, with replacement), gradient
clipping, an L2 penalty hook, early stopping on a validation split of the *training* data, and
best-epoch selection (keep the weights of the epoch with the lowest monitored value).
``epoch_hook`` lets a diagnostic watch every epoch of the fits inside a ``with`` block (learning
curves) without changing how anything trains.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

Batch = tuple[torch.Tensor, ...]
LossFn = Callable[[Batch], torch.Tensor]

EpochHook = Callable[[int, float], None]
_EPOCH_HOOKS: ContextVar[tuple[EpochHook, ...]] = ContextVar("epoch_hooks", default=())


@contextmanager
def epoch_hook(hook: EpochHook) -> Iterator[None]:
    """Call ``hook(epoch, epoch_loss)`` after every epoch of every :func:`train_loop` run inside
    the block (after the epoch's monitoring, before early stopping is checked).

    For learning-curve diagnostics, e.g. scoring held-out data after each epoch: the hook may
    score with the model (the next epoch puts it back in training mode) but must not draw from
    torch's random number generators or change the model, so training is the same with or
    without it."""
    token = _EPOCH_HOOKS.set((*_EPOCH_HOOKS.get(), hook))
    try:
        yield
    finally:
        _EPOCH_HOOKS.reset(token)


OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "sgd": torch.optim.SGD,
}


def make_optimizer(
    params: Any, name: str = "adam", lr: float = 1e-3, weight_decay: float = 0.0, **kwargs: Any
) -> torch.optim.Optimizer:
    """An optimizer by name (adam, adamw, rmsprop, sgd)."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {sorted(OPTIMIZERS)}") from None
    return cls(params, lr=lr, weight_decay=weight_decay, **kwargs)


@dataclass
class TrainHistory:
    """Per-epoch training loss, validation loss / monitored value, and the selected epoch."""

    loss: list[float] = field(default_factory=list)
    monitor: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs_run(self) -> int:
        return len(self.loss)


def validation_split(
    n: int, fraction: float, generator: torch.Generator, stratify: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (train, validation) drawn from the training rows only; stratified if asked."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
    if stratify is None:
        perm = torch.randperm(n, generator=generator)
        n_val = max(1, int(round(n * fraction)))
        return perm[n_val:], perm[:n_val]
    train_parts, val_parts = [], []
    for value in torch.unique(stratify):
        idx = torch.nonzero(stratify == value).flatten()
        idx = idx[torch.randperm(len(idx), generator=generator)]
        n_val = int(round(len(idx) * fraction))
        val_parts.append(idx[:n_val])
        train_parts.append(idx[n_val:])
    return torch.cat(train_parts), torch.cat(val_parts)


def _batch_indices(
    n: int,
    batch_size: int,
    generator: torch.Generator,
    steps: int | None,
    balance_on: torch.Tensor | None,
) -> list[torch.Tensor]:
    if balance_on is not None:
        pos = torch.nonzero(balance_on == 1).flatten()
        neg = torch.nonzero(balance_on != 1).flatten()
        if len(pos) == 0 or len(neg) == 0:
            raise ValueError("balanced sampling needs rows of both groups (label 1 and the rest)")
        n_steps = steps if steps is not None else math.ceil(n / batch_size)
        half = batch_size // 2
        out = []
        for _ in range(n_steps):
            neg_idx = neg[torch.randint(len(neg), (batch_size - half,), generator=generator)]
            pos_idx = pos[torch.randint(len(pos), (half,), generator=generator)]
            out.append(torch.cat([neg_idx, pos_idx]))
        return out
    if steps is not None:
        return [torch.randint(n, (batch_size,), generator=generator) for _ in range(steps)]
    perm = torch.randperm(n, generator=generator)
    return list(perm.split(batch_size))


def train_loop(
    model: nn.Module,
    loss_fn: LossFn,
    tensors: Sequence[torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    device: torch.device,
    steps_per_epoch: int | None = None,
    balance_on: torch.Tensor | None = None,
    grad_clip: float | None = None,
    clip_per_tensor: bool = False,
    scheduler: Any | None = None,
    val_tensors: Sequence[torch.Tensor] | None = None,
    monitor: Callable[[], float] | None = None,
    select_best: bool = False,
    patience: int | None = None,
    on_epoch_end: Callable[[int, float], None] | None = None,
    drop_last: bool = False,
    verbose: bool = False,
    description: str = "training",
) -> TrainHistory:
    """Train ``model`` by minimising ``loss_fn(batch)`` over mini-batches of ``tensors``.

    ``tensors`` stay on their device; each batch is moved to ``device``. The monitored value per
    epoch is ``monitor()`` if given, else the mean ``loss_fn`` on ``val_tensors`` if given. With
    ``select_best`` the weights of the lowest monitored epoch are restored at the end; with
    ``patience`` training stops after that many epochs without improvement. ``grad_clip`` bounds
    the global gradient norm (Keras 2.2 ``clipnorm``, ``clip_grad_norm_``) or, with
    ``clip_per_tensor``, each parameter's own gradient norm (``tf.keras`` >= 2.4 ``clipnorm``).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = int(tensors[0].shape[0])
    if any(int(t.shape[0]) != n for t in tensors):
        raise ValueError("all training tensors must have the same number of rows")
    history = TrainHistory()
    best_value, best_state, since_best = math.inf, None, 0
    progress = _progress(verbose, epochs, description)
    try:
        for epoch in range(epochs):
            model.train()
            total, count = 0.0, 0
            batches = _batch_indices(n, batch_size, generator, steps_per_epoch, balance_on)
            for step, idx in enumerate(batches, start=1):
                if drop_last and len(idx) < batch_size and count > 0:
                    continue
                batch = tuple(t[idx].to(device, non_blocking=True) for t in tensors)
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(batch)
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"non-finite training loss at epoch {epoch + 1}, step {step}: "
                        f"{loss.item()}; lower the learning rate (lr={_lr(optimizer)}) or "
                        "scale the inputs"
                    )
                loss.backward()
                if grad_clip is not None and clip_per_tensor:
                    for p in model.parameters():
                        if p.grad is not None:
                            nn.utils.clip_grad_norm_(p, grad_clip)
                elif grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                check_parameters_finite(model, optimizer, epoch + 1, step)
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            if scheduler is not None:
                scheduler.step()
            epoch_loss = total / max(count, 1)
            history.loss.append(epoch_loss)
            value = _monitored(model, loss_fn, val_tensors, monitor, batch_size, device)
            if value is not None:
                history.monitor.append(value)
                if value < best_value:
                    best_value, since_best = value, 0
                    history.best_epoch = epoch
                    if select_best:
                        best_state = copy.deepcopy(model.state_dict())
                else:
                    since_best += 1
            if on_epoch_end is not None:
                on_epoch_end(epoch, epoch_loss)
            for hook in _EPOCH_HOOKS.get():
                hook(epoch, epoch_loss)
            if progress is not None:
                progress[0].update(progress[1], advance=1, loss=epoch_loss)
            if patience is not None and value is not None and since_best >= patience:
                history.stopped_early = True
                break
    finally:
        if progress is not None:
            progress[0].stop()
    if select_best and best_state is not None:
        model.load_state_dict(best_state)
    if history.best_epoch is None:
        history.best_epoch = history.epochs_run - 1
    return history


def check_parameters_finite(
    model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int, step: int
) -> None:
    """Raise ``FloatingPointError`` if any weight of ``model`` is NaN or infinite (after the
    optimizer step ``step`` of ``epoch``, both 1-based); one device sync per call.

    The float64 sum of all weights is finite exactly when every weight is (NaN and +-inf
    propagate; float32 values cannot overflow a float64 sum), and costs one reduction per
    tensor."""
    sums = [p.detach().sum(dtype=torch.float64) for p in model.parameters()]
    if sums and not bool(torch.isfinite(torch.stack(sums).sum())):
        raise FloatingPointError(
            f"training diverged at epoch {epoch}, step {step}: the model's weights became NaN "
            f"or infinite after the optimizer step; lower the learning rate "
            f"(lr={_lr(optimizer)}) or scale the inputs"
        )


def _lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0].get("lr", float("nan")))


def _monitored(
    model: nn.Module,
    loss_fn: LossFn,
    val_tensors: Sequence[torch.Tensor] | None,
    monitor: Callable[[], float] | None,
    batch_size: int,
    device: torch.device,
) -> float | None:
    if monitor is not None:
        return float(monitor())
    if val_tensors is None:
        return None
    model.eval()
    n = int(val_tensors[0].shape[0])
    total = 0.0
    with torch.no_grad():
        for start in range(0, n, batch_size):
            batch = tuple(t[start : start + batch_size].to(device) for t in val_tensors)
            total += float(loss_fn(batch)) * int(batch[0].shape[0])
    return total / max(n, 1)


def _progress(verbose: bool, epochs: int, description: str) -> tuple[Any, Any] | None:
    if not verbose:
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4g}"),
        TimeRemainingColumn(),
        transient=True,
    )
    task = progress.add_task(description, total=epochs, loss=float("nan"))
    progress.start()
    return progress, task


@torch.no_grad()
def predict_in_chunks(
    fn: Callable[[torch.Tensor], torch.Tensor],
    X: np.ndarray,
    *,
    device: torch.device,
    chunk_size: int = 4096,
    dtype: torch.dtype = torch.float32,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Apply ``fn`` to ``X`` chunk by chunk; float64 result.

    ``transform`` (fitted preprocessing) is applied to each chunk of ``X`` on its own, so the
    extra memory is a few chunks whatever the row count (``X`` may be a ``np.memmap``)."""
    out: np.ndarray | None = None
    n = X.shape[0]
    for start in range(0, n, chunk_size):
        rows = X[start : start + chunk_size]
        if transform is not None:
            rows = transform(rows)
        if not rows.flags.writeable:  # a read-only memmap: torch wants its own copy
            rows = np.array(rows)
        chunk = torch.as_tensor(rows, dtype=dtype).to(device)
        result = fn(chunk).detach().to("cpu", torch.float64).numpy()
        if out is None:
            out = np.empty((n, *result.shape[1:]), dtype=np.float64)
        out[start : start + len(result)] = result
    if out is None:
        raise ValueError("predict_in_chunks needs at least one row")
    return out
