"""Presets: which values a detector's preset-governed parameters take (DESIGN.md, the contract).

Every registered detector takes ``preset``:

- ``"paper"``: the paper's or its official code's values, exactly the defaults that the
  reproductions ran with before presets existed (every paper suite pins it);
- ``"recommended"`` (the default): rules over the data's shape (rows, features, image or table,
  labeled anomalies), chosen on the development half of the ADBench datasets and confirmed once on
  the other half (``docs/results/recommended.md``; each rule is in the detector's docstring).

A governed parameter defaults to ``None``, "the preset's value"; a value the caller passes always
wins over either preset. An explicit ``epochs`` is the whole training budget: a preset's step
minimum (``min_steps``) then does not apply unless ``min_steps`` is passed too. The values a fit actually used are ``effective_params_`` (persisted with
the model) and, as attributes, ``hp_``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PRESETS = ("recommended", "paper")


@dataclass(frozen=True)
class DataShape:
    """What a preset rule may look at: the training data's shape, never its values."""

    n_samples: int
    n_features: int
    input_shape: tuple[int, ...]
    n_labeled_anomalies: int = 0

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3


def check_preset(preset: object) -> str:
    """``preset`` validated (a clear error naming the allowed values)."""
    if preset not in PRESETS:
        hint = " (the compute budget is the parameter budget='cpu')" if preset == "cpu" else ""
        raise ValueError(f"preset must be one of {PRESETS}, got {preset!r}{hint}")
    return str(preset)


def budget_epochs(epochs: int, n_rows: int, batch_size: int, min_steps: int) -> int:
    """Epochs to run so that training takes at least ``min_steps`` optimizer steps.

    A budget counted in steps, with a minimum: ``epochs`` full passes, or more passes where the
    data is so small that those would be fewer than ``min_steps`` steps (``min_steps`` 0: exactly
    ``epochs``)."""
    steps_per_epoch = max(1, math.ceil(int(n_rows) / max(1, int(batch_size))))
    return max(int(epochs), math.ceil(int(min_steps) / steps_per_epoch))
