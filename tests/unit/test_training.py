"""The shared training loop: sampling, steps, early stopping, best-epoch selection, seeding."""

import numpy as np
import pytest
import torch
from torch import nn

from anomalab.nn import (
    conv_decoder,
    conv_encoder,
    epoch_hook,
    make_optimizer,
    mlp,
    predict_in_chunks,
    resolve_device,
    seeded,
    train_loop,
    validation_split,
)


def _setup(seed: int = 0):
    with seeded(seed) as gen:
        model = mlp(3, [8], 1)
    X = torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    y = (X.sum(1, keepdim=True) > 0).float()
    return model, X, y, gen


def test_balanced_batches_are_half_labeled_anomalies() -> None:
    model, X, _, gen = _setup()
    labels = torch.zeros(64)
    labels[:4] = 1
    seen: list[float] = []

    def loss_fn(batch):
        x, lab = batch
        seen.append(float(lab.mean()))
        return model(x).pow(2).mean()

    opt = make_optimizer(model.parameters(), "rmsprop", 1e-3)
    train_loop(
        model,
        loss_fn,
        (X, labels),
        opt,
        epochs=2,
        batch_size=16,
        generator=gen,
        device=torch.device("cpu"),
        steps_per_epoch=5,
        balance_on=labels,
    )
    assert len(seen) == 10  # epochs x steps_per_epoch
    assert all(v == 0.5 for v in seen)


def test_shuffle_epochs_cover_every_row_once() -> None:
    model, X, _, gen = _setup()
    rows = torch.arange(64).float()
    seen = []

    def loss_fn(batch):
        x, r = batch
        seen.append(r)
        return model(x).pow(2).mean()

    opt = make_optimizer(model.parameters())
    train_loop(
        model,
        loss_fn,
        (X, rows),
        opt,
        epochs=1,
        batch_size=10,
        generator=gen,
        device=torch.device("cpu"),
    )
    assert sorted(torch.cat(seen).tolist()) == list(range(64))


def test_early_stopping_and_best_epoch_restored() -> None:
    model, X, y, gen = _setup()
    values = iter([5.0, 3.0, 4.0, 4.5, 6.0, 7.0, 8.0])
    states = []

    def monitor():
        states.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(values)

    opt = make_optimizer(model.parameters(), lr=0.1)
    hist = train_loop(
        model,
        lambda b: nn.functional.mse_loss(model(b[0]), b[1]),
        (X, y),
        opt,
        epochs=7,
        batch_size=16,
        generator=gen,
        device=torch.device("cpu"),
        monitor=monitor,
        select_best=True,
        patience=2,
    )
    assert hist.stopped_early and hist.epochs_run == 4 and hist.best_epoch == 1
    for key, value in model.state_dict().items():
        assert torch.equal(value, states[1][key])


def test_validation_loss_monitored_and_split_disjoint() -> None:
    gen = torch.Generator().manual_seed(0)
    tr, va = validation_split(100, 0.2, gen)
    assert len(va) == 20 and len(set(tr.tolist()) & set(va.tolist())) == 0
    strat = torch.tensor([1] * 10 + [0] * 90)
    tr, va = validation_split(100, 0.2, gen, stratify=strat)
    assert int(strat[va].sum()) == 2
    model, X, y, gen = _setup()
    opt = make_optimizer(model.parameters())
    hist = train_loop(
        model,
        lambda b: nn.functional.mse_loss(model(b[0]), b[1]),
        (X, y),
        opt,
        epochs=3,
        batch_size=16,
        generator=gen,
        device=torch.device("cpu"),
        val_tensors=(X[:8], y[:8]),
    )
    assert len(hist.monitor) == 3


def _clipped_steps(clip_per_tensor: bool) -> list[float]:
    """Norm of each parameter's change after one huge-gradient SGD epoch with clipping at 0.01."""
    model, X, _, gen = _setup()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    train_loop(
        model,
        lambda b: 1e6 * model(b[0]).sum(),
        (X,),
        opt,
        epochs=1,
        batch_size=64,
        generator=gen,
        device=torch.device("cpu"),
        grad_clip=0.01,
        clip_per_tensor=clip_per_tensor,
    )
    return [float((p - b).norm()) for p, b in zip(model.parameters(), before, strict=True)]


