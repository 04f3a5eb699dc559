"""The protocol registry: ``register_protocol``, ``PROTOCOLS`` and ``make_task``.

A protocol is a function ``fn(dataset, *, seed, **params) -> Task``. It is registered under a
name with its metadata: the detector supervision kinds it can serve, the F1 rule of its papers
and a one-line description. ``PROTOCOLS[name]`` is that record (a :class:`RegisteredProtocol`),
callable like the function itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anomalab.data.dataset import Dataset
from anomalab.data.protocols.task import Task

Protocol = Callable[..., Task]

#: Detector supervision kinds (``BaseDetector.supervision``; the data layer does not import it).
SUPERVISION_KINDS = ("unsupervised", "semi-supervised", "one-class", "supervised")
#: F1 conventions (``anomalab.metrics.F1_RULES``; the data layer does not import it).
F1_RULES = ("anomaly_at_rate", "normal_at_p20")
#: What a protocol's tasks hold.
DATA_KINDS = ("tabular", "image")
#: Kinds that fit on unlabeled data: every protocol serves them (``y_train`` may be all 0).
LABEL_FREE = ("unsupervised", "one-class")
#: Every kind: the protocol labels some training anomalies, so label-using detectors run too
#: (supervised ones treat the unlabeled rows as normal, as in ADBench).
WITH_LABELS = ("unsupervised", "one-class", "semi-supervised", "supervised")


@dataclass(frozen=True)
class RegisteredProtocol:
    """A registered protocol and its metadata; calling it runs the protocol.

    ``supervision``: the detector supervision kinds whose training the protocol's labels (at its
    default parameters) meet. ``f1_rule``: the ``Task.f1_rule`` of its tasks. ``data_kind``:
    ``"tabular"`` or ``"image"``, the data its tasks hold.
    """

    name: str
    fn: Protocol
    supervision: tuple[str, ...]
    f1_rule: str
    description: str
    data_kind: str = "tabular"

    def parameters(self) -> dict[str, Any]:
        """The protocol's parameters (beyond dataset and seed) with their defaults
        (``inspect.Parameter.empty`` where a value is required)."""
        params = inspect.signature(self.fn).parameters
        return {k: p.default for k, p in params.items() if k not in ("dataset", "seed")}

    def __call__(self, dataset: Dataset, *, seed: int = 0, **params: Any) -> Task:
        """The task of ``dataset`` for ``seed``; ``Task.params`` records every protocol
        parameter, defaults included."""
        sig = inspect.signature(self.fn)
        try:
            bound = sig.bind(dataset, seed=int(seed), **params)
        except TypeError as err:
            raise TypeError(
                f"protocol {self.name!r}: {err}; its parameters are {list(self.parameters())}"
            ) from err
        bound.apply_defaults()
        task = self.fn(*bound.args, **bound.kwargs)
        task.protocol = self.name
        task.params = {k: v for k, v in bound.arguments.items() if k not in ("dataset", "seed")}
        task.f1_rule = self.f1_rule
        return task


PROTOCOLS: dict[str, RegisteredProtocol] = {}


def register_protocol(
    name: str,
    *,
    supervision: Iterable[str],
    f1_rule: str = "anomaly_at_rate",
    description: str | None = None,
    replace: bool = False,
    data_kind: str = "tabular",
) -> Callable[[Protocol], Protocol]:
    """Decorator adding a protocol ``fn(dataset, *, seed, **params) -> Task`` to PROTOCOLS.

    ``supervision``: the kinds of :data:`SUPERVISION_KINDS` it serves (e.g. :data:`LABEL_FREE`);
    ``f1_rule``: one of :data:`F1_RULES`; ``description``: one line (default: the first line of
    the function's docstring); ``data_kind``: one of :data:`DATA_KINDS`. The function itself is
    returned unchanged.
    """
    kinds = (supervision,) if isinstance(supervision, str) else tuple(supervision)
    unknown = sorted(set(kinds) - set(SUPERVISION_KINDS))
    if not kinds or unknown:
        raise ValueError(
            f"protocol {name!r}: supervision must name some of {SUPERVISION_KINDS}, got {kinds}"
        )
    if f1_rule not in F1_RULES:
        raise ValueError(f"protocol {name!r}: f1_rule must be one of {F1_RULES}, got {f1_rule!r}")
    if data_kind not in DATA_KINDS:
        raise ValueError(
            f"protocol {name!r}: data_kind must be one of {DATA_KINDS}, got {data_kind!r}"
        )

    def deco(fn: Protocol) -> Protocol:
        if name in PROTOCOLS and not replace:
            raise ValueError(f"protocol {name!r} is already registered")
        doc = (fn.__doc__ or "").strip().splitlines()
        line = description if description is not None else (doc[0] if doc else "")
        if not line.strip() or "\n" in line:
            raise ValueError(f"protocol {name!r} needs a one-line description (or a docstring)")
        PROTOCOLS[name] = RegisteredProtocol(name, fn, kinds, f1_rule, line.strip(), data_kind)
        return fn

    return deco


def get_protocol(name: str) -> RegisteredProtocol:
    """The registered protocol ``name``, with a clear error for an unknown name."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; available: {sorted(PROTOCOLS)}")
    return PROTOCOLS[name]


def make_task(
    dataset: Dataset | str | Path, protocol: str = "unsupervised", seed: int = 0, **params: Any
) -> Task:
    """Build the ``protocol`` task of ``dataset`` (a Dataset, or a name/path to load) for ``seed``.

    ``Task.params`` records every protocol parameter, defaults included.
    """
    if not isinstance(dataset, Dataset):
        from anomalab.data.load import load_dataset

        dataset = load_dataset(dataset)
    return get_protocol(protocol)(dataset, seed=seed, **params)