def test_gradient_clipping_bounds_the_update() -> None:
    steps = _clipped_steps(clip_per_tensor=False)
    assert sum(s**2 for s in steps) ** 0.5 <= 0.01 + 1e-6


def test_per_tensor_clipping_bounds_each_parameter_not_the_total() -> None:
    steps = _clipped_steps(clip_per_tensor=True)
    assert max(steps) <= 0.01 + 1e-6  # each tensor's step is bounded ...
    assert sum(s**2 for s in steps) ** 0.5 > 0.01 + 1e-6  # ... but not the global one


def test_non_finite_loss_raises() -> None:
    model, X, _, gen = _setup()
    opt = make_optimizer(model.parameters())
    with pytest.raises(FloatingPointError, match="non-finite"):
        train_loop(
            model,
            lambda b: model(b[0]).sum() * float("nan"),
            (X,),
            opt,
            epochs=1,
            batch_size=8,
            generator=gen,
            device=torch.device("cpu"),
        )


def test_seeded_restores_global_state_and_is_repeatable() -> None:
    state = torch.get_rng_state().clone()
    with seeded(3):
        a = torch.rand(3)
    with seeded(3):
        b = torch.rand(3)
    assert torch.equal(a, b) and torch.equal(torch.get_rng_state(), state)


def test_predict_in_chunks_matches_one_pass() -> None:
    model, X, _, _ = _setup()
    Xn = X.numpy()
    full = model(X).detach().double().numpy()
    chunked = predict_in_chunks(model, Xn, device=torch.device("cpu"), chunk_size=7)
    # float32: the matmul's summation order depends on the batch size (BLAS kernels), so the
    # two agree to float32 rounding of the intermediate sums, not bit for bit
    np.testing.assert_allclose(chunked, full, rtol=1e-5, atol=1e-6)


def test_devices() -> None:
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda:0")


@pytest.mark.parametrize(
    ("channels", "size", "shape"), [((1,), 28, (1, 28, 28)), ((3,), 32, (3, 32, 32))]
)
def test_conv_encoder_decoder_shapes(channels, size, shape) -> None:
    stages = (8, 16) if size == 28 else (8, 16, 32)
    enc, start = conv_encoder(shape[0], size, stages, 32)
    dec = conv_decoder(32, shape[0], start, stages)
    x = torch.rand(2, *shape)
    z = enc(x)
    assert z.shape == (2, 32)
    assert dec(z).shape == x.shape


def test_epoch_hook_sees_every_epoch_and_leaves_training_unchanged() -> None:
    """A hook that scores with the model after each epoch (as a learning-curve diagnostic does)
    is called once per epoch, only inside its block, and the trained weights are identical."""

    def fit(hooked: bool) -> tuple[nn.Module, list[tuple[int, float]]]:
        model, X, y, gen = _setup()
        opt = make_optimizer(model.parameters(), "adam", 1e-2)
        calls: list[tuple[int, float]] = []

        def score(epoch: int, loss: float) -> None:
            model.eval()
            with torch.no_grad():
                model(X)
            calls.append((epoch, loss))

        def loss_fn(batch):
            return nn.functional.mse_loss(model(batch[0]), batch[1])

        kwargs = dict(epochs=4, batch_size=16, generator=gen, device=torch.device("cpu"))
        if hooked:
            with epoch_hook(score):
                history = train_loop(model, loss_fn, (X, y), opt, **kwargs)
        else:
            history = train_loop(model, loss_fn, (X, y), opt, **kwargs)
        assert [c[1] for c in calls] == (history.loss if hooked else [])
        return model, calls

    plain, _ = fit(hooked=False)
    hooked, calls = fit(hooked=True)
    assert [c[0] for c in calls] == [0, 1, 2, 3]
    for a, b in zip(plain.parameters(), hooked.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
